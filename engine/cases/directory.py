"""The office directory in the case store: offices (copied from the standards library) and the officers
with their roles and standing. A change to an officer's password, roles, admin or auditor standing, or
whether they may sign in, ends every session they have, in the same transaction: a removed role or a
deactivated officer stops working at the next request, not when the session would have expired."""

from __future__ import annotations

from sqlalchemy import select

from engine.access.sessions import end_sessions_of
from engine.store.db import Store
from engine.store.models import Office, User, UserRole

from engine.errors import InvalidInput, NotFound

from .frozen import calendar_part


class Directory:
    def __init__(self, store: Store, library=None):
        self.store = store
        self.library = library

    def sync_offices(self) -> int:
        """Copy the library's offices into the store (users and cases refer to them)."""
        with self.store.write() as s:
            for office in self.library.offices.values():
                row = s.get(Office, office.id) or Office(id=office.id)
                row.name, row.timezone = office.name, office.timezone
                row.calendar = calendar_part(office.data)  # running cases follow it (engine/sla/calendar_change.py)
                s.add(row)
        return len(self.library.offices)

    def add_user(self, username: str, full_name: str, office_id: str, roles: list[str]) -> int:
        """Add an officer, or change an existing one's name, office and roles."""
        office = self.library.offices.get(office_id) if self.library else None
        if office is None:
            raise InvalidInput(f"kantor '{office_id}' tidak dikenal", "office")
        unknown = [r for r in roles if r not in office.roles]
        if unknown:
            raise InvalidInput(f"peran '{unknown[0]}' tidak ada di {office_id}; peran: {', '.join(office.roles)}",
                               "roles")
        with self.store.write() as s:
            if s.get(Office, office_id) is None:
                s.add(Office(id=office.id, name=office.name, timezone=office.timezone))
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, full_name=full_name, office_id=office_id, active=True)
                s.add(user)
            elif user.office_id != office_id or user.role_ids != set(roles):
                end_sessions_of(s, user.id)
            user.full_name, user.office_id = full_name, office_id
            if user.role_ids != set(roles):
                user.roles = [UserRole(role_id=r) for r in roles]
            s.flush()
            return user.id

    def set_password(self, username: str, password_hash: str) -> None:
        """Store a password hash (engine.access.passwords makes it)."""
        self._update_user(username, password_hash=password_hash)

    def set_signer(self, username: str, *, nip: str | None = None, position: str | None = None,
                   rank: str | None = None) -> None:
        """How a signed product names the officer: NIP (18 digits), position (jabatan), rank (pangkat)."""
        nip = (nip or "").replace(" ", "") or None
        if nip is not None and not (nip.isdigit() and len(nip) == 18):
            raise InvalidInput("NIP terdiri dari 18 angka", "nip")
        for name, value in (("jabatan", position), ("pangkat", rank)):
            if value is not None and (len(value) > 200 or any(ord(c) < 32 for c in value)):
                raise InvalidInput(f"{name} berupa teks satu baris paling banyak 200 karakter", name)
        with self.store.write() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"pengguna '{username}' tidak dikenal", "username")
            user.nip, user.position, user.rank = nip, position or None, rank or None

    def set_admin(self, username: str, admin: bool = True) -> None:
        self._update_user(username, is_admin=admin)

    def set_auditor(self, username: str, auditor: bool = True) -> None:
        self._update_user(username, is_auditor=auditor)

    def set_active(self, username: str, active: bool) -> None:
        self._update_user(username, active=active)

    def _update_user(self, username: str, **values) -> None:
        with self.store.write() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"pengguna '{username}' tidak dikenal", "username")
            if any(getattr(user, key) != value for key, value in values.items()):
                end_sessions_of(s, user.id)
            for key, value in values.items():
                setattr(user, key, value)
