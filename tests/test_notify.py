"""The notification outbox: written with the event that causes it, delivered to a real SMTP server
(aiosmtpd) and a real HTTP gateway, retried, failed and shown, never lost and never sent twice."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.notify import outbox
from engine.notify.transports import HttpGateway, SmtpTransport
from engine.store.models import Notification, Task

from .notify_support import Gateway, SmtpServer, free_port

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)
STANDARD = "balikpapan-cetak-ktp-el"
APPLICANT = dict(SAMPLE_APPLICANT, email="warga@contoh.test", phone="081234567890")


def online_case(service, library, applicant=APPLICANT):
    reqs = [r["id"] for r in library.standard(STANDARD).requirements("penggantian", "daring", {"alasan": "hilang"})]
    return service.open_case(STANDARD, dict(applicant), variant="penggantian", channel="daring",
                             unit="kec-balikpapan-kota", answers={"alasan": "hilang"}, requirements=reqs, at=AT)


def open_task(service, case_id):
    with service.store.read() as s:
        return s.scalars(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed")))).one()


def return_for_correction(service, case_id, reason="Foto KK tidak terbaca; unggah ulang yang jelas"):
    officer = "disdukcapil-balikpapan.verifikator_siak"
    task = open_task(service, case_id)  # the online file's check
    service.complete(task.id, officer, at=AT + timedelta(minutes=10))
    task = open_task(service, case_id)  # the operator's input
    service.complete(task.id, "disdukcapil-balikpapan.operator_siak", data={}, at=AT + timedelta(minutes=20))
    task = open_task(service, case_id)  # the verifier returns it to the applicant
    service.complete(task.id, officer, outcome="perbaiki_permohonan", reason=reason, at=AT + timedelta(minutes=30))


def rows(service, case_id=None):
    with service.store.read() as s:
        query = select(Notification).order_by(Notification.id)
        if case_id is not None:
            query = query.where(Notification.case_id == case_id)
        return s.scalars(query).all()


def test_events_write_their_notices_in_the_same_transaction(service, library):
    case_id = online_case(service, library)
    return_for_correction(service, case_id)
    notices = rows(service, case_id)
    assert [(n.cause, n.channel, n.status) for n in notices] == [("received", "email", "pending"),
                                                                ("returned", "email", "pending")]
    returned = notices[1]
    assert "Foto KK tidak terbaca" in returned.body and "/status/" in returned.body
    for notice in notices:  # no more personal data than needed
        assert SAMPLE_APPLICANT["nik"] not in notice.body and SAMPLE_APPLICANT["name"] not in notice.body


def test_a_refused_step_writes_no_notice(service, library):
    case_id = online_case(service, library)
    before = len(rows(service))
    task = open_task(service, case_id)
    with pytest.raises(Exception):
        service.complete(task.id, "disdukcapil-balikpapan.verifikator_siak", outcome="tidak_ada", at=AT)
    assert len(rows(service)) == before


def test_delivered_to_a_real_smtp_server_once(service, library):
    case_id = online_case(service, library)
    return_for_correction(service, case_id)
    with SmtpServer() as smtp:
        transports = {"email": SmtpTransport(smtp.url)}
        first = outbox.deliver(service.store, transports, AT + timedelta(hours=1))
        again = outbox.deliver(service.store, transports, AT + timedelta(hours=2))
        mails = smtp.inbox.to(APPLICANT["email"])
    assert (first.sent, again.sent) == (2, 0)
    assert [m["Subject"] for m in mails] == ["Permohonan diterima", "Permohonan perlu diperbaiki"]
    assert "Foto KK tidak terbaca" in mails[1].get_content()
    assert len({m["Message-ID"] for m in mails}) == 2
    assert {n.status for n in rows(service, case_id)} == {"sent"}


def test_sms_through_the_http_gateway(service, library):
    service.store.notify_channels = ("email", "sms")
    online_case(service, library)
    with Gateway() as gateway, SmtpServer() as smtp:
        transports = {"email": SmtpTransport(smtp.url), "sms": HttpGateway("sms", gateway.url, gateway.token)}
        done = outbox.deliver(service.store, transports, AT + timedelta(minutes=1))
    assert done.by_channel == {"email": 1, "sms": 1}
    assert [(m["channel"], m["to"]) for m in gateway.received] == [("sms", APPLICANT["phone"])]
    assert "telah kami terima" in gateway.received[0]["message"]


def test_an_unreachable_server_is_retried_then_shown_as_failed(service, library):
    online_case(service, library)
    dead = {"email": SmtpTransport(f"smtp://127.0.0.1:{free_port()}")}
    moment = AT
    for attempt in range(outbox.MAX_ATTEMPTS):
        moment += timedelta(days=1)  # past any back-off
        done = outbox.deliver(service.store, dead, moment)
        assert done.sent == 0 and done.retried + done.failed == 1
    [notice] = rows(service)
    assert notice.status == "failed" and notice.attempts == outbox.MAX_ATTEMPTS
    assert notice.last_error == "email: server tidak dapat dihubungi"
    # An officer sends it again once the server is back: it arrives.
    assert outbox.send_again(service.store, notice.id, moment)
    with SmtpServer() as smtp:
        outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, moment)
        assert len(smtp.inbox.to(APPLICANT["email"])) == 1


def test_back_off_waits_between_attempts(service, library):
    online_case(service, library)
    dead = {"email": SmtpTransport(f"smtp://127.0.0.1:{free_port()}")}
    assert outbox.deliver(service.store, dead, AT).retried == 1
    assert outbox.deliver(service.store, dead, AT + timedelta(seconds=10)).retried == 0  # not yet due
    assert outbox.deliver(service.store, dead, AT + timedelta(seconds=31)).retried == 1


def test_a_refused_address_fails_at_once(service, library):
    online_case(service, library)
    with SmtpServer() as smtp:
        smtp.inbox.refuse.add(APPLICANT["email"])
        done = outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, AT)
    [notice] = rows(service)
    assert done.failed == 1 and notice.status == "failed" and "550" in notice.last_error


def test_a_channel_without_transport_is_held_then_released(service, library):
    online_case(service, library)
    assert outbox.deliver(service.store, {}, AT).held == 1
    assert rows(service)[0].status == "held"
    assert outbox.release_held(service.store, ["email"], AT) == 1
    with SmtpServer() as smtp:
        assert outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, AT).sent == 1


@pytest.mark.slow
def test_the_worker_delivers_through_a_prefect_flow(service, library, tmp_path):
    """The notifier runs as Prefect flow 'kirim-pemberitahuan' (real Prefect, a worker process on its own
    ephemeral API) after the cases are caught up with; its run carries no parameter and logs only counts."""
    import json
    import os
    import subprocess
    import sys

    from .conftest import ROOT, run_cli

    online_case(service, library)
    with SmtpServer() as smtp:
        env = {"LAYANAN_DATABASE_URL": service.store.url, "PREFECT_HOME": str(tmp_path / "prefect"),
               "LAYANAN_SMTP_URL": smtp.url}
        done = run_cli("worker", "--once", env=env, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 pemberitahuan terkirim" in done.stdout
        assert len(smtp.inbox.to(APPLICANT["email"])) == 1
    script = (
        "import asyncio, json\n"
        "from engine.orchestration import environment; environment.prepare()\n"
        "from prefect import get_client\n"
        "async def main():\n"
        "    async with get_client() as c:\n"
        "        flows = {f.id: f.name for f in await c.read_flows()}\n"
        "        runs = await c.read_flow_runs()\n"
        "        print(json.dumps([[flows[r.flow_id], r.state.type.value, r.parameters] for r in runs]))\n"
        "asyncio.run(main())\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ, **env),
                         capture_output=True, text=True, timeout=180)
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    assert ["kirim-pemberitahuan", "COMPLETED", {}] in runs
    assert "Warga" not in out.stdout and APPLICANT["email"] not in out.stdout
