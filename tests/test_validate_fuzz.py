"""Mutating valid standards never crashes the validator: every outcome is a list of positioned diagnostics."""

import copy
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.standard.validate import validate_paths

from .conftest import STANDARDS

SEEDS = sorted(p for p in STANDARDS.rglob("*.yaml") if "offices" not in p.parts)
ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8),
                       st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(),
                                                                             max_size=2))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _mutate(data, path, operation, value):
    data = copy.deepcopy(data)
    if not path:
        return value if operation == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if operation == "delete":
        del parent[last]
    elif operation == "replace":
        parent[last] = value
    elif operation == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    elif operation == "rename" and isinstance(parent, dict):
        parent[str(last) + "x"] = parent.pop(last)
    return data


LIBRARY = Path(tempfile.mkdtemp(prefix="layanan-fuzz-"))
shutil.copytree(STANDARDS / "offices", LIBRARY / "offices")
(LIBRARY / "std").mkdir()
TARGET = LIBRARY / "std" / "mutated.yaml"


def _check(text: str) -> None:
    TARGET.write_text(text)
    result = validate_paths([TARGET])
    lines = text.count("\n") + 2
    for diagnostic in result.diagnostics:
        assert 1 <= diagnostic.line <= lines and diagnostic.col >= 1
        assert diagnostic.message
        assert diagnostic.format().startswith(f"{diagnostic.file}:{diagnostic.line}:{diagnostic.col}: ")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), choice=st.integers(0, 10_000),
       operation=st.sampled_from(["delete", "replace", "duplicate", "rename"]), value=ODD_VALUES)
def test_structural_mutations_never_crash(seed, choice, operation, value):
    data = yaml.safe_load(seed.read_text())
    paths = list(_paths(data))
    mutated = _mutate(data, paths[choice % len(paths)], operation, value)
    _check(yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), position=st.integers(0, 100_000),
       junk=st.sampled_from(["", ":", "- ", "\t", "[", "}", "&a ", "*b", "<<: *x", "'", "\n  ", "!!int ", "#"]),
       cut=st.integers(0, 5))
def test_textual_mutations_never_crash(seed, position, junk, cut):
    text = seed.read_text()
    at = position % (len(text) + 1)
    _check(text[:at] + junk + text[at + cut:])


def test_bundle_part_with_a_list_as_id_is_reported_not_crashed():
    """Found by the structural mutations: a part whose id is a list crashed the after-cycle check."""
    text = (STANDARDS / "bontang" / "paket-seven-in-one.yaml").read_text()
    data = yaml.safe_load(text)
    data["parts"][0]["id"] = ["a", "b"]
    _check(yaml.safe_dump(data, allow_unicode=True))


def test_standard_whose_office_is_a_list_is_reported_not_crashed():
    """Found by the structural mutations: the reviewer notes looked the office up by a list."""
    data = yaml.safe_load((STANDARDS / "bontang" / "akta-perkawinan.yaml").read_text())
    data["office"] = []
    _check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
