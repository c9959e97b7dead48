"""How a message leaves: SMTP for e-mail (``LAYANAN_SMTP_URL``), an HTTP gateway for SMS and WhatsApp
(``LAYANAN_SMS_GATEWAY_URL``, ``LAYANAN_WHATSAPP_GATEWAY_URL``, each with an optional ``..._TOKEN``).

``LAYANAN_SMTP_URL`` is ``smtp://[user:password@]host[:port][?from=addr&security=starttls|ssl|none]``
(security starttls by default on port 587, ssl on 465, none otherwise), or ``file:///folder``: each message
written there as an .eml file, for a demo office without a mail server (the demo uses it, and says so).

The gateway receives ``POST`` JSON ``{"id", "channel", "to", "message"}`` with ``Authorization: Bearer
TOKEN`` and answers 2xx when it accepted the message: the shape of the common Indonesian SMS and WhatsApp
gateways' HTTP APIs, adapted by a small proxy where a provider wants its own.

A transport is opened once per batch (``session``): one SMTP connection carries a whole batch."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import httpx


class Message(NamedTuple):
    id: int
    key: str  # unique: the e-mail's Message-ID and the gateway's id, so a receiver can drop a repeat
    channel: str
    recipient: str
    subject: str
    body: str


class DeliveryError(Exception):
    """The transport refused this message (``permanent``: retrying will not help, e.g. a rejected address)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmtpTransport:
    channel = "email"

    def __init__(self, url: str, timeout: float = 15):
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname:
            raise ValueError(f"LAYANAN_SMTP_URL tidak sah: {url!r} (mis. smtp://user:pass@mail.kantor.go.id:587)")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.host, self.port = parts.hostname, parts.port or 25
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = query.get("from") or f"layanan@{self.host}"
        self.security = query.get("security") or {587: "starttls", 465: "ssl"}.get(self.port, "none")
        self.timeout = timeout

    @contextmanager
    def session(self):
        context = ssl.create_default_context()
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            yield lambda message: self._send(client, message)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _send(self, client, message: Message) -> None:
        try:
            client.send_message(email_of(message, self.sender))
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"alamat ditolak server surel: {_codes(exc.recipients)}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"server surel menjawab {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) \
                from exc


def _codes(recipients: dict) -> str:
    return ", ".join(str(code) for code, _text in recipients.values())


def email_of(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{message.key}@layanan>"
    mail.set_content(message.body)
    return mail


class FileTransport:
    """E-mail written as .eml files into a folder (``file:///folder``): for a demo or a test bench."""
    channel = "email"

    def __init__(self, url: str):
        self.folder = Path(unquote(urlsplit(url).path))
        self.sender = "layanan@demo.invalid"

    @contextmanager
    def session(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        yield self._send

    def _send(self, message: Message) -> None:
        path = self.folder / f"{message.key}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(email_of(message, self.sender)))
        temporary.replace(path)  # a repeat overwrites the same file: never two copies


class HttpGateway:
    def __init__(self, channel: str, url: str, token: str | None = None, timeout: float = 10):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"alamat gateway {channel} tidak sah: {url!r}")
        self.channel, self.url, self.token, self.timeout = channel, url, token, timeout

    @contextmanager
    def session(self):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with httpx.Client(timeout=self.timeout, headers=headers) as client:
            yield lambda message: self._send(client, message)

    def _send(self, client, message: Message) -> None:
        payload = {"id": message.key, "channel": self.channel, "to": message.recipient, "message": message.body}
        try:
            answer = client.post(self.url, content=json.dumps(payload), headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"gateway {self.channel} tidak dapat dihubungi ({type(exc).__name__})") from exc
        if not 200 <= answer.status_code < 300:
            raise DeliveryError(f"gateway {self.channel} menjawab {answer.status_code}",
                                permanent=answer.status_code in (400, 404, 422))


def configured(environ=None) -> dict:
    """The transports configured in the environment, by channel."""
    environ = os.environ if environ is None else environ
    found = {}
    smtp = environ.get("LAYANAN_SMTP_URL")
    if smtp:
        found["email"] = FileTransport(smtp) if smtp.startswith("file:") else SmtpTransport(smtp)
    for channel in ("sms", "whatsapp"):
        url = environ.get(f"LAYANAN_{channel.upper()}_GATEWAY_URL")
        if url:
            found[channel] = HttpGateway(channel, url, environ.get(f"LAYANAN_{channel.upper()}_GATEWAY_TOKEN"))
    return found
