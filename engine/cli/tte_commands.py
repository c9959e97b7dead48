"""Signers on the command line: an officer's NIP, position and rank as the signed product prints them,
and the TTE passphrase asked at every signature (engine/access/tte.py)."""

from __future__ import annotations

from .case_commands import _guard, _service
from .passphrase import read_passphrase


@_guard
def cmd_user_signer(args) -> int:
    from engine.access import tte

    service = _service(args, need_library=False)
    service.directory.set_signer(args.username, nip=args.nip, position=args.jabatan, rank=args.pangkat)
    if args.passphrase or args.passphrase_stdin:
        tte.set_passphrase(service.store, args.username, read_passphrase(args.passphrase_stdin, twice=True))
        print(f"penanda tangan {args.username} diperbarui, dengan frasa sandi TTE baru")
    else:
        print(f"penanda tangan {args.username} diperbarui")
    return 0
