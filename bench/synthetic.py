"""A synthetic case store for the monitor and report benchmarks: many cases of the seed standards, written
with bulk inserts (opening a million cases through the case service would take hours).

The rows are the ones the monitor and the report read, made the way the engine makes them: cases with
their frozen standard version, unit, variant and channel, received over two years in office hours; due
dates from each standard's working-day calendar (vectorised); most closed (done or rejected, some late),
the rest open with one open task of the standard's step and role; products of done cases; the events the
report counts (returns and rejections with reasons, clock pauses, breaches). Per-step task history of
closed cases and the hash chain are left out (neither the monitor nor the report reads them).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import insert, select  # noqa: E402

from engine.cases.frozen import calendar_for, freeze  # noqa: E402
from engine.cases.service import CaseService  # noqa: E402
from engine.cases.simulate import users_for  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Case, Event, Product, StandardVersion, Task  # noqa: E402

START = datetime(2025, 1, 2, tzinfo=timezone.utc)
DAYS = 690  # to late November 2026
OPEN_SHARE = 0.05
REASONS = ["Berkas tidak lengkap", "Data tidak sesuai dokumen", "Bukan kewenangan kantor ini",
           "Tanda tangan pemohon belum ada"]


FIRST = ["Budi", "Siti", "Ahmad", "Dewi", "Agus", "Sri", "Muhammad", "Nur", "Rina", "Eko", "Wahyu", "Putri",
         "Andi", "Yuni", "Hendra", "Fitri", "Rizky", "Lestari", "Joko", "Ayu", "Bambang", "Intan", "Dimas", "Ratna"]
LAST = ["Santoso", "Rahmawati", "Hidayat", "Saputra", "Wulandari", "Setiawan", "Pratama", "Kurniawan", "Susanti",
        "Nugroho", "Lestari", "Gunawan", "Sari", "Firmansyah", "Hasanah", "Siregar", "Simanjuntak", "Tanjung",
        "Daeng", "Aji", "Wijaya", "Halim", "Nasution", "Manurung", "Purba", "Lubis", "Hakim", "Amalia"]


def bench_database(url: str | None, prefix: str, name: str = "cases.db") -> str:
    """The URL a bench writes to: a PostgreSQL database of the bench's own, emptied first (so that the
    bench can be run again), or a new SQLite file in /tmp."""
    if not url:
        import tempfile

        return f"sqlite:///{Path(tempfile.mkdtemp(prefix=prefix)) / name}"
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    # And the Prefect database `layanan cluster` makes beside it, so that each run starts with no flow runs.
    prefect = engine.url.set(database=f"{engine.url.database}_prefect")
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{prefect.database}" WITH (FORCE)')
    admin.dispose()
    return url


def person(rng, i: int) -> dict:
    """A varied applicant: 1-3 name words from common Indonesian names, a NIK unique per case."""
    words = [FIRST[int(rng.integers(len(FIRST)))]] + [LAST[int(rng.integers(len(LAST)))]
                                                     for _ in range(int(rng.integers(0, 3)))]
    return {"nik": f"6472{i:012d}", "name": " ".join(words)}


def build(path, cases: int, seed: int = 7) -> dict:
    """``path``: a SQLite file, or a database URL (an empty PostgreSQL database)."""
    from engine.store.models import CaseToken
    from engine.store.tokens import case_tokens

    rng = np.random.default_rng(seed)
    store = Store(str(path) if "://" in str(path) else f"sqlite:///{path}")
    service = CaseService(store, load_library(ROOT / "standards"))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    service.directory.sync_offices()
    users_for(service)
    with store.write() as s:
        versions = []
        for standard in service.library.standards.values():
            version = freeze(s, standard.data, standard.office.data)
            units = [u["id"] for u in standard.office.data.get("units") or []]
            allowed = standard.data.get("units") or units
            for variant, channel in standard.combinations():
                versions.append((standard, version.id, variant, channel, allowed[0] if allowed else None))
    with store.read() as s:
        loaded = {v.id: v for v in s.scalars(select(StandardVersion))}
        for v in loaded.values():
            _ = v.document, v.office_document  # load the deferred documents while the session is open
    # The province office takes most cases, as in the seeds' volumes.
    weights = np.array([3.0 if v[0].office.id == "disdukcapil-kaltim" else 1.0 for v in versions])
    pick = rng.choice(len(versions), size=cases, p=weights / weights.sum())
    received = START + np.array(rng.integers(0, DAYS, cases), dtype="timedelta64[D]").astype(object)
    hours = rng.integers(0, 7 * 60, cases)
    is_open = np.zeros(cases, dtype=bool)
    is_open[-int(cases * OPEN_SHARE):] = True  # the most recent ones are still open
    order = np.argsort(received)
    pick, received, hours = pick[order], received[order], hours[order]

    rows, products, events, tasks, tokens = [], [], [], [], []
    stats = {"open": 0, "done": 0, "rejected": 0, "late": 0}
    now = START + timedelta(days=DAYS)
    by_version: dict[int, list[int]] = {}
    for i in range(cases):
        by_version.setdefault(versions[pick[i]][1], []).append(i)
    due_at = [None] * cases
    for version_id, indexes in by_version.items():
        standard, _, variant, _, unit = next(v for v in versions if v[1] == version_id)
        calendar = calendar_for(loaded[version_id], unit)
        limit = standard.time_limit(variant)
        starts = [received[i].date() for i in indexes]
        days = limit.get("working_days") or 1
        dues = calendar.add_working_days_many(starts, days).astype(object)
        for i, day in zip(indexes, dues):
            close = calendar.closing_time(day)
            local = datetime.combine(day, close, tzinfo=calendar.tz)
            due_at[i] = local.astimezone(timezone.utc)
    for i in range(cases):
        standard, version_id, variant, channel, unit = versions[pick[i]]
        office = standard.office.id
        at = datetime.combine(received[i], datetime.min.time(), tzinfo=timezone.utc) + timedelta(minutes=int(hours[i]))
        row = {"id": i + 1, "number": f"BENCH-{i + 1:07d}", "receipt_code": f"R{i + 1:09d}", "office_id": office,
               "unit_id": unit, "standard_version_id": version_id, "standard_id": standard.id, "variant": variant,
               "channel": channel, "status": "open", "applicant": person(rng, i + 1), "answers": {},
               "received_at": at, "clock_started_at": at, "due_at": due_at[i], "sla_mark": "", "sla_level": 0,
               "row_version": 1, "closed_at": None, "close_reason": None, "sla_next_at": None}
        if is_open[i]:
            row["sla_next_at"] = at  # never checked yet: the first pass is a full pass
            step = next(s for s in standard.data["steps"] if s.get("kind") not in ("applicant", "automated"))
            tasks.append({"case_id": i + 1, "office_id": office, "seq": 2, "step_id": step["id"],
                          "kind": step["kind"], "role": step["role"], "status": "open", "created_at": at,
                          "due_at": due_at[i], "mirrored": False, "row_version": 1})
            stats["open"] += 1
        else:
            late = rng.random() < 0.12
            if late:  # closed between an hour and five days after the due time
                closed = due_at[i] + timedelta(hours=float(rng.uniform(1, 120)))
            else:
                closed = at + (due_at[i] - at) * float(rng.uniform(0.2, 0.95))
            rejected = rng.random() < 0.05
            row.update(status="rejected" if rejected else "done", closed_at=closed,
                       close_reason=REASONS[int(rng.integers(len(REASONS)))] if rejected else None,
                       sla_mark="late" if late else "", sla_level=3 if late else 0)
            stats["rejected" if rejected else "done"] += 1
            stats["late"] += late and not rejected
            if rejected:
                events.append(_event(i + 1, closed, "task_completed", action="reject", reason=row["close_reason"]))
            else:
                products.append({"case_id": i + 1, "product_id": (standard.products or [{"id": "produk"}])[0]["id"],
                                 "office_id": office, "issued_at": closed, "number": f"{i + 1}/{office}",
                                 "series": "bench", "year": closed.year, "seq": i + 1})
            if late:
                events.append(_event(i + 1, due_at[i], "sla_breached", step="verifikasi", role="subkoor_piak"))
            if rng.random() < 0.08:
                events.append(_event(i + 1, at + timedelta(hours=3), "task_completed", action="return",
                                     reason=REASONS[int(rng.integers(len(REASONS)))]))
            if rng.random() < 0.03:
                events.append(_event(i + 1, at + timedelta(days=2), "clock_resumed", paused_working_days=2))
        rows.append(row)
        tokens += [{"case_id": i + 1, "office_id": office, "token": t}
                   for t in case_tokens(row["applicant"], row["number"], row["receipt_code"])]
        if not is_open[i] and not rejected:
            tokens += [{"case_id": i + 1, "office_id": office, "token": t}
                       for t in case_tokens({}, products[-1]["number"], None)]
    with store.engine.begin() as connection:
        for table, data in ((Case.__table__, rows), (Task.__table__, tasks), (Product.__table__, products),
                            (Event.__table__, events), (CaseToken.__table__, tokens)):
            for chunk in range(0, len(data), 50_000):
                connection.execute(insert(table), data[chunk:chunk + 50_000])
    store.dispose()
    return {"cases": cases, **stats, "events": len(events), "products": len(products), "now": now}


def _event(case_id, at, kind, **data):
    return {"case_id": case_id, "task_id": None, "at": at, "actor_id": None, "actor": "sistem", "kind": kind,
            "data": data, "prev_hash": "", "hash": ""}


if __name__ == "__main__":
    import time

    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    started = time.perf_counter()
    print(json.dumps(build(target, count), default=str), f"{time.perf_counter() - started:.0f} s")
