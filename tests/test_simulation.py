"""The simulation of a standard (engine/capacity/simulation.py, SimPy): validated against queueing theory
(M/M/c, Erlang C), and against a synthetic history of known parameters, fitted from the case store the way
`layanan simulate` fits a real one; answers for every seed standard; bad input refused in words."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.capacity.erlang import waiting_probability
from engine.capacity.simulation import Model, StepModel, simulate
from engine.reports.capacity import model_for

from .conftest import run_cli

WITA = ZoneInfo("Asia/Makassar")


def test_one_counter_matches_erlang_c():
    """M/M/3 at 80 % occupancy: the simulated mean wait's interval holds the theory's."""
    handling, officers, per_day = 10.0, 3, 0.24 * 480
    model = Model((StepModel("loket", "cs", (handling,)),), {"cs": officers}, per_day, None, days=200)
    result = simulate(model, replications=10, seed=3)
    load = per_day / 480 * handling
    theory = waiting_probability(officers, load) * handling / (officers - load)
    wait = result.waiting_minutes["cs"]
    assert wait.low <= theory <= wait.high, (theory, wait)
    assert result.utilisation["cs"].low <= load / officers <= result.utilisation["cs"].high + 0.005


def test_every_seed_standard_answers(library):
    for standard_id in sorted(library.standards):
        model, notes = model_for(None, library, standard_id, until=date(2026, 12, 1), arrivals=3, days=20)
        result = simulate(model, replications=2)
        assert result.cases > 0 and notes, standard_id


@pytest.mark.slow
def test_a_synthetic_history_is_fitted_and_predicted(service, library):
    """Sixty working days of IKD registrations at one kecamatan, four a day, every officer's step taking
    an exponential time of mean 12 minutes (claimed to completed): the model fitted from the store predicts
    the operator's utilisation the history itself shows."""
    from sqlalchemy import select

    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import Task

    standard = library.standard("balikpapan-pendaftaran-ikd")
    from engine.calendar.workcal import WorkingCalendar

    calendar = WorkingCalendar.from_office(standard.office.data)
    rng = random.Random(11)
    day, worked, busy = date(2026, 9, 1), 0, 0.0
    requirements = [r["id"] for r in standard.requirements(None, None, {})]
    operator = "disdukcapil-balikpapan.operator_siak"
    while worked < 60:
        if calendar.is_working_day(day):
            worked += 1
            moment = datetime.combine(day, datetime.min.time(), tzinfo=WITA) + timedelta(hours=8)
            for _ in range(4):
                moment += timedelta(minutes=rng.uniform(10, 100))
                case_id = service.open_case(standard.id, dict(SAMPLE_APPLICANT), unit="kec-balikpapan-kota",
                                            requirements=requirements, at=moment)
                for _step in range(4):
                    with service.store.read() as s:
                        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
                    if task is None:
                        break
                    if task.role == "pemohon":
                        service.complete(task.id, "pemohon", at=moment)
                        continue
                    took = rng.expovariate(1 / 12)
                    busy += took
                    service.claim(task.id, operator, at=moment)
                    moment += timedelta(minutes=took)
                    service.complete(task.id, operator, outcome="aktif" if task.step_id == "konfirmasi" else None,
                                     at=moment)
        day += timedelta(days=1)
    model, notes = model_for(service.store, library, standard.id, until=day, observe_days=(day - date(2026, 9, 1)).days)
    assert any("waktu terukur" in n for n in notes)
    result = simulate(model, replications=10)
    realised = busy / (worked * model.day_minutes)
    estimate = result.utilisation["operator_siak"]
    assert abs(model.arrivals_per_day - 4) < 0.2
    assert estimate.low - 0.02 <= realised <= estimate.high + 0.02, (realised, estimate)


@pytest.mark.parametrize("args, message", [
    (("balikpapan-cetak-ktp-el", "--days", "5"), "belum ada riwayat permohonan"),
    (("balikpapan-cetak-ktp-el", "--arrivals", "5", "--officers", "operator_siak=0"), "minimal 1 petugas"),
    (("balikpapan-cetak-ktp-el", "--arrivals", "5", "--officers", "kepala=2"), "tidak ada"),
    (("balikpapan-cetak-ktp-el", "--arrivals", "lima"), "bukan angka"),
    (("tidak-ada", "--arrivals", "5"), "tidak dikenal"),
])
def test_bad_input_is_refused_in_words(args, message, tmp_path):
    out = run_cli("simulate", *args, env={"LAYANAN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert out.returncode != 0 and message in out.stderr and "Traceback" not in out.stderr
