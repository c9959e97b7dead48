"""The packaged JSON Schema and the translation of its errors into positioned, Indonesian diagnostics."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path as FsPath

from .diagnostics import Reporter, suggest
from .durations import UNIT_KEYS

SCHEMA_PATH = FsPath(__file__).with_name("layanan.schema.json")

_TYPE_NAMES = {
    "string": "teks",
    "integer": "bilangan bulat",
    "number": "angka",
    "boolean": "true/false",
    "array": "daftar",
    "object": "mapping (kunci: nilai)",
    "null": "kosong",
}


def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(schema_text())


@lru_cache(maxsize=1)
def validator():
    import jsonschema  # imported here: only validation needs it

    cls = jsonschema.Draft202012Validator
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


def _type_name(types) -> str:
    if isinstance(types, str):
        types = [types]
    return " atau ".join(_TYPE_NAMES.get(t, t) for t in types)


def _describe(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "..."


def _leaf_errors(error):
    """Descend into if/then/allOf wrappers so the most specific error is reported. Of the branches of an
    anyOf/oneOf, those written for another type of value are left out (a list of products with an error is
    not also told that it is not the mapping ``{not_stated: true}``)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [subs for subs in branches.values()
                   if not any(s.validator == "type" and not s.relative_path for s in subs)]
        if not fitting:
            yield error  # no branch takes this type of value: one message (below) names them all
            return
        for subs in fitting:
            for sub in subs:
                yield from _leaf_errors(sub)
    elif error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def check(data, reporter: Reporter) -> None:
    """Report every schema violation of a document, at the line of the offending key or value."""
    seen = set()
    for top in validator().iter_errors(data):
        for error in _leaf_errors(top):
            path = tuple(error.absolute_path)
            for message_path, message, code, hint, at_value in _translate(error, path):
                key = (message_path, message)
                if key in seen:
                    continue
                seen.add(key)
                reporter.error(message_path, message, code=code, suggestion=hint, at_value=at_value)


def _translate(error, path):
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        units_here = [u for u in UNIT_KEYS if u in allowed]
        for extra in sorted(set(instance) - set(allowed)):
            if extra in UNIT_KEYS and units_here:  # a unit of time that this place does not take
                yield (path + (extra,), f"satuan waktu '{extra}' tidak dapat dipakai di sini; yang dapat "
                                        f"dipakai: {', '.join(units_here)}", "unknown-key", None, False)
                continue
            yield (path + (extra,), f"kunci tidak dikenal '{extra}'", "unknown-key",
                   suggest(extra, allowed), False)
        return
    if kind == "required":
        missing = [name for name in value if name not in instance]
        for name in missing:
            yield path, f"'{name}' wajib diisi", "required", None, False
        return
    if kind == "type":
        yield path, f"harus berupa {_type_name(value)}, bukan {_describe(instance)}", "type", None, True
    elif kind in ("enum", "const"):
        options = value if kind == "enum" else [value]
        hint = suggest(instance, options)
        shown = ", ".join(str(o) for o in options)
        yield path, f"nilai {_describe(instance)} tidak dikenal; pilihan: {shown}", "enum", hint, True
    elif kind == "pattern":
        if error.schema.get("$comment") or "a-z0-9][a-z0-9_-]" in value:
            message = f"{_describe(instance)} bukan id yang sah: gunakan huruf kecil, angka, '-' atau '_'"
        else:
            message = f"{_describe(instance)} tidak sesuai format yang diminta ({value})"
        yield path, message, "pattern", None, True
    elif kind == "format":
        if value == "date":
            message = f"{_describe(instance)} bukan tanggal yang sah (format YYYY-MM-DD)"
        else:
            message = f"{_describe(instance)} tidak sesuai format {value}"
        yield path, message, "format", None, True
    elif kind in ("minimum", "exclusiveMinimum"):
        op = "minimal" if kind == "minimum" else "harus lebih dari"
        yield path, f"nilai {_describe(instance)} terlalu kecil ({op} {value})", "range", None, True
    elif kind in ("maximum", "exclusiveMaximum"):
        yield path, f"nilai {_describe(instance)} terlalu besar (maksimal {value})", "range", None, True
    elif kind in ("minItems", "minProperties"):
        yield path, "tidak boleh kosong", "empty", None, True
    elif kind == "minLength":
        yield path, "teks tidak boleh kosong", "empty", None, True
    elif kind in ("maxLength",):
        yield path, f"teks terlalu panjang (maksimal {value} karakter)", "range", None, True
    elif kind == "maxProperties":
        yield path, f"hanya boleh berisi {value} kunci", "range", None, True
    elif kind in ("anyOf", "oneOf"):
        types = [t for sub in error.context if sub.validator == "type" and not sub.relative_path
                 for t in ([sub.validator_value] if isinstance(sub.validator_value, str) else sub.validator_value)]
        yield path, f"harus berupa {_type_name(list(dict.fromkeys(types)))}, bukan {_describe(instance)}", "type", \
            None, True
    else:
        yield path, error.message, kind, None, True
