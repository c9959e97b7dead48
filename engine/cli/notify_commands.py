"""`layanan notify`: the notification outbox from the command line: send what is due now (what the
orchestrator does by itself through Prefect), and see what waits, what failed and why."""

from __future__ import annotations

from datetime import datetime, timezone



def _guarded(body):
    """The case commands' guard, imported when the command runs (building the parser stays light: the pure
    commands import no database library)."""
    def run(args):
        from .case_commands import _guard

        return _guard(body)(args)
    return run


def _store():
    from .case_commands import _service

    return _service
def add_parser(sub, lazy) -> None:
    p = sub.add_parser("notify", help="pemberitahuan kepada pemohon: kirim yang jatuh waktu, lihat statusnya")
    nsub = p.add_subparsers(dest="notify_command", metavar="AKSI", required=True)
    send = nsub.add_parser("send", help="kirim pemberitahuan yang jatuh waktu (surel, SMS, WhatsApp)")
    send.set_defaults(run=lazy("engine.cli.notify_commands", "cmd_send"))
    status = nsub.add_parser("status", help="jumlah per status dan pemberitahuan yang gagal")
    status.set_defaults(run=lazy("engine.cli.notify_commands", "cmd_status"))


@_guarded
def cmd_send(args) -> int:
    from engine.notify import outbox, transports

    store = _store()(args, need_library=False).store
    configured = transports.configured()
    now = datetime.now(timezone.utc)
    outbox.release_held(store, configured, now)
    result = outbox.deliver(store, configured, now)
    print(f"{result.sent} terkirim, {result.retried} dicoba lagi nanti, {result.failed} gagal, "
          f"{result.held} ditahan (saluran belum dikonfigurasi)")
    return 1 if result.failed else 0


@_guarded
def cmd_status(args) -> int:
    from engine.notify.views import failed_messages
    from engine.notify import outbox

    store = _store()(args, need_library=False).store
    labels = {"pending": "menunggu", "sent": "terkirim", "failed": "gagal", "held": "ditahan"}
    counts = outbox.counts(store)
    print(", ".join(f"{labels.get(k, k)} {v}" for k, v in sorted(counts.items())) or "belum ada pemberitahuan")
    for row in failed_messages(store)[:50]:
        print(f"  {row['case_number'] or '-'} {row['channel']} {row['recipient']}: {row['last_error']}")
    return 0
