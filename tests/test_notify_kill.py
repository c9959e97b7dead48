"""SIGKILL between a case's event and its notification, with real processes and a real SMTP server: the
notification is neither lost nor sent twice. And the one window the outbox cannot close (after the server
accepted the message, before the mark): the message goes again with the same Message-ID."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.notify import outbox
from engine.notify.transports import SmtpTransport
from engine.store.models import Notification, Task

from .conftest import run_cli
from .notify_support import SmtpServer
from .test_kill import _kill_at, env  # noqa: F401  (the fixture)
from .test_notify import APPLICANT, online_case

pytestmark = pytest.mark.slow


def _return_task(service, case_id):
    officer = "disdukcapil-balikpapan.verifikator_siak"
    for actor, data in ((officer, None), ("disdukcapil-balikpapan.operator_siak", {})):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        service.complete(task.id, actor, data=data)
    with service.store.read() as s:
        return s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))


def _sent_elsewhere(service) -> None:
    from sqlalchemy import update

    with service.store.write() as s:
        s.execute(update(Notification).values(status="sent"))


def _notices(service) -> list:
    with service.store.read() as s:
        return [(n.cause, n.status) for n in s.scalars(select(Notification).order_by(Notification.id))]


def test_killed_before_commit_then_before_sending(service, library, env, tmp_path):  # noqa: F811
    case_id = online_case(service, library)
    _sent_elsewhere(service)  # the application's own notice is not what this test is about
    task = _return_task(service, case_id)
    before = _notices(service)
    complete = ("task", "complete", str(task.id), "--as", "disdukcapil-balikpapan.verifikator_siak",
                "--outcome", "perbaiki_permohonan", "--reason", "Foto KK buram")
    # 1. The officer's process dies after writing the return, before its commit: no event, no notice.
    _kill_at("complete.before_commit", env, *complete)
    assert _notices(service) == before
    assert run_cli(*complete, env=env).returncode == 0
    assert _notices(service)[-1] == ("returned", "pending")
    with SmtpServer() as smtp:
        sending = dict(env, LAYANAN_SMTP_URL=smtp.url)
        # 2. The notifier dies holding the message, before handing it to the server: nothing was sent.
        _kill_at("notify.before_send", sending, "notify", "send")
        assert smtp.inbox.to(APPLICANT["email"]) == []
        with service.store.read() as s:
            held = s.scalar(select(Notification).where(Notification.cause == "returned"))
        assert held.status == "pending" and held.claimed_until is not None
        # Its claim runs out; the next notifier sends it, once.
        done = outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, held.claimed_until + timedelta(seconds=1))
        assert done.sent >= 1
        again = run_cli("notify", "send", env=sending)
        assert again.returncode == 0, again.stderr
        returned = [m for m in smtp.inbox.to(APPLICANT["email"]) if m["Subject"] == "Permohonan perlu diperbaiki"]
        assert len(returned) == 1 and "Foto KK buram" in returned[0].get_content()
    assert _notices(service)[-1] == ("returned", "sent")


def test_killed_after_the_server_accepted_sends_again_with_the_same_id(service, library, env):  # noqa: F811
    online_case(service, library)
    with SmtpServer() as smtp:
        sending = dict(env, LAYANAN_SMTP_URL=smtp.url)
        _kill_at("notify.after_send", sending, "notify", "send")
        with service.store.read() as s:
            held = s.scalar(select(Notification))
        assert held.status == "pending"  # sent, but not marked: the outbox cannot know
        outbox.deliver(service.store, {"email": SmtpTransport(smtp.url)}, held.claimed_until + timedelta(seconds=1))
        mails = smtp.inbox.to(APPLICANT["email"])
    assert len(mails) == 2 and mails[0]["Message-ID"] == mails[1]["Message-ID"]
    assert json.dumps(_notices(service)) == json.dumps([["received", "sent"]])
