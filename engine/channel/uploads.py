"""Uploaded requirements: each a scan as PDF, JPEG or PNG, recognised by its content (never by its name
or the browser's word): an image must open as one with Pillow (which WeasyPrint brings), a PDF must parse
with pyHanko's reader (which the signed product brings). A file over MAX_BYTES, with too many pixels (a
decompression bomb), or of any other kind is refused with the reason.

Files are kept outside the database, content-addressed, by an upload store: a folder (``uploads/`` under the
data directory, or ``LAYANAN_UPLOAD_DIR``). Only the key and the SHA-256 are in the case store. A file is
written before the transaction that records it, so a crash leaves at worst an unrecorded file, which
``purge`` removes; never a record without its file. ``purge`` also deletes the files of cases closed more
than ``LAYANAN_UPLOAD_RETENTION_DAYS`` (365 by default) ago, keeping their rows and digests."""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from engine.errors import InvalidInput
from engine.store.db import Store, data_dir
from engine.store.models import Case, Upload

MAX_BYTES = 10 * 1024 * 1024  # one scan
MAX_FILES = 40  # uploads a case may hold in all (every requirement, corrected a few times)
MAX_PIXELS = 60_000_000  # a 600 dpi A3 scan is ~70 MP at 8 bit; 60 MP keeps memory under ~250 MB
KINDS = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png"}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Scan:
    requirement_id: str
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def recognise(content: bytes, name: str = "berkas") -> str:
    """The media type of a scan by its content; InvalidInput saying why it is not one we take."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"{name}: berkas lebih dari {MAX_BYTES // (1024 * 1024)} MB; perkecil resolusi pindaian",
                           "files")
    if not content:
        raise InvalidInput(f"{name}: berkas kosong", "files")
    if content[:5] == b"%PDF-":
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.pdf_utils.reader import PdfFileReader

        try:
            reader = PdfFileReader(io.BytesIO(content), strict=False)
            if reader.root["/Pages"]["/Count"] < 1:
                raise ValueError("no pages")
        except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            raise InvalidInput(f"{name}: PDF rusak atau tidak dapat dibaca", "files") from None
        return KINDS["PDF"]
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(f"{name}: gambar terlalu besar ({width}×{height} piksel)", "files")
            image.verify()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        kind = None
    if kind not in KINDS:
        raise InvalidInput(f"{name}: bukan PDF, JPEG atau PNG (isi berkas diperiksa, bukan namanya)", "files")
    return KINDS[kind]


def scan(requirement_id: str, filename: str, content: bytes) -> Scan:
    name = SAFE_NAME.sub("_", os.path.basename(filename or "berkas"))[:120] or "berkas"
    return Scan(requirement_id, name, recognise(content, name), content)


class FolderStore:
    """Files in a folder, two levels by digest: ``ab/cd/abcd...``. Writing is atomic (a temporary file
    renamed); the same content is kept once."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or os.environ.get("LAYANAN_UPLOAD_DIR") or data_dir() / "uploads")

    def path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError("kunci berkas tidak sah")
        return self.root / key[:2] / key[2:4] / key

    def put(self, content: bytes) -> str:
        key = hashlib.sha256(content).hexdigest()
        path = self.path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
            temporary.write_bytes(content)
            os.replace(temporary, path)
        return key

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self):
        for path in self.root.glob("*/*/*"):
            if re.fullmatch(r"[0-9a-f]{64}", path.name):
                yield path.name


def rows_for(case_id: int, account_id: int | None, scans: list[Scan], keys: list[str], at: datetime) -> list[dict]:
    return [{"case_id": case_id, "requirement_id": s.requirement_id, "account_id": account_id,
             "filename": s.filename, "media_type": s.media_type, "size": len(s.content), "sha256": s.sha256,
             "storage_key": key, "created_at": at, "replaced_at": None, "deleted_at": None}
            for s, key in zip(scans, keys)]


def of_case(store: Store, case_id: int, current_only: bool = True) -> list[Upload]:
    with store.read() as s:
        query = select(Upload).where(Upload.case_id == case_id).order_by(Upload.requirement_id, Upload.id)
        if current_only:
            query = query.where(Upload.replaced_at.is_(None))
        return list(s.scalars(query))


def purge(store: Store, files: FolderStore, at: datetime, days: int | None = None) -> dict:
    """Delete the files past retention (their cases closed ``days`` ago) and files no row records."""
    days = int(os.environ.get("LAYANAN_UPLOAD_RETENTION_DAYS", "365")) if days is None else days
    cutoff = at - timedelta(days=days)
    with store.write() as s:
        old = s.execute(select(Upload.id, Upload.storage_key).join(Case, Case.id == Upload.case_id).where(
            Case.closed_at.is_not(None), Case.closed_at < cutoff, Upload.deleted_at.is_(None))).all()
        s.execute(update(Upload).where(Upload.id.in_([r.id for r in old])).values(deleted_at=at))
        live = set(s.scalars(select(Upload.storage_key).where(Upload.deleted_at.is_(None))))
    removed = 0
    for key in {r.storage_key for r in old} - live:
        files.delete(key)
        removed += 1
    strays = [key for key in files.keys() if key not in live and key not in {r.storage_key for r in old}]
    grace = at.timestamp() - 3600  # a file written for a transaction still under way is not a stray yet
    for key in strays:
        if files.path(key).stat().st_mtime < grace:
            files.delete(key)
            removed += 1
    return {"expired": len(old), "files_removed": removed}
