"""Log in (password, then TOTP when the account has one), log out, and who am I."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.config import Actor
from vigil.web import accounts
from vigil.web.accounts import LoginStatus, SessionInfo
from vigil.web.common import (
    audit_write,
    client_ip,
    engine_of,
    safe_next,
    set_session_cookie,
    settings_of,
    user_document,
)
from vigil.web.roles import EVERYONE, PUBLIC
from vigil.web.security import SESSION_COOKIE, allow, current_session, new_csrf_token
from vigil.web.templating import render

router = APIRouter(tags=["accounts"])

THROTTLED = "Too many failed attempts. Wait 15 minutes and try again."


@router.get("/login", dependencies=[allow(PUBLIC)], include_in_schema=False)
async def login_page(request: Request, next: str = "/") -> Response:
    if await current_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next))


@router.post("/login", dependencies=[allow(PUBLIC)])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Form login; on success the session cookie is set and the browser goes to `next`."""
    engine, settings, ip = engine_of(request), settings_of(request), client_ip(request)
    result = accounts.authenticate(engine, username, password, ip, settings)
    target = safe_next(next)
    if result.status is LoginStatus.throttled:
        return render(request, "login.html", None, 429, next=target, username=username, error=THROTTLED)
    if result.status is LoginStatus.failed or result.user is None:
        error = "Wrong user name or password."
        return render(request, "login.html", None, 401, next=target, username=username, error=error)
    old = request.cookies.get(SESSION_COOKIE)
    pending = result.status is LoginStatus.mfa_required
    token = accounts.start_session(
        engine,
        result.user,
        settings,
        ip=ip,
        user_agent=request.headers.get("user-agent", ""),
        mfa_pending=pending,
        replaces=old,
    )
    if pending:
        response = RedirectResponse(f"/login/totp?next={quote(target, safe='')}", status_code=303)
    else:
        accounts.clear_failures(engine, result.user.username, ip)
        _audit_login(request, result.user, mfa=False)
        response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    new_csrf_token(request)  # a fresh CSRF token with every new session
    return response


@router.get("/login/totp", dependencies=[allow(PUBLIC)], include_in_schema=False)
def totp_page(request: Request, next: str = "/") -> Response:
    if _pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "totp.html", next=safe_next(next))


@router.post("/login/totp", dependencies=[allow(PUBLIC)])
def totp(
    request: Request,
    code: Annotated[str, Form(max_length=20)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The second step for accounts with TOTP: the 6-digit code of the authenticator app."""
    engine, settings, ip = engine_of(request), settings_of(request), client_ip(request)
    pending = _pending(request)
    target = safe_next(next)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    result = accounts.verify_totp_code(engine, pending.user, code, ip, settings)
    if result.status is LoginStatus.throttled:
        return render(request, "totp.html", None, 429, next=target, error=THROTTLED)
    if result.status is not LoginStatus.ok:
        return render(request, "totp.html", None, 401, next=target, error="Wrong or already used code.")
    token = accounts.start_session(
        engine,
        pending.user,
        settings,
        ip=ip,
        user_agent=request.headers.get("user-agent", ""),
        replaces=request.cookies.get(SESSION_COOKIE),
    )
    accounts.clear_failures(engine, pending.user.username, ip)
    _audit_login(request, pending.user, mfa=True)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    new_csrf_token(request)
    return response


@router.post("/logout")
def logout(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    """End the session (server side: the cookie is worthless afterwards)."""
    engine = engine_of(request)
    accounts.end_session(engine, request.cookies.get(SESSION_COOKIE, ""))
    audit_write(engine, who.actor(), "logout", {"ip": client_ip(request)})
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    new_csrf_token(request)
    return response


@router.get("/api/me")
def me(who: Annotated[SessionInfo, allow(EVERYONE)]) -> dict[str, Any]:
    """The logged-in user: name, role, agency."""
    return user_document(who)


def _pending(request: Request) -> SessionInfo | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    session = accounts.load_session(engine_of(request), token, settings_of(request)) if token else None
    return session if session is not None and session.mfa_pending else None


def _audit_login(request: Request, user: accounts.User, mfa: bool) -> None:
    actor = Actor(user=user.username, agency=user.agency)
    audit_write(engine_of(request), actor, "login", {"ip": client_ip(request), "totp": mfa})
