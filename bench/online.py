"""The online channel (issue 22), run by hand:

- an online application with three scans of 1 MB each, posted to the web application (multipart parsing,
  each file's content checked, files stored, the case opened in one transaction): goal under 300 ms;
- the outbox delivered to a local SMTP server (aiosmtpd, one connection per batch): goal 50 messages/s;
- the applicant's case page and the public status page: goal under 50 ms.

    .venv/bin/python bench/online.py                                  # SQLite file in /tmp
    .venv/bin/python bench/online.py --url postgresql+psycopg://layanan:layanan@localhost/bench
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bench.synthetic import bench_database  # noqa: E402

STANDARD = "balikpapan-cetak-ktp-el"


def scan_of_about(size: int, kind: str, seed: int) -> bytes:
    """An image (or a PDF of one) of about ``size`` bytes: noise compresses badly, like a real colour scan."""
    rng = np.random.default_rng(seed)
    side = 300
    while True:
        pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, kind, quality=90) if kind == "JPEG" else Image.fromarray(pixels).save(out, kind)
        if out.tell() >= size:
            return out.getvalue()
        side = int(side * 1.25)


def median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, p95 {sorted(samples)[int(len(samples) * .95) - 1] * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="PostgreSQL URL (an empty database of the bench's own)")
    parser.add_argument("--applications", type=int, default=40)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.channel import accounts
    from engine.channel.uploads import FolderStore
    from engine.notify import outbox
    from engine.notify.transports import SmtpTransport
    from engine.standard.model import load_library
    from engine.store.db import Store
    from engine.store.models import Notification
    from engine.web.app import create_app
    from tests.notify_support import SmtpServer

    from sqlalchemy import select, update

    store = Store(bench_database(args.url, "layanan-online-"))
    service = CaseService(store, load_library(ROOT / "standards"))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    service.directory.sync_offices()
    users_for(service)
    at = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    app = create_app(service, public_url="http://testserver", clock=lambda: at)
    from engine.web.citizen_auth import limits_of

    limits_of(app)["applied"].limit = 10 ** 9  # one address (the bench) files them all
    app.state.uploads = FolderStore(Path(tempfile.mkdtemp(prefix="layanan-unggahan-")))
    files = [("berkas.fotokopi_kk", ("kk-1.jpg", scan_of_about(1_000_000, "JPEG", 1), "image/jpeg")),
             ("berkas.fotokopi_kk", ("kk-2.jpg", scan_of_about(1_000_000, "JPEG", 2), "image/jpeg")),
             ("berkas.suket_hilang", ("suket.pdf", scan_of_about(1_000_000, "PDF", 3), "application/pdf"))]
    print(f"scans: {', '.join(f'{name} {len(content) / 1e6:.2f} MB' for _k, (name, content, _t) in files)}")

    timings, pages, statuses = [], [], []
    with TestClient(app) as client:
        for n in range(args.applications):
            nik = f"6471054107{95 + n // 1000:02d}{n % 1000 + 1:04d}"[:16]
            accounts.register(store, {"nik": nik, "name": "Warga Uji", "email": f"w{n}@contoh.test",
                                      "phone": "081234500001"}, "kopi-hujan-sepeda-78", at)
            with store.read() as s:
                code = s.scalar(select(Notification.secret).where(Notification.cause == "code")
                                .order_by(Notification.id.desc()).limit(1)).split("\n")[1]
            client.cookies.clear()
            client.get(f"/akun/verifikasi?t={code}")
            form = client.get(f"/daring/{STANDARD}?jenis=penggantian").text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            data = {"csrf": csrf, "variant": "penggantian", "unit": "kec-balikpapan-kota", "answers.alasan": "hilang"}
            started = time.perf_counter()
            answer = client.post(f"/daring/{STANDARD}", data=data, files=files, follow_redirects=False)
            timings.append(time.perf_counter() - started)
            assert answer.status_code == 303, answer.text[answer.text.find("alert"):][:300]
            location = answer.headers["location"].split("?")[0]
            started = time.perf_counter()
            assert client.get(location).status_code == 200
            pages.append(time.perf_counter() - started)
        with store.read() as s:
            from engine.store.models import Case
            codes = s.scalars(select(Case.receipt_code)).all()
        for code in codes * 3:
            started = time.perf_counter()
            assert client.get(f"/status?kode={code}").status_code == 200
            statuses.append(time.perf_counter() - started)
    print(f"online application, 3 scans of ~1 MB ({args.applications}): {median_ms(timings[3:])}")
    print(f"applicant's case page: {median_ms(pages[3:])}")
    print(f"public status page: {median_ms(statuses[3:])}")

    # The outbox: a backlog of messages, delivered in batches to a local SMTP server.
    with store.write() as s:
        s.execute(update(Notification).values(status="sent"))
        case_id = s.scalar(select(Case.id).limit(1))
    rows = [{"key": f"bench-{i:06d}", "case_id": case_id, "office_id": "disdukcapil-balikpapan", "channel": "email",
             "recipient": f"w{i % 50}@contoh.test", "subject": "Permohonan perlu diperbaiki",
             "body": "Permohonan nomor X dikembalikan untuk diperbaiki. Alasan: foto buram.", "secret": None,
             "cause": "returned", "status": "pending", "attempts": 0, "created_at": at, "next_attempt_at": at,
             "claimed_until": None, "sent_at": None, "last_error": None, "row_version": 1}
            for i in range(args.messages)]
    with store.engine.begin() as conn:
        conn.execute(Notification.__table__.insert(), rows)
    with SmtpServer() as smtp:
        transports = {"email": SmtpTransport(smtp.url)}
        started = time.perf_counter()
        sent = 0
        while sent < args.messages:
            result = outbox.deliver(store, transports, at + timedelta(minutes=1))
            if not result.sent:
                break
            sent += result.sent
        elapsed = time.perf_counter() - started
        received = len(smtp.inbox.messages)
    print(f"outbox to local SMTP: {sent} messages in {elapsed:.2f} s = {sent / elapsed:.0f} messages/s "
          f"(server received {received})")
    store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
