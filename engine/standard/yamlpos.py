"""Load YAML into plain JSON-like data while remembering where every value came from.

PyYAML's composer (the C one when available) builds the node tree; we construct the Python values
ourselves so that we can (a) record the line and column of each key and value by its path, (b) reject
duplicate keys, which PyYAML silently accepts, and (c) keep dates as ISO strings so the document
stays JSON-compatible for schema validation.

A document is read within limits (a 375-byte "billion laughs" file of nested aliases once took 10 GB and
two minutes): its size, the number of values built (an alias is built again wherever it is used, so this
bounds their expansion), how deep collections nest, and how long building may take. Past any of them the
document is refused with a message saying which limit it met, and nothing of it is used.
"""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:  # the C composer is ~10x faster; fall back quietly where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Path = tuple  # of str | int

MERGE_TAG = "tag:yaml.org,2002:merge"
SEQUENCE_TAG = "tag:yaml.org,2002:seq"
MAPPING_TAG = "tag:yaml.org,2002:map"
_scalar_constructor = SafeConstructor()

# Limits of one document. The largest seed standard is ~8 KB with ~1,500 values nested 7 deep.
MAX_BYTES = 1_000_000
MAX_VALUES = 200_000
MAX_DEPTH = 40
MAX_SECONDS = 5.0


@dataclass(frozen=True)
class Pos:
    line: int  # 1-based
    col: int  # 1-based


class YamlLoadError(Exception):
    """A document that cannot be read as data: syntax error, duplicate key, unknown tag."""

    def __init__(self, message: str, pos: Pos, path: Path = ()):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.path = path


@dataclass
class Located:
    """A loaded document and the positions of its values (``values``) and mapping keys (``keys``)."""

    data: object
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # YamlLoadErrors that do not stop the reading

    def pos(self, path: Path) -> Pos:
        """Best position for a path: the key that names it, else its value, else the nearest parent."""
        path = tuple(path)
        while True:
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return Pos(1, 1)
            path = path[:-1]

    def value_pos(self, path: Path) -> Pos:
        path = tuple(path)
        if path in self.values:
            return self.values[path]
        return self.pos(path)


def _mark(node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self) -> None:
        self.values: dict = {}
        self.keys: dict = {}
        self.problems: list[YamlLoadError] = []  # reported with the other errors, not instead of them
        self.built = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def build(self, node, path: Path):
        self.built += 1
        if self.built > MAX_VALUES:
            # Named at the top-level entry whose aliases overflowed (the node itself may be deep inside).
            where = path[:1]
            raise YamlLoadError(f"dokumen terlalu besar setelah alias (*nama) diuraikan: lebih dari "
                                f"{MAX_VALUES:,} nilai; kurangi pemakaian alias".replace(",", "."),
                                self.keys.get(where) or _mark(node), where)
        if len(path) > MAX_DEPTH:
            raise YamlLoadError(f"susunan terlalu dalam (lebih dari {MAX_DEPTH} tingkat)", _mark(node), path)
        if self.built % 4096 == 0 and time.monotonic() > self.deadline:
            raise YamlLoadError(f"dokumen terlalu lama dibaca (lebih dari {MAX_SECONDS:g} detik)", _mark(node), path)
        self.values[path] = _mark(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != SEQUENCE_TAG:
                raise YamlLoadError(f"tag YAML tidak dikenal '{node.tag}'", _mark(node), path)
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != MAPPING_TAG:
                raise YamlLoadError(f"tag YAML tidak dikenal '{node.tag}'", _mark(node), path)
            return self._mapping(node, path)
        raise YamlLoadError("jenis node YAML tidak dikenal", _mark(node), path)  # pragma: no cover

    def _scalar(self, node: ScalarNode, path: Path):
        constructor = _scalar_constructor.yaml_constructors.get(node.tag)
        if constructor is None:
            raise YamlLoadError(f"tag YAML tidak dikenal '{node.tag}'", _mark(node), path)
        try:
            value = constructor(_scalar_constructor, node)
        # PyYAML's scalar constructors raise ValueError (2025-13-45), IndexError (`!!int ''`) and others on
        # bad input; at this boundary every one of them is a mistake in the user's file.
        except Exception as exc:  # noqa: BLE001
            raise YamlLoadError(f"nilai {node.value!r} tidak sah: {exc}", _mark(node), path) from None
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, bytes):
            raise YamlLoadError("data biner tidak didukung", _mark(node), path)
        return value

    def _mapping(self, node: MappingNode, path: Path) -> dict:
        merged: dict = {}
        explicit: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                # `<<: *anchor` or `<<: [*a, *b]`: earlier sources win, explicit keys win over all.
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in reversed(sources):
                    if not isinstance(source, MappingNode):
                        raise YamlLoadError("'<<' hanya dapat menggabungkan mapping", _mark(source), path)
                    merged.update(self._mapping(source, path))
                continue
            if not isinstance(key_node, ScalarNode):
                raise YamlLoadError("kunci mapping harus berupa teks", _mark(key_node), path)
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in explicit:
                first = self.keys[path + (key,)]
                self.problems.append(YamlLoadError(
                    f"kunci ganda '{key}' (sudah ada di baris {first.line}); yang pertama dipakai",
                    _mark(key_node), path + (key,)))
                continue
            if node.flow_style and explicit and _bare_null(value_node):
                # {id: ktp, name: KTP-el, fotokopi}: the comma ended the value and "fotokopi" became a key.
                before, value = list(explicit.items())[-1]
                self.problems.append(YamlLoadError(
                    f"'{key}' terbaca sebagai kunci tanpa nilai: di dalam {{...}} koma memisahkan pasangan "
                    f"kunci: nilai. Bila koma bagian dari teks, beri tanda kutip pada nilainya "
                    f"({before}: \"{value}, {key}\")", _mark(key_node), path + (key,)))
                continue
            self.keys[path + (key,)] = _mark(key_node)
            explicit[key] = self.build(value_node, path + (key,))
        merged.update(explicit)
        return merged


