"""Deny by default: every route names the roles it allows with `allow(...)`; CSRF on every unsafe call.

`allow(*roles)` is a FastAPI dependency. It loads the server-side session from the cookie, refuses
anonymous callers (401, or a redirect to /login for pages), callers of another role (403) and
form/API posts without the double-submit CSRF token (403). `create_app` refuses to start if any
route lacks one, and tests/web walks every route with every role.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool

from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.roles import PUBLIC, ROLES

SESSION_COOKIE = "vigil_session"
CSRF_COOKIE = "vigil_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No live session: 401 for the API, a redirect to the login page for pages."""


class Forbidden(Exception):
    """Authenticated, but the route does not allow this role (or the CSRF token is missing)."""


@dataclass(frozen=True, slots=True)
class RoleGuard:
    """The dependency `allow()` returns; its `roles` are read back by the route check and the tests."""

    roles: frozenset[str]

    async def __call__(self, request: Request) -> SessionInfo | None:
        session = None
        if PUBLIC not in self.roles:
            session = await current_session(request)
            if session is None:
                raise NotAuthenticated()
            if session.user.role not in self.roles:
                raise Forbidden(f"the {session.user.role} role may not use this")
        if request.method not in SAFE_METHODS:
            await check_csrf(request)
        return session


def allow(*roles: str | Iterable[str]) -> Any:
    """`Depends` on a guard allowing these roles (strings or groups from vigil.web.roles)."""
    flat: set[str] = set()
    for role in roles:
        flat.update([role] if isinstance(role, str) else role)
    unknown = flat - set(ROLES) - {PUBLIC}
    if unknown or not flat:
        raise ValueError(f"allow() needs known roles, got {sorted(unknown) or 'none'}")
    return Depends(RoleGuard(frozenset(flat)))


def route_roles(route: APIRoute) -> frozenset[str] | None:
    """The roles a route allows, or None when it declares none (which create_app refuses)."""
    found: list[frozenset[str]] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, RoleGuard):
            found.append(dep.call.roles)
        stack.extend(dep.dependencies)
    if not found:
        return None
    # Several guards on one route all have to pass: the allowed roles are their intersection.
    return frozenset.intersection(*found)


async def current_session(request: Request) -> SessionInfo | None:
    """The caller's live, fully logged-in session (cached on the request)."""
    if "session" not in request.scope.setdefault("vigil", {}):
        token = request.cookies.get(SESSION_COOKIE, "")
        session = None
        if token:
            app = request.app
            session = await run_in_threadpool(
                accounts.load_session, app.state.engine, token, app.state.settings
            )
            if session is not None and session.mfa_pending:
                session = None  # password given, second factor not yet: not logged in
        request.scope["vigil"]["session"] = session
    return request.scope["vigil"]["session"]


# --- CSRF: signed double-submit cookie ---


def _signer(request: Request) -> Signer:
    return Signer(request.app.state.settings.secret_key, salt="vigil-csrf")


def csrf_token(request: Request) -> str:
    """The token forms must echo (a valid signed cookie value, or a new one set on the response)."""
    state = request.scope.setdefault("vigil", {})
    if "csrf" not in state:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if cookie and _valid(request, cookie):
            state["csrf"] = cookie
        else:
            state["csrf"] = new_csrf_token(request)
            state["csrf_new"] = True
    return state["csrf"]


def new_csrf_token(request: Request) -> str:
    token = _signer(request).sign(secrets.token_urlsafe(24)).decode()
    state = request.scope.setdefault("vigil", {})
    state["csrf"], state["csrf_new"] = token, True
    return token


def _valid(request: Request, token: str) -> bool:
    try:
        _signer(request).unsign(token)
    except BadSignature:
        return False
    return True


async def check_csrf(request: Request) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    if not (cookie and sent and hmac.compare_digest(cookie, sent) and _valid(request, cookie)):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")
