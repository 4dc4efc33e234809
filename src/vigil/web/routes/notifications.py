"""In-app notifications: new and assigned requests, deliverables, case assignments, leads, anniversaries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.web import casework, notices
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, settings_of
from vigil.web.roles import CASES, EVERYONE
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["notifications"])


def _refresh(request: Request, who: SessionInfo) -> None:
    # Anniversary reminders are due by the calendar, not by an action: written (once each) when
    # someone who works cases looks at their notices.
    if who.user.role in CASES:
        casework.remind_anniversaries(engine_of(request), settings_of(request).clock())


@router.get("/api/notifications")
def notifications_api(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> dict[str, Any]:
    """This user's notifications, newest first, and how many are unread."""
    _refresh(request, who)
    engine = engine_of(request)
    return {
        "unread": notices.unread(engine, who.user.username),
        "notifications": notices.listing(engine, who.user.username),
    }


@router.post("/api/notifications/seen")
def seen_api(
    request: Request,
    who: Annotated[SessionInfo, allow(EVERYONE)],
    ids: Annotated[list[int] | None, Form(description="these (default: all)")] = None,
) -> dict[str, Any]:
    """Mark notifications read."""
    clock = settings_of(request).clock
    marked = notices.mark_seen(engine_of(request), who.user.username, clock(), ids)
    return {"marked": marked}


@router.get("/notifications", include_in_schema=False)
def notifications_page(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    _refresh(request, who)
    items = notices.listing(engine_of(request), who.user.username)
    return render(request, "notifications.html", who, items=items)


@router.post("/notifications/seen", include_in_schema=False)
def seen_form(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    notices.mark_seen(engine_of(request), who.user.username, settings_of(request).clock())
    return RedirectResponse("/notifications", status_code=303)
