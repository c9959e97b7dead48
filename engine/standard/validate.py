"""Validate standard files: YAML syntax, JSON Schema, then semantic checks across the library."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schema as schema_mod
from . import review, semantic
from .catalog import Catalog, Document, expand, library_root, load_catalog
from .diagnostics import Diagnostic

SCHEMA_COMMENT = "# yaml-language-server: $schema="


@dataclass
class ValidationResult:
    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    catalog: Catalog | None = None
    documents: list[Document] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def reviews(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "review"]

    @property
    def ok(self) -> bool:
        return not self.errors


def context_files(targets: list[Path]) -> list[Path]:
    """Every file of the libraries the targets belong to, so references across files resolve."""
    roots = {root for root in (library_root(p) for p in targets) if root is not None}
    return expand(sorted(roots))


def validate_paths(paths) -> ValidationResult:
    targets = expand(paths)
    catalog, documents = load_catalog(targets, context_files(targets))
    result = ValidationResult(files=len(targets), catalog=catalog, documents=documents)
    result.diagnostics.extend(catalog.unreadable)
    for doc in documents:
        check_one(doc, catalog)
        items = doc.reporter.items
        if any(d.severity == "error" for d in items):
            # Reviewer notes wait until the file is valid: errors first, then the finer points.
            items = [d for d in items if d.severity != "review"]
        result.diagnostics.extend(items)
    result.diagnostics.sort(key=lambda d: (d.file, d.line, d.col))
    return result


def check_one(doc: Document, catalog: Catalog) -> None:
    schema_mod.check(doc.data, doc.reporter)
    semantic.check_document(doc, catalog)
    review.check_document(doc, catalog)
    if not doc.first_line.startswith(SCHEMA_COMMENT):
        doc.reporter.warning((), "baris pertama sebaiknya '# yaml-language-server: $schema=...' agar editor "
                             "dapat melengkapi dan menandai kesalahan", code="schema-comment")
