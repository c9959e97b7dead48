"""The JSON API: the same actions as the pages, the same session and role checks (OpenAPI at
/api/openapi.json, browsable at /api/docs). State-changing calls carry the session's CSRF token in the
X-CSRF-Token header; sign in with POST /api/v1/masuk to get both."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from engine.access import policy, tte
from engine.errors import CaseError, Forbidden, NotFound
from engine.cases.queries import case_view, worklist

from .auth import Officer, attempt_sign_in, csrf_ok, signed_in
from .views import RowId, officer, record_refusal

router = APIRouter(prefix="/api/v1", tags=["layanan"])


class Credentials(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class SignedIn(BaseModel):
    username: str
    office: str
    roles: list[str]
    csrf_token: str


class NewCase(BaseModel):
    standard: str
    applicant: dict[str, Any] = Field(description="nik, name, address, phone, email, birth_date, sex")
    variant: str | None = None
    channel: str | None = None
    unit: str | None = None
    answers: dict[str, Any] | None = None
    requirements: list[str] = Field(default_factory=list, description="ids of the requirements received")
    incomplete: bool = Field(False, description="record the case although requirements are missing")


class Completion(BaseModel):
    outcome: str | None = None
    data: dict[str, Any] | None = None
    reason: str | None = None
    requirements: list[str] | None = None
    version: int | None = Field(None, description="the task's version as read; a changed task is a conflict")
    passphrase: str | None = Field(None, max_length=256, description="a signature step: the officer's TTE passphrase")


def writer(who: Officer = Depends(officer), x_csrf_token: str | None = Header(None)) -> Officer:
    if not csrf_ok(who, x_csrf_token):
        raise Forbidden("token CSRF tidak ada atau salah (header X-CSRF-Token)", "X-CSRF-Token")
    return who


@router.post("/masuk", response_model=SignedIn, responses={401: {"description": "salah"},
                                                           429: {"description": "terlalu banyak percobaan"}})
async def api_sign_in(request: Request, response: Response, body: Credentials):
    """Sign in (throttled like the page: see engine.access.signin); the session cookie is set, and the CSRF
    token to send as X-CSRF-Token is returned."""
    attempt = await attempt_sign_in(request, body.username, body.password)
    if attempt.refused:
        headers = {"Retry-After": str(attempt.retry_after)} if attempt.retry_after else {}
        return JSONResponse({"error": attempt.refused, "field": "password"}, status_code=attempt.status,
                            headers=headers)
    signed_in(response, request, attempt)
    who = attempt.officer
    return SignedIn(username=who.username, office=who.office_id, roles=sorted(who.roles), csrf_token=who.csrf)


@router.get("/tugas")
def my_worklist(request: Request, who: Officer = Depends(officer)) -> list[dict]:
    """Open tasks of the signed-in officer's roles in their office, oldest due date first."""
    return worklist(request.app.state.service.store, office=who.office_id, roles=sorted(who.roles))


@router.get("/kasus/{number}")
def read_case(request: Request, number: str, who: Officer = Depends(officer)) -> dict:
    view = case_view(request.app.state.service.store, number, viewer_roles=who.roles)
    if not policy.allowed(who.actor, "case.read", policy.Target(office_id=view["office"])):
        raise NotFound(f"kasus '{number}' tidak ditemukan", "case")
    if view["confidential"] and view["identity_shown"]:
        request.app.state.service.record_identity_view(view["id"], who.username, "API")
    return view


@router.post("/kasus", status_code=201)
def open_case(request: Request, body: NewCase, who: Officer = Depends(writer)) -> dict:
    service = request.app.state.service
    try:
        case_id = service.open_case(body.standard, body.applicant, variant=body.variant, channel=body.channel,
                                    unit=body.unit, answers=body.answers, requirements=body.requirements,
                                    actor=who.username, allow_incomplete=body.incomplete)
    except CaseError as exc:
        record_refusal(request, who, exc)
        raise
    view = case_view(service.store, case_id)
    return {"number": view["number"], "receipt_code": view["receipt_code"], "status": view["status"],
            "due_at": view["due_at"]}


@router.post("/tugas/{task_id}/ambil")
def claim(request: Request, task_id: RowId, who: Officer = Depends(writer)) -> dict:
    try:
        request.app.state.service.claim(task_id, who.username)
    except CaseError as exc:
        record_refusal(request, who, exc, task_id)
        raise
    return {"task": task_id, "status": "claimed"}


@router.post("/tugas/{task_id}/selesai")
def complete(request: Request, task_id: RowId, body: Completion, who: Officer = Depends(writer)) -> dict:
    try:
        service = request.app.state.service
        proof = None
        if body.passphrase is not None:  # a signature: the officer's TTE passphrase (engine.access.tte)
            proof = tte.verify(service.store, who.username, body.passphrase)
        following = service.complete(
            task_id, who.username, outcome=body.outcome, data=body.data, reason=body.reason,
            requirements=body.requirements, expected_version=body.version, proof=proof)
    except CaseError as exc:
        record_refusal(request, who, exc, task_id)
        raise
    return {"task": task_id, "status": "done", "next_task": following}
