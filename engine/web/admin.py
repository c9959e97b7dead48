"""The admin page: an office's users, their roles, passwords and whether they may sign in. Only users
marked admin (`layanan user add --admin`) see it, and only for their own office."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine.access import policy
from engine.errors import CaseError, Forbidden, InvalidInput
from engine.store.models import User

from .auth import Officer, hash_password, password_problem
from .views import officer, record_refusal, render, submitted_form

router = APIRouter(include_in_schema=False)


def admin(request: Request, who: Officer = Depends(officer)) -> Officer:
    problem = policy.refusal(who.actor, "users.manage", policy.Target(office_id=who.office_id))
    if problem:
        request.app.state.service.record_refusal(who.username, problem)
        raise Forbidden(problem, "admin")
    return who


def _users(service, office_id: str) -> list[User]:
    with service.store.read() as s:
        return s.scalars(select(User).options(joinedload(User.roles)).where(User.office_id == office_id)
                         .order_by(User.username)).unique().all()


def _page(request: Request, who: Officer, status_code: int = 200, **context):
    service = request.app.state.service
    office = service.library.offices[who.office_id]
    return render(request, "admin_users.html.j2", who, status_code=status_code, users=_users(service, who.office_id),
                   roles=office.roles, role_name=office.role_name, **context)


@router.get("/admin/pengguna", response_class=HTMLResponse)
def users_page(request: Request, who: Officer = Depends(admin)):
    return _page(request, who, saved=request.query_params.get("tersimpan"))


@router.post("/admin/pengguna", response_class=HTMLResponse)
async def save_user(request: Request, who: Officer = Depends(admin)):
    service = request.app.state.service
    form = await submitted_form(request, who)
    username = str(form.get("username", "")).strip()
    roles = [str(r) for r in form.getlist("roles")]
    password = str(form.get("password", ""))
    try:
        if not username:
            raise InvalidInput("wajib diisi", "username")
        with service.store.read() as s:
            existing = s.scalar(select(User.office_id).where(User.username == username))
        if existing is not None and not policy.allowed(who.actor, "users.manage",
                                                       policy.Target(office_id=existing)):
            raise Forbidden("nama pengguna ini milik kantor lain", "username")
        full_name = str(form.get("full_name") or username).strip()
        if password and (problem := password_problem(password, username=username, full_name=full_name,
                                                     office=who.office_id)):
            raise InvalidInput(problem, "password")
        service.directory.add_user(username, full_name, who.office_id, roles)
        if password:
            service.directory.set_password(username, hash_password(password))
        service.directory.set_active(username, form.get("active") == "1")
    except CaseError as exc:
        record_refusal(request, who, exc)
        return _page(request, who, status_code=403 if isinstance(exc, Forbidden) else 400, error=exc.message,
                     error_field=exc.field,
                     form={"username": username, "full_name": form.get("full_name", ""), "roles": roles})
    return RedirectResponse(f"/admin/pengguna?tersimpan={username}", status_code=303)
