"""Tables of sign-in and sessions: the officers' browser sessions, the throttling of failed sign-ins, and
the devices (browsers) that signed in before, which lockouts of an account do not shut out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, aware


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the
    database does not let anyone sign in. Logging out deletes the row."""
    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    last_seen_at: Mapped[datetime] = aware("last_seen_at", nullable=False)
    expires_at: Mapped[datetime] = aware("expires_at", nullable=False)




class SigninThrottle(Base):
    """Failed sign-ins counted per key (``addr:<address>`` or ``user:<name>``) in a window, and the time
    until which the key is locked (engine/access/signin.py). Rows are removed once stale."""
    __tablename__ = "signin_throttle"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = aware("window_started_at", nullable=False)
    locked_until: Mapped[datetime | None] = aware("locked_until")


class TrustedDevice(Base):
    """A browser in which an officer signed in: its cookie holds a random token, stored here as SHA-256.
    Sign-ins from it count their failures here, not against the account or its address."""
    __tablename__ = "trusted_devices"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = aware("created_at", nullable=False)
    last_used_at: Mapped[datetime] = aware("last_used_at", nullable=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = aware("locked_until")
