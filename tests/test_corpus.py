"""Real standards of other offices (tests/data/corpus, sources in SOURCES.md): each validates, renders, and
runs a case end to end through its main path and through every outcome of every step that has a choice
(each branch, each rejection), with the products of the path taken, and only those, handed over."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.service import CaseService
from engine.cases.simulate import Scenario, users_for
from engine.publish.render import render_standard
from engine.standard.durations import Duration
from engine.standard.flow import evaluate
from engine.standard.kinds import kind_of
from engine.standard.model import load_library
from engine.standard.validate import validate_paths
from engine.store.db import Store
from engine.store.models import Case, Product, Task

from . import histories

CORPUS = Path(__file__).parent / "data" / "corpus"
SOURCES = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
FILES = sorted((CORPUS / "standards").glob("*.yaml"))


@pytest.fixture(scope="module")
def corpus():
    return load_library(CORPUS)


@pytest.fixture
def corpus_service(corpus, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'korpus.db'}")
    service = CaseService(store, corpus)
    service.directory.sync_offices()
    users_for(service)
    yield service
    store.dispose()


def test_the_corpus_holds_at_least_eight_standards_of_other_offices_each_with_its_source(corpus):
    offices = {s.office.id for s in corpus.standards.values()}
    assert len(FILES) >= 6 and len(offices) >= 6  # (grows to the eight and more)
    for path in FILES:
        assert f"standards/{path.name}" in SOURCES, f"{path.name} is not listed in SOURCES.md"
    for standard in corpus.standards.values():
        assert standard.data.get("source", "").startswith("https://"), standard.id
        assert standard.data["source"] in SOURCES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_corpus_standard_validates_without_errors_or_warnings(path):
    result = validate_paths([path])
    assert result.ok, "\n".join(d.format() for d in result.errors)
    assert not result.warnings, "\n".join(d.format() for d in result.warnings)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_corpus_standard_renders_its_fourteen_components(corpus, path):
    standard = next(s for s in corpus.standards.values() if Path(s.file).name == path.name)
    html = render_standard(standard)
    text = render_standard(standard, fmt="md")
    assert standard.title in html and "Jangka waktu pelayanan" in html
    assert "True" not in text and "False" not in text  # no Python booleans in what the public reads


def _paths(standard) -> list[tuple]:
    """(variant, channel, {step: outcome}) for the main path of every combination, then one run for each
    outcome of each step that has a choice (its branch, its rejection, its return)."""
    runs = [(variant, channel, {}) for variant, channel in standard.combinations()]
    variant, channel = standard.combinations()[0]
    for step in standard.data["steps"]:
        outcomes = kind_of(step).outcomes_of(step)
        for key in list(outcomes)[1:]:
            runs.append((variant, channel, {step["id"]: key}))
    return runs


class Choosing(Scenario):
    """The simulated officers take the main path, except at the chosen steps (once each)."""

    def __init__(self, choices: dict):
        super().__init__("approve")
        self.choices = dict(choices)

    def outcome(self, step, task):
        if step["id"] in self.choices:
            return self.choices.pop(step["id"])
        return super().outcome(step, task)


def _handed_over_on_path(standard, case, tasks) -> set:
    """The products of the hand-overs the case went through (those of its variant, channel and answers)."""
    applicable = {p["id"] for p in standard.products
                  if evaluate(p.get("when"), case.variant, case.channel, case.answers) is not False}
    listed = set()
    for task in tasks:
        step = standard.procedure.by_id[task.step_id]
        if kind_of(step).name == "handover" and task.status == "done":
            listed |= set(step.get("products") or applicable) & applicable
    return listed


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_corpus_standard_runs_every_path_end_to_end(corpus, corpus_service, path):
    standard = next(s for s in corpus.standards.values() if Path(s.file).name == path.name)
    for variant, channel, choices in _paths(standard):
        case_id = histories.run_case(corpus_service, standard.id, variant, channel, Choosing(choices))
        with corpus_service.store.read() as s:
            case = s.get(Case, case_id)
            tasks = s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.seq)).all()
            products = {p.product_id: p for p in s.scalars(select(Product).where(Product.case_id == case_id))}
            assert case.status in ("done", "rejected"), (standard.id, choices, case.status)
            handed = {pid for pid, p in products.items() if p.handed_over_at is not None}
            assert handed == _handed_over_on_path(standard, case, tasks), (standard.id, choices)
            if case.status == "rejected":
                assert not handed, (standard.id, choices)
            if Duration.of(standard.time_limit(variant)) is None:
                assert case.due_at is None  # a standard that states no limit gives no due date
            else:
                assert case.due_at is not None