def _bare_null(node) -> bool:
    """A key written without ':' and value inside a flow mapping (an implicit empty null)."""
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null" and node.value == "" \
        and node.start_mark.index == node.end_mark.index


def load(text: str) -> Located:
    """Parse one YAML document. Raises YamlLoadError with a position for anything unreadable or past the
    limits above."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlLoadError(f"berkas terlalu besar: lebih dari {MAX_BYTES // 1000:,} KB".replace(",", "."), Pos(1, 1))
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
        hint, pos = _explain_in_text(exc, text, pos)
        raise YamlLoadError(f"sintaks YAML: {hint}", pos) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"sintaks YAML: {exc}", Pos(1, 1)) from None
    if node is None:
        return Located(None)
    builder = _Builder()
    data = builder.build(node, ())
    return Located(data, builder.values, builder.keys, builder.problems)


_SYNTAX_HINTS = (
    ("expected a single document", "berkas hanya boleh berisi satu dokumen YAML (hapus '---' tambahan)"),
    ("mapping values are not allowed", "titik dua tidak pada tempatnya: periksa indentasi baris ini atau beri "
                                       "tanda kutip pada teks yang memuat ': '"),
    ("did not find expected ',' or ']'", "daftar [...] tidak ditutup dengan ']'"),
    ("did not find expected ',' or '}'", "mapping {...} tidak ditutup dengan '}'"),
    ("did not find expected key", "indentasi tidak konsisten: baris ini tidak sejajar dengan kunci di atasnya"),
    ("did not find expected '-' indicator", "indentasi daftar tidak konsisten: butir '-' tidak sejajar"),
    ("cannot start any token", "karakter ini tidak boleh mengawali nilai: TAB untuk indentasi (gunakan spasi), "
                               "atau '@'/'`' di awal teks (beri tanda kutip)"),
    ("could not find expected ':'", "titik dua ':' tidak ditemukan setelah kunci"),
    ("found undefined alias", "alias (*nama) merujuk anchor (&nama) yang tidak ada"),
    ("found unexpected end of stream", "teks berkutip tidak ditutup"),
)


_OPEN_QUOTE = re.compile(r"""^\s*(?:-\s+)?[\w.-]+\s*:\s+(["'])(.*)$""")
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([\w.-]+)\s*:")


def _unclosed_quote(lines: list[str], before: int) -> int | None:
    """The last line (0-based) before ``before`` whose quoted value does not close on that line."""
    for number in range(min(before, len(lines) - 1), -1, -1):
        match = _OPEN_QUOTE.match(lines[number])
        if match:
            quote, rest = match.groups()
            closing = rest.replace('\\\\', "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
            if quote not in closing:
                return number
    return None


def _explain_in_text(exc, text: str, pos: Pos) -> tuple[str, Pos]:
    """The hint for a syntax error, placed where the author must look: an unclosed quote at its opening
    (the parser finds out lines later), a key indented differently from the keys beside it."""
    lines = text.split("\n")
    line = pos.line - 1
    opened = _unclosed_quote(lines, line)
    if opened is not None and (opened < line or "end of stream" in str(exc)):
        column = lines[opened].index(_OPEN_QUOTE.match(lines[opened]).group(1))
        return "teks berkutip tidak ditutup: tanda kutip di baris ini tidak ditutup pada baris yang sama", \
            Pos(opened + 1, column + 1)
    here = _KEY_LINE.match(lines[line]) if 0 <= line < len(lines) else None
    if here and ("expected <block end>" in str(exc) or "did not find expected" in str(exc)) \
            and not lines[line].lstrip().startswith("-"):
        above = next((_KEY_LINE.match(lines[n]) for n in range(line - 1, -1, -1)
                      if _KEY_LINE.match(lines[n]) and not lines[n].lstrip().startswith("#")), None)
        if above is not None:
            want = len(above.group(1)) + (2 if lines[line - 1].lstrip().startswith("- ") and
                                           _KEY_LINE.match(lines[line - 1]) is above else 0)
            have = len(here.group(1))
            if have != want:
                side = "kurang" if have < want else "lebih"
                return (f"indentasi kunci '{here.group(2)}' tidak sejajar dengan kunci di atasnya: menjorok "
                        f"{have} spasi, {side} {abs(want - have)} dari {want}"), pos
    return _explain(exc), pos


def _explain(exc) -> str:
    text = str(exc)
    for needle, hint in _SYNTAX_HINTS:
        if needle in text:
            return hint
    return exc.problem or exc.context or "kesalahan sintaks"


def format_path(path: Path) -> str:
    """('steps', 2, 'next') -> 'steps[2].next'"""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(dokumen)"
