"""Jinja2 environments of layanan: every template that makes HTML escapes every value it is given.

Jinja2's ``select_autoescape()`` escapes only names ending in ``.html``, ``.htm`` or ``.xml``; layanan's
templates end in ``.html.j2``, so they were rendered raw. Here the rule is the other way round: a template is
escaped unless its name says it makes something that is not HTML (Markdown, YAML, plain text), and a
template made from a string (no name) is escaped too. Values that the code itself built as markup (an SVG
chart, the report's own HTML) are the only ones passed as ``Markup``.
"""

from __future__ import annotations

from jinja2 import BaseLoader, Environment

# What a template makes, by the end of its name, when that is not HTML.
PLAIN_TEXT_SUFFIXES = (".md.j2", ".yaml.j2", ".txt.j2")


def autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(PLAIN_TEXT_SUFFIXES)


def environment(loader: BaseLoader, **options) -> Environment:
    return Environment(loader=loader, autoescape=autoescape, **options)
