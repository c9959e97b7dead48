"""The YAML loader refuses what would exhaust the machine (alias bombs, huge or deeply nested documents)
and tags it does not know, on any node, with a clear Indonesian message; `validate` stays fast on them."""

import time
import tracemalloc

import pytest

from engine.standard import yamlpos
from engine.standard.yamlpos import YamlLoadError, load

from .conftest import run_cli


def _laughs(levels: int) -> str:
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip(names, names[1:]):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_quickly_and_in_little_memory(monkeypatch):
    text = _laughs(9)
    assert len(text.encode()) < 400
    started = time.perf_counter()
    with pytest.raises(YamlLoadError) as refused:
        load(text)
    elapsed = time.perf_counter() - started
    assert "alias" in refused.value.message and "200.000 nilai" in refused.value.message
    assert elapsed < 5
    # Memory, measured apart: tracemalloc slows every allocation several times, and on a slow machine the
    # loader's own 5-second limit would then refuse the document first, before the limit under test.
    monkeypatch.setattr(yamlpos, "MAX_SECONDS", 600.0)
    tracemalloc.start()
    try:
        with pytest.raises(YamlLoadError) as refused:
            load(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "alias" in refused.value.message and peak < 300 * 2**20


def test_merge_keys_cannot_bypass_the_limit():
    lines = ["a: &a {" + ", ".join(f"k{i}: {i}" for i in range(50)) + "}"]
    for level in range(1, 6):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"{{<<: *{'a' if level == 1 else f'l{level - 1}'}}}"
                                                             if level == 1 else f"*l{level - 1}"] * 20) + "]")
    with pytest.raises(YamlLoadError) as refused:
        load("\n".join(lines) + "\n")
    assert "alias" in refused.value.message


def test_a_small_alias_use_is_fine():
    located = load(_laughs(3))
    assert len(located.data["c"]) == 9 and located.data["c"][0][0] == ["lol"] * 9


def test_deep_nesting_and_size_are_limited():
    with pytest.raises(YamlLoadError) as deep:
        load("[" * 500 + "]" * 500)
    assert "terlalu dalam" in deep.value.message
    with pytest.raises(YamlLoadError) as huge:
        load("a: " + "x" * (yamlpos.MAX_BYTES + 1))
    assert "terlalu besar" in huge.value.message


@pytest.mark.parametrize("text, tag", [("a: !include\n  - 1\n", "!include"), ("a: !python/object {b: 1}\n",
                                                                             "!python/object"),
                                       ("!!set {a, b}\n", "tag:yaml.org,2002:set"),
                                       ("a: !!omap [{b: 1}]\n", "tag:yaml.org,2002:omap")])
def test_unknown_tags_on_lists_and_mappings_are_refused(text, tag):
    with pytest.raises(YamlLoadError) as refused:
        load(text)
    assert refused.value.message == f"tag YAML tidak dikenal '{tag}'"


def test_validate_refuses_a_bomb_in_well_under_a_second(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_text("kind: standard\nid: bom\n" + _laughs(9))
    started = time.perf_counter()
    proc = run_cli("validate", str(path))
    assert time.perf_counter() - started < 10  # a whole process, Python start-up included
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "dokumen terlalu besar setelah alias" in proc.stdout
