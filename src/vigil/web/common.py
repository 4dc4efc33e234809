"""Small helpers the route modules share: client address, safe redirects, cookies, the audit actor."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.responses import Response

from vigil import audit
from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.web.accounts import SessionInfo
from vigil.web.jobs import JobRunner
from vigil.web.security import SESSION_COOKIE
from vigil.web.settings import WebSettings

T = TypeVar("T")


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


def audit_write(
    engine: Engine, actor: Actor, action: str, query: dict[str, Any] | None = None, refs: Sequence[str] = ()
) -> None:
    """`vigil.audit.write` holding the write lock from the start: on SQLite a transaction that reads the
    chain's last hash and then appends loses the race to a concurrent writer ("database is locked");
    BEGIN IMMEDIATE makes concurrent requests queue for the lock instead."""
    with write_transaction(engine) as conn:
        audit.write(conn, actor, action, query, refs)


def retry_locked(work: Callable[..., T], *args: Any, tries: int = 8, **kwargs: Any) -> T:
    """Run `work`, again when SQLite said "database is locked" (a library call's own audit append lost
    the race for the write lock to another request; nothing was written, so running again is safe)."""
    for attempt in range(tries):
        try:
            return work(*args, **kwargs)
        except OperationalError as exc:
            if "database is locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.01 * 2**attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")
