"""The signer's TTE passphrase on the command line: asked without echo, or read from standard input."""

from __future__ import annotations

from .errors import CliError


def read_passphrase(from_stdin: bool, *, twice: bool = False) -> str:
    import getpass
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    passphrase = getpass.getpass("Frasa sandi TTE: ")
    if twice and getpass.getpass("Ulangi: ") != passphrase:
        raise CliError("frasa sandi tidak sama")
    return passphrase


def signing_proof(service, args):
    """The TTE proof when this completion signs (asked for, or read from stdin), else None."""
    from engine.access import tte
    from engine.cases.core.decide import action_of
    from engine.cases.frozen import thaw
    from engine.standard.kinds import KINDS
    from engine.store.models import Case, Task

    with service.store.read() as s:
        task = s.get(Task, args.task)
        if task is None or not KINDS[task.kind].asks_passphrase:
            return None
        step = thaw(s.get(Case, task.case_id).standard_version).procedure.by_id[task.step_id]
        kind = KINDS[task.kind]
    if action_of(kind, step, args.outcome) != "approve":
        return None
    return tte.verify(service.store, args.as_user, read_passphrase(args.passphrase_stdin))
