"""Small helpers the route modules share: client address, safe redirects, cookies, the audit actor."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import Engine
from starlette.responses import Response

from vigil.web.accounts import SessionInfo
from vigil.web.jobs import JobRunner
from vigil.web.security import SESSION_COOKIE
from vigil.web.settings import WebSettings


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def settings_of(request: Request) -> WebSettings:
    return request.app.state.settings


def jobs_of(request: Request) -> JobRunner:
    return request.app.state.jobs


def client_ip(request: Request) -> str:
    # The direct peer only: X-Forwarded-For is trivially forged unless a known proxy sets it.
    return request.client.host if request.client else ""


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another site, "//host") goes home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).cookie_secure,
        path="/",
    )


def user_document(session: SessionInfo) -> dict[str, Any]:
    return {
        "username": session.user.username,
        "role": session.user.role,
        "agency": session.user.agency,
        "totp": session.user.has_totp,
        "last_purpose": session.purpose,
    }
