"""Finding and reading standard files: one YAML document per file, of kind office, standard or bundle."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlpos
from .diagnostics import Diagnostic, Reporter

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Document:
    file: str
    located: yamlpos.Located
    reporter: Reporter
    first_line: str = ""

    @property
    def data(self) -> dict:
        return self.located.data

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind") if isinstance(self.data, dict) else None
        return kind if isinstance(kind, str) else None

    @property
    def id(self) -> str | None:
        value = self.data.get("id") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None


@dataclass
class Catalog:
    """Every readable document found, indexed by kind and id (the first of a duplicated id wins)."""

    documents: list[Document] = field(default_factory=list)
    unreadable: list[Diagnostic] = field(default_factory=list)
    by_kind: dict = field(default_factory=lambda: {"office": {}, "standard": {}, "bundle": {}})

    def add(self, doc: Document) -> None:
        self.documents.append(doc)
        if doc.kind in self.by_kind and doc.id and doc.id not in self.by_kind[doc.kind]:
            self.by_kind[doc.kind][doc.id] = doc

    def get(self, kind: str, ident: str) -> Document | None:
        return self.by_kind.get(kind, {}).get(ident)

    def ids(self, kind: str) -> list[str]:
        return list(self.by_kind.get(kind, {}))


def display_name(path: Path) -> str:
    """Paths as the user would type them: relative to the working directory when possible."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)


def expand(paths) -> list[Path]:
    """Files and folders to the YAML files they hold, sorted, without duplicates."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    unique: dict = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def library_root(path: Path) -> Path | None:
    """The nearest folder above a file that holds an ``offices/`` folder: its standards library."""
    for parent in path.resolve().parents:
        if (parent / "offices").is_dir():
            return parent
    return None


def read_document(path: Path) -> tuple[Document | None, Diagnostic | None]:
    name = display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, Diagnostic(name, 1, 1, "(berkas)", "berkas tidak ditemukan", code="io")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Diagnostic(name, 1, 1, "(berkas)", f"berkas tidak dapat dibaca: {exc}", code="io")
    try:
        located = yamlpos.load(text)
    except yamlpos.YamlLoadError as exc:
        return None, Diagnostic(name, exc.pos.line, exc.pos.col, yamlpos.format_path(exc.path),
                                exc.message, code="yaml")
    if not isinstance(located.data, dict):
        return None, Diagnostic(name, 1, 1, "(dokumen)",
                                "dokumen harus berupa mapping dengan kunci 'kind'", code="type")
    doc = Document(name, located, Reporter(name, located), text.split("\n", 1)[0])
    for problem in located.problems:  # a duplicate key, a comma in {...}: reported beside the other errors
        doc.reporter.items.append(Diagnostic(name, problem.pos.line, problem.pos.col,
                                             yamlpos.format_path(problem.path), problem.message, code="yaml"))
    return doc, None


def load_catalog(targets: list[Path], context: list[Path] = ()) -> tuple[Catalog, list[Document]]:
    """Read the target files plus context files (for references); returns the catalog and the targets."""
    catalog = Catalog()
    wanted = {p.resolve() for p in targets}
    target_docs = []
    for path in list(targets) + [p for p in context if p.resolve() not in wanted]:
        doc, problem = read_document(path)
        is_target = path.resolve() in wanted
        if problem is not None:
            if is_target:
                catalog.unreadable.append(problem)
            continue
        catalog.add(doc)
        if is_target:
            target_docs.append(doc)
    return catalog, target_docs
