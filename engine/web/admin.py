"""The admin page: an office's users, their roles, passwords and whether they may sign in. Only users
marked admin (`layanan user add --admin`) see it, and only for their own office."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from engine.access import policy
from engine.cases.queries import worklist
from engine.errors import CaseError, Forbidden, InvalidInput, NotFound
from engine.store.models import Task, User

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


def _held(service, office_id: str) -> dict[int, int]:
    """How many tasks each officer of the office has taken and not finished."""
    with service.store.read() as s:
        return dict(s.execute(select(Task.assignee_id, func.count()).where(Task.office_id == office_id,
                                                                          Task.status == "claimed")
                              .group_by(Task.assignee_id)).all())


def _page(request: Request, who: Officer, status_code: int = 200, **context):
    service = request.app.state.service
    office = service.library.offices[who.office_id]
    return render(request, "admin_users.html.j2", who, status_code=status_code, users=_users(service, who.office_id),
                  roles=office.roles, role_name=office.role_name, held=_held(service, who.office_id),
                  office_name=office.name, **context)


@router.get("/admin/pengguna", response_class=HTMLResponse)
def users_page(request: Request, ubah: str = "", who: Officer = Depends(admin)):
    form = None
    if ubah:  # the form filled with this user's details, to change them
        user = next((u for u in _users(request.app.state.service, who.office_id) if u.username == ubah), None)
        if user is not None:
            form = {"username": user.username, "full_name": user.full_name, "roles": sorted(user.role_ids),
                    "active": user.active}
    return _page(request, who, saved=request.query_params.get("tersimpan"),
                 moved=request.query_params.get("dialihkan"), form=form)


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
        active = form.get("active") == "1"
        if not active and service.held_tasks(username):  # nothing stays stuck with someone who has left
            service.reassign_tasks(who.username, username, None, reason="Petugas dinonaktifkan oleh admin")
        service.directory.set_active(username, active)
    except CaseError as exc:
        record_refusal(request, who, exc)
        return _page(request, who, status_code=403 if isinstance(exc, Forbidden) else 400, error=exc.message,
                     error_field=exc.field,
                     form={"username": username, "full_name": form.get("full_name", ""), "roles": roles})
    return RedirectResponse(f"/admin/pengguna?tersimpan={username}", status_code=303)


@router.get("/admin/pengguna/{username}/alihkan", response_class=HTMLResponse)
def reassign_page(request: Request, username: str, who: Officer = Depends(admin)):
    return _reassign_view(request, username, who)


def _reassign_view(request: Request, username: str, who: Officer, status_code: int = 200, **context):
    """The tasks an officer holds and to whom they can go: colleagues holding each task's role."""
    service = request.app.state.service
    office = service.library.offices[who.office_id]
    users = _users(service, who.office_id)
    holder = next((u for u in users if u.username == username), None)
    if holder is None:
        raise NotFound(f"pengguna '{username}' tidak ada di kantor ini", "holder")
    tasks = [r for r in worklist(service.store, office=who.office_id, roles=sorted(holder.role_ids), limit=1000)
             if r["assignee"] == username] if holder.role_ids else []
    needed = {r["role"] for r in tasks}
    candidates = [u for u in users if u.active and u.username != username and needed <= set(u.role_ids)]
    return render(request, "admin_reassign.html.j2", who, status_code=status_code,
                  holder=holder, tasks=tasks, candidates=candidates, role_name=office.role_name, **context)


@router.post("/admin/pengguna/{username}/alihkan", response_class=HTMLResponse)
async def reassign(request: Request, username: str, who: Officer = Depends(admin)):
    service = request.app.state.service
    form = await submitted_form(request, who)
    to = str(form.get("to") or "").strip() or None
    reason = str(form.get("reason") or "")
    try:
        moved = await service.reassign_tasks_async(who.username, username, to, reason=reason)
    except CaseError as exc:
        record_refusal(request, who, exc)
        return _reassign_view(request, username, who, status_code=403 if isinstance(exc, Forbidden) else 400,
                             error=exc.message, error_field=exc.field, chosen=to, reason=reason)
    return RedirectResponse(f"/admin/pengguna?dialihkan={username}:{moved}", status_code=303)
