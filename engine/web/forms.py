"""From HTML form submissions to the plain values the case service checks (it names any bad field), and
uploaded files to the data directory (type and size checked first)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.errors import InvalidInput
from engine.store.db import data_dir

MAX_UPLOAD_BYTES = 5 * 2**20
DEFAULT_ACCEPT = ("pdf", "jpg", "jpeg", "png")
# What each accepted extension must look like inside: a renamed executable is not a PDF.
MAGIC = {"pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
         "xlsx": (b"PK\x03\x04",), "docx": (b"PK\x03\x04",), "csv": None, "txt": None}


def collect(fields: list[dict], form, prefix: str) -> dict:
    """Raw submitted values of the given fields (files are handled by store_uploads)."""
    data = {}
    for field in fields:
        key = prefix + field["id"]
        kind = field.get("type", "text")
        if kind == "file":
            continue
        if kind == "multichoice":
            values = [str(v) for v in form.getlist(key) if str(v)]
            if values:
                data[field["id"]] = values
        elif kind == "boolean":
            data[field["id"]] = form.get(key) == "ya"
        else:
            value = form.get(key)
            if value is not None and str(value).strip() != "":
                data[field["id"]] = str(value).strip()
    return data


async def store_uploads(fields: list[dict], form, data: dict, prefix: str) -> dict:
    """Save each uploaded file under data/uploads by content hash; the field keeps name and hash."""
    data = dict(data)
    for field in fields:
        if field.get("type") != "file":
            continue
        upload = form.get(prefix + field["id"])
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
            continue
        name = Path(upload.filename).name
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        accept = [a.lower().lstrip(".") for a in field.get("accept") or DEFAULT_ACCEPT]
        if extension not in accept:
            raise InvalidInput(f"jenis berkas tidak diterima; yang diterima: {', '.join(accept)}",
                               prefix + field["id"])
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise InvalidInput(f"berkas terlalu besar (maksimal {MAX_UPLOAD_BYTES // 2**20} MB)", prefix + field["id"])
        magic = MAGIC.get(extension)
        if magic and not content.startswith(magic):
            raise InvalidInput(f"isi berkas bukan {extension.upper()}", prefix + field["id"])
        digest = hashlib.sha256(content).hexdigest()
        folder = data_dir() / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / digest
        if not target.exists():
            target.write_bytes(content)
        data[field["id"]] = f"{name} (sha256:{digest[:16]})"
    return data
