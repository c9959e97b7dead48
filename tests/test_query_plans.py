"""The statements that must stay cheap as the history grows use the indexes meant for them: SQLite's query
plan of every statement the worklist, the report and the SLA monitor run is read back. Partial indexes are
used only when a query repeats their condition word for word, so an innocent rewrite of a query could
silently turn into a scan of every task or event ever recorded."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from engine.cases.queries import escalations, worklist
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.reports.report import build
from engine.sla.monitor import run_pass

OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"


@pytest.fixture
def store(service, library):
    if not service.store.url.startswith("sqlite"):
        pytest.skip("query plans are read with SQLite's EXPLAIN QUERY PLAN")
    requirements = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    for _ in range(3):
        service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements,
                          actor=f"{OFFICE}.petugas_layanan")
    return service.store


def plans_of(store, call) -> list[tuple[str, str]]:
    """(statement, its query plan) of every statement ``call`` runs."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    plans = []
    with store.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append((statement, "\n".join(row[-1] for row in rows)))
    return plans


def _scans(plans, table: str) -> list[str]:
    """Statements that read every row of ``table`` (a scan of a partial index reads only its rows)."""
    return [f"{statement}\n-> {plan}" for statement, plan in plans
            if any(line.strip().startswith(f"SCAN {table}") and "USING" not in line for line in plan.splitlines())]


def test_worklist_reads_open_tasks_from_the_partial_index(store):
    for roles in (["operator"], ["operator", "subkoor_piak"]):
        plans = plans_of(store, lambda: worklist(store, office=OFFICE, roles=roles))
        assert any("ix_tasks_open" in plan for _statement, plan in plans), plans
        assert not _scans(plans, "tasks")
    plans = plans_of(store, lambda: worklist(store, office=OFFICE, roles=["operator"], standard=STANDARD))
    assert any("ix_tasks_open" in plan for _statement, plan in plans), plans


def test_supervisors_escalations_read_events_by_kind_from_the_partial_index(store):
    """Shown at the top of a supervisor's worklist, read at every page."""
    plans = plans_of(store, lambda: escalations(store, office=OFFICE, roles=["kepala_dinas", "subkoor_piak"]))
    assert any("ix_events_kind_at" in plan for _statement, plan in plans), plans
    assert not _scans(plans, "events") and not _scans(plans, "cases")


def test_report_reads_events_by_kind_from_the_partial_index(store):
    plans = plans_of(store, lambda: build(store, OFFICE, date(2026, 1, 1), date(2026, 12, 31)))
    assert any("ix_events_kind_at" in plan for _statement, plan in plans), plans
    assert not _scans(plans, "events")


def test_sla_monitor_reads_due_cases_from_the_partial_index(store):
    plans = plans_of(store, lambda: run_pass(store, datetime(2026, 12, 31, tzinfo=timezone.utc)))
    assert any("ix_cases_sla_next" in plan for _statement, plan in plans), plans
    assert not _scans(plans, "cases")


def test_orchestrator_reads_pending_cases_from_the_partial_index(store, service):
    from engine.store.claims import Claims

    plans = plans_of(store, lambda: Claims(store).take(200))
    assert any("ix_flow_links_pending" in plan for _statement, plan in plans), plans
    assert not _scans(plans, "flow_links")
    assert not any("TEMP B-TREE" in plan for _statement, plan in plans), plans  # read in index order
