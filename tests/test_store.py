"""The case store's schema: migrations and models agree; the worklist's copy of due dates stays true."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Base, Case, Task


def test_migrations_build_exactly_the_models(service):
    with service.store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_open_tasks_carry_their_case_due_date_through_start_pause_and_resume(service, library):
    standard = library.standard("kaltim-data-agregat")
    reqs = [r["id"] for r in standard.requirements(None, None, {})]
    case_id = service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                                actor="disdukcapil-kaltim.petugas_layanan")

    def check():
        with service.store.read() as s:
            case = s.get(Case, case_id)
            open_tasks = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).all()
            assert open_tasks and all(t.due_at == case.due_at for t in open_tasks)
            return case.due_at, open_tasks[0]

    due, task = check()
    assert due is not None
    service.complete(task.id, "disdukcapil-kaltim.operator", data={"jenis_data": "agregat", "wilayah": "Samarinda",
                                                                   "periode": "2026"})
    _, task = check()
    from datetime import timedelta

    from engine.cases.service import now

    service.complete(task.id, "disdukcapil-kaltim.subkoor_piak", outcome="lengkapi", reason="Perjelas wilayah")
    _, task = check()
    later = now() + timedelta(days=7)  # the applicant comes back a week later: the due date moves on
    service.complete(task.id, "disdukcapil-kaltim.petugas_layanan", requirements=reqs, at=later)
    moved, _ = check()
    assert moved > due


def test_every_migration_downgrades_and_upgrades_again(database_url):
    """Each revision's downgrade undoes its upgrade: down to nothing and back up to the latest."""
    from alembic import command
    from sqlalchemy import inspect

    from engine.store.db import alembic_config, make_engine

    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_a_task_place_in_its_case_history_is_unique(service, library):
    """The engine numbers the next task after the open one; the store refuses a second task in one place."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    reqs = [r["id"] for r in library.standard("kaltim-data-agregat").requirements(None, None, {})]
    case_id = service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                                actor="disdukcapil-kaltim.petugas_layanan")
    with service.store.read() as s:
        tasks = s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.seq)).all()
        assert [t.seq for t in tasks] == list(range(1, len(tasks) + 1))
        latest = tasks[-1]
    with pytest.raises(IntegrityError):
        with service.store.write() as s:
            s.add(Task(case_id=case_id, office_id=latest.office_id, seq=latest.seq, step_id=latest.step_id,
                       kind=latest.kind, role=latest.role, status="open", created_at=latest.created_at))
