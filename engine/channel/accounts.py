"""Applicants' accounts: registration with NIK, name, e-mail and mobile number; the e-mail verified by a
6-digit code or a link; sign-in by password (Argon2id, as the officers') or by a one-time code; the password
reset. Codes go out through the notification outbox (engine/cases/notices.py's table) in the same
transaction that makes them, and are kept only as digests; each works once, for CODE_MINUTES, and five
wrong tries end it. Messages never say whether an address or NIK has an account, except at registration,
where refusing a second account for the same NIK is the point."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from engine.access.passwords import hash_password, password_problem, verify as verify_password
from engine.cases import fields
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.store.db import Store
from engine.store.models import CitizenAccount, CitizenCode, Notification

CODE_MINUTES = 30
CODE_TRIES = 5
CODES_PER_HOUR = 5  # codes one account may be sent in an hour
ACCOUNT_FIELDS = [{"id": "nik", "type": "nik", "label": "NIK"},
                  {"id": "name", "type": "text", "max_length": 200, "label": "nama lengkap"},
                  {"id": "email", "type": "email", "max_length": 254, "label": "surel"},
                  {"id": "phone", "type": "phone", "label": "nomor ponsel"}]
PURPOSES = {"verify": "Kode verifikasi surel", "reset": "Kode atur ulang kata sandi", "signin": "Kode masuk"}
SIGN_IN_REFUSED = "NIK/surel atau kata sandi salah"


@dataclass(frozen=True)
class Citizen:
    id: int
    nik: str
    name: str
    email: str
    phone: str | None
    verified: bool


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _citizen(account: CitizenAccount) -> Citizen:
    return Citizen(account.id, account.nik, account.name, account.email, account.phone,
                   account.email_verified_at is not None)


def register(store: Store, data: dict, password: str, at: datetime, origin: str | None = None) -> Citizen:
    """A new account, its e-mail not yet verified; the verification code is on its way."""
    cleaned = fields.clean(ACCOUNT_FIELDS, {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
                                            if k in {"nik", "name", "email", "phone"}})
    cleaned["email"] = cleaned["email"].lower()
    problem = password_problem(password, username=cleaned["email"], full_name=cleaned["name"])
    if problem:
        raise InvalidInput(problem, "password")
    with store.write() as s:
        if s.scalar(select(CitizenAccount.id).where(CitizenAccount.nik == cleaned["nik"])):
            raise Conflict("NIK ini sudah memiliki akun; silakan masuk, atau atur ulang kata sandi", "nik")
        if s.scalar(select(CitizenAccount.id).where(CitizenAccount.email == cleaned["email"])):
            raise Conflict("surel ini sudah dipakai akun lain; silakan masuk, atau atur ulang kata sandi", "email")
        account = CitizenAccount(nik=cleaned["nik"], name=cleaned["name"], email=cleaned["email"],
                                 phone=cleaned.get("phone"), password_hash=hash_password(password), created_at=at,
                                 created_from=(origin or "")[:64] or None)
        s.add(account)
        s.flush()
        _send_code(s, account, "verify", at, store.public_url)
        return _citizen(account)


def _send_code(s, account: CitizenAccount, purpose: str, at: datetime, public_url: str) -> None:
    recent = s.scalar(select(func.count()).select_from(CitizenCode).where(
        CitizenCode.account_id == account.id, CitizenCode.created_at > at - timedelta(hours=1)))
    if recent >= CODES_PER_HOUR:
        return  # quietly: the caller's answer is the same either way (no enumeration, no mail flood)
    # The earlier codes of the same purpose stop working: only the newest one is valid.
    s.execute(update(CitizenCode).where(CitizenCode.account_id == account.id, CitizenCode.purpose == purpose,
                                        CitizenCode.used_at.is_(None)).values(used_at=at))
    code, token = f"{secrets.randbelow(10 ** 6):06d}", secrets.token_urlsafe(24)
    s.add(CitizenCode(account_id=account.id, purpose=purpose, code_hash=_digest(f"{account.id}:{code}"),
                      link_hash=_digest(token), attempts=0, created_at=at,
                      expires_at=at + timedelta(minutes=CODE_MINUTES)))
    page = {"verify": "verifikasi", "reset": "atur-ulang", "signin": "masuk-kode"}[purpose]
    s.add(Notification(
        key=secrets.token_hex(16), case_id=None, office_id=None, channel="email", recipient=account.email,
        subject=PURPOSES[purpose],
        body=(f"{PURPOSES[purpose]} layanan daring: {{rahasia}}. Berlaku {CODE_MINUTES} menit. Atau buka "
              f"tautan {public_url}/akun/{page}?t={{rahasia2}}\nJika Anda tidak memintanya, abaikan pesan ini."),
        secret=f"{code}\n{token}", cause="code", status="pending", attempts=0, created_at=at, next_attempt_at=at,
        row_version=1))


def request_code(store: Store, identifier: str, purpose: str, at: datetime) -> None:
    """Send a code for ``purpose`` to the account with this e-mail or NIK, if there is one (the answer is the
    same when there is not)."""
    if purpose not in PURPOSES:
        raise InvalidInput("keperluan kode tidak dikenal", "purpose")
    with store.write() as s:
        account = _find(s, identifier)
        if account is not None and (purpose == "verify") == (account.email_verified_at is None):
            _send_code(s, account, purpose, at, store.public_url)


def _find(s, identifier: str) -> CitizenAccount | None:
    identifier = (identifier or "").strip().lower()[:254]
    if not identifier:
        return None
    column = CitizenAccount.nik if identifier.isdigit() else CitizenAccount.email
    return s.scalar(select(CitizenAccount).where(column == identifier))


def use_code(store: Store, purpose: str, at: datetime, *, identifier: str | None = None, code: str | None = None,
             token: str | None = None, new_password: str | None = None) -> Citizen:
    """Use a code (typed with the account's e-mail or NIK) or a link's token: verify the e-mail, reset the
    password (``new_password``) or sign in. A used, expired or wrong code changes nothing but its tries."""
    refused = InvalidInput("kode salah, sudah dipakai atau kedaluwarsa; minta kode baru", "code")
    if purpose == "reset":
        problem = password_problem(new_password or "")
        if problem:
            raise InvalidInput(problem, "password")
    with store.read() as s:
        if token:
            row = s.scalar(select(CitizenCode).where(CitizenCode.link_hash == _digest(str(token)[:100]),
                                                     CitizenCode.purpose == purpose))
            account = s.get(CitizenAccount, row.account_id) if row is not None else None
        else:
            account = _find(s, identifier or "")
            row = None if account is None else s.scalar(
                select(CitizenCode).where(CitizenCode.account_id == account.id, CitizenCode.purpose == purpose,
                                          CitizenCode.used_at.is_(None)).order_by(CitizenCode.id.desc()).limit(1))
        if row is None or account is None or row.used_at is not None or row.expires_at <= at \
                or row.attempts >= CODE_TRIES:
            raise refused
        if not token and not secrets.compare_digest(row.code_hash, _digest(f"{account.id}:{str(code or '').strip()}")):
            wrong = row.id
        else:
            wrong = None
    if wrong is not None:  # the wrong try counts (in its own transaction), and nothing else changes
        with store.write() as s:
            s.execute(update(CitizenCode).where(CitizenCode.id == wrong).values(attempts=CitizenCode.attempts + 1))
        raise refused
    with store.write() as s:
        row = s.get(CitizenCode, row.id)
        account = s.get(CitizenAccount, row.account_id)
        if row.used_at is not None:
            raise refused
        row.used_at = at
        if purpose in ("verify", "signin", "reset") and account.email_verified_at is None:
            account.email_verified_at = at  # a code that reached the mailbox proves the address
        if purpose == "reset":
            account.password_hash = hash_password(new_password)
            from .sessions import end_all
            end_all(s, account.id)
        return _citizen(account)


def sign_in(store: Store, identifier: str, password: str) -> Citizen:
    with store.read() as s:
        account = _find(s, identifier)
        ok = verify_password(account.password_hash if account else None, password)
        if not ok:
            raise Forbidden(SIGN_IN_REFUSED, "password")
        if account.email_verified_at is None:
            raise Forbidden("surel belum diverifikasi: masukkan kode yang kami kirim ke surel Anda", "code")
        return _citizen(account)


def account(store: Store, account_id: int) -> Citizen | None:
    with store.read() as s:
        found = s.get(CitizenAccount, account_id)
        return _citizen(found) if found else None
