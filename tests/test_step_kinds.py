"""Step kinds are plug-ins: each is one module of engine/standard/kinds/, found by the registry, and no
other module of the engine compares kind names (it asks the kind)."""

import json
import re

from engine.standard.kinds import KINDS, kind_of

from .conftest import ROOT

KIND_MODULES = ROOT / "engine" / "standard" / "kinds"


def test_every_kind_module_is_registered_and_the_schema_knows_the_same_kinds():
    modules = {p.stem for p in KIND_MODULES.glob("*.py")} - {"__init__", "base"}
    assert set(KINDS) == modules
    schema = json.loads((ROOT / "engine" / "standard" / "layanan.schema.json").read_text())
    step_kind = schema["$defs"]["step"]["properties"]["kind"]
    assert set(step_kind["enum"]) == set(KINDS)
    for name in KINDS:  # the editors' hover text names every kind
        assert name in step_kind["description"]
    assert kind_of({}).name == "form"  # a step without a kind


def test_no_module_outside_the_kinds_compares_kind_names():
    names = "|".join(sorted(KINDS))
    literal = rf"""['"]({names})['"]"""
    compared = re.compile("|".join([
        rf"kind\w*\)?\s*(==|!=)\s*{literal}",  # task.kind == "intake"
        rf"kind\w*\)?\s+(not\s+)?in\s+[(\[{{][^\n]*{literal}",  # kind in ("intake", ...)
        rf"""get\(\s*['"]kind['"]\s*,\s*{literal}""",  # step.get("kind", "form")
        rf"{literal}\s*(==|!=)\s*\S*kind",  # "intake" == kind
    ]))
    found = []
    for path in sorted((ROOT / "engine").rglob("*")):
        if path.suffix not in (".py", ".j2") or KIND_MODULES in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if compared.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_every_effect_a_kind_names_exists():
    from engine.cases.effects import EFFECTS as effects

    for kind in KINDS.values():
        for effect in kind.on_approve + kind.on_enter:
            assert effect in effects, f"{kind.name}: no effect {effect}"


def test_every_automated_action_the_schema_allows_is_carried_out_by_name():
    from engine.cases.issued import AUTOMATED

    schema = json.loads((ROOT / "engine" / "standard" / "layanan.schema.json").read_text())
    action = schema["$defs"]["step"]["properties"]["action"]
    assert set(action["enum"]) == set(AUTOMATED)
    for name in AUTOMATED:
        assert name in action["description"]
    names = "|".join(sorted(AUTOMATED))
    compared = re.compile(rf"""action\w*\)?\s*(==|!=)\s*['"]({names})['"]""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "engine").rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if compared.search(line)]
    assert found == []
