"""What the online channel adds to the officers' case and task pages: the applicant's uploaded scans
(served only to officers of the case's office, with the type recorded when the content was checked, in a
sandbox), and the notifications of the case with their delivery, a failed one sent again on request."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from engine.errors import NotFound
from engine.notify import outbox
from engine.store.models import Notification, Upload

from .auth import Officer
from .case_pages import _own_case
from .citizen_pages import files_of
from .views import RowId, officer, submitted_form

router = APIRouter(include_in_schema=False)
SCAN_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"


@router.get("/kasus/{number}/berkas/{upload_id}")
def scan_file(request: Request, number: str, upload_id: RowId, who: Officer = Depends(officer)):
    view = _own_case(request, who, number, "berkas unggahan")
    with request.app.state.service.store.read() as s:
        upload = s.get(Upload, upload_id)
    if upload is None or upload.case_id != view["id"] or upload.deleted_at is not None:
        raise NotFound("berkas tidak ditemukan (atau sudah dihapus sesuai masa simpan)", "upload")
    try:
        content = files_of(request).get(upload.storage_key)
    except FileNotFoundError:
        raise NotFound("berkas tidak ditemukan di penyimpanan", "upload") from None
    return Response(content, media_type=upload.media_type, headers={
        "Content-Disposition": f'inline; filename="{upload.id}-{upload.requirement_id}"',
        "Content-Security-Policy": SCAN_CSP})


@router.post("/kasus/{number}/pemberitahuan/{message_id}/kirim-ulang")
async def send_again(request: Request, number: str, message_id: RowId, who: Officer = Depends(officer)):
    await submitted_form(request, who)
    view = _own_case(request, who, number, "pemberitahuan")
    with request.app.state.service.store.read() as s:
        found = s.get(Notification, message_id)
    if found is None or found.case_id != view["id"]:
        raise NotFound("pemberitahuan tidak ditemukan", "notification")
    outbox.send_again(request.app.state.service.store, message_id, datetime.now(timezone.utc))
    return RedirectResponse(f"/kasus/{number}#pemberitahuan", status_code=303)
