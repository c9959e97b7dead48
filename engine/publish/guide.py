"""The policy staff's field guide, generated from the JSON Schema (descriptions) and the seed standards
(examples), so it cannot drift from what the validator accepts: `layanan guide --out docs/panduan-isian.md`;
a test regenerates it and compares."""

from __future__ import annotations

import json
from pathlib import Path

from engine.standard.schema import schema as load_schema

# The key under which each object of the schema appears in the documents (for finding seed examples).
OWNER = {"requirement": "requirements", "step": "steps", "product": "products", "variant": "variants",
         "channel": "channels", "role": "roles", "unit": "units", "timeLimit": "time_limit", "field": "fields",
         "complaintChannel": "complaints", "bundlePart": "parts", "stepTarget": "target", "dayEntry": "closures",
         "decreeDay": "days"}

SECTIONS = [("standard", "Standar pelayanan (kind: standard)"), ("office", "Kantor (kind: office)"),
            ("bundle", "Paket layanan (kind: bundle)")]


def _resolve(schema: dict, node: dict) -> tuple[str | None, dict]:
    ref = node.get("$ref")
    if ref:
        name = ref.split("/")[-1]
        return name, schema["$defs"][name]
    return None, node


def _type(schema: dict, node: dict) -> str:
    name, target = _resolve(schema, node)
    if "enum" in target:
        return " / ".join(f"`{v}`" for v in target["enum"])
    if "const" in target:
        return f"`{target['const']}`"
    kind = target.get("type")
    if kind == "array":
        return f"daftar {_type(schema, target.get('items') or {})}"
    if isinstance(kind, list):
        return " atau ".join(kind)
    if name and target.get("type") == "object":
        return f"objek [{name}](#{name.lower()})"
    if "oneOf" in target or "anyOf" in target:
        return " atau ".join(_type(schema, option) for option in target.get("oneOf") or target.get("anyOf"))
    return kind or (name or "nilai")


def _examples(library_dir: Path) -> dict[str, object]:
    """The first value each key path takes in the seeds, keyed by 'def.field'."""
    import yaml

    found: dict[str, object] = {}

    def walk(value, owner: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if item not in (None, [], {}, ""):  # an empty value is no example
                    found.setdefault(f"{owner}.{key}", item)
                walk(item, key)
        elif isinstance(value, list):
            for item in value[:3]:
                walk(item, owner)

    for path in sorted(library_dir.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            walk(data, str(data.get("kind")))
    return found


def _example(value) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return f"`{text[:90]}{'…' if len(text) > 90 else ''}`"


def _object(schema: dict, name: str, node: dict, examples: dict, owner: str) -> list[str]:
    required = set(node.get("required") or [])
    lines = ["| isian | wajib | jenis | arti | contoh dari standar contoh |", "|---|---|---|---|---|"]
    for key, prop in (node.get("properties") or {}).items():
        _, target = _resolve(schema, prop)
        description = prop.get("description") or target.get("description") or ""
        example = examples.get(f"{OWNER.get(owner, owner)}.{key}")
        lines.append(f"| `{key}` | {'ya' if key in required else ''} | {_type(schema, prop)} | "
                     f"{description.replace('|', '/')} | {_example(example) if example is not None else ''} |")
    return lines


def generate(library_dir: Path) -> str:
    schema = load_schema()
    examples = _examples(library_dir)
    out = ["# Panduan isian standar pelayanan", "",
           "Dibuat otomatis dari skema (`engine/standard/layanan.schema.json`) dan standar contoh (`standards/`) dengan "
           "`layanan guide`; jangan diubah dengan tangan. Setiap isian, jenisnya, artinya, dan contohnya.", ""]
    done: set[str] = set()
    queue = [(kind, title) for kind, title in SECTIONS]
    for kind, title in queue:
        out += [f"## {title}", ""] + _object(schema, kind, schema["$defs"][kind], examples, kind) + [""]
        done.add(kind)
    # Then every object the documents use, once, in the schema's order.
    for name, node in schema["$defs"].items():
        if name in done or node.get("type") != "object" or not node.get("properties"):
            continue
        out += [f"### {name}", "", node.get("description", ""), ""] + _object(schema, name, node, examples, name) + [""]
    return "\n".join(out).rstrip() + "\n"
