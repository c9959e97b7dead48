"""HTML to PDF with WeasyPrint, reaching nothing but layanan's own assets.

WeasyPrint's default URL fetcher opens any URL a document names: ``file://`` (an applicant's field holding
``<a rel="attachment" href="file:///etc/passwd">`` embedded that file, or the case store itself, in the
receipt), ``http://`` (requests to internal addresses) and ``data:``. Opening the SQLite database from the
server process also drops SQLite's POSIX locks on it. Here every document is rendered against a base URL
that names no real host (``https://layanan.invalid/``, a reserved name), and the fetcher serves only files
under the asset folder the caller names, mapped from ``/static/...`` on that base; everything else is
refused, the document is rendered without it, and the refusal is logged without the URL's content.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path

ASSET_BASE = "https://layanan.invalid/"
log = logging.getLogger("layanan.pdf")
# WeasyPrint logs each refused resource with its URL (which may hold what an applicant typed) at ERROR.
logging.getLogger("weasyprint").setLevel(logging.CRITICAL)


class RefusedResource(ValueError):
    """A document named a resource outside layanan's assets."""


def _fetcher(assets: Path | None, refused: list[str]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = assets.resolve() if assets is not None else None

    class AssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            prefix = ASSET_BASE + "static/"
            if root is not None and url.startswith(prefix):
                relative = url[len(prefix):].split("?", 1)[0].split("#", 1)[0]
                path = (root / relative).resolve()
                if path.is_relative_to(root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            refused.append(url.split(":", 1)[0].lower() if ":" in url else "?")
            raise RefusedResource("sumber luar tidak diizinkan dalam dokumen PDF")

    return AssetFetcher()


def html_to_pdf(html: str, *, assets: Path | None = None) -> bytes:
    """The PDF of ``html``; ``assets``: the folder served as ``/static/`` (stylesheets, images)."""
    from weasyprint import HTML

    refused: list[str] = []
    pdf = HTML(string=html, base_url=ASSET_BASE, url_fetcher=_fetcher(assets, refused)).write_pdf()
    if refused:
        log.warning("PDF: %d sumber luar ditolak (%s)", len(refused), ", ".join(sorted(set(refused))))
    return pdf
