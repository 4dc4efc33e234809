"""Server-rendered pages: Jinja2 (autoescaped) with the CSRF token, the session and the asset links."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from vigil.web.accounts import SessionInfo
from vigil.web.roles import ANALYSIS, AUDIT_REVIEW, CASES, INGEST, QUICKHIT, READ_RECORDS, REQUESTS, WATCHES
from vigil.web.security import CSRF_FIELD, csrf_token

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
# Installed at setup time by `npm install --prefix src/vigil/web/static/vendor` (Makefile); the pages
# still work, unstyled, without them.
PICO_CSS = "vendor/node_modules/@picocss/pico/css/pico.min.css"

templates = Jinja2Templates(directory=HERE / "templates")


def refurl(ref: str) -> str:
    """A record reference as a URL path: "registry:TX/TX-1" keeps its slash, the rest is quoted."""
    return quote(ref, safe="/:@")


templates.env.filters["refurl"] = refurl


def nav(session: SessionInfo | None) -> list[tuple[str, str, str]]:
    """(path, label, access key) of the pages this user's role may open."""
    if session is None:
        return [("/public/counts", "Registry counts", "c")]
    role = session.user.role
    items = [("/", "Home", "h")]
    if role in READ_RECORDS:
        items.append(("/search", "Search", "s"))
        items.append(("/lookup", "Lookup", "l"))
    if role in QUICKHIT:
        items.append(("/quickhit", "Quick-hit", "q"))
        items.append(("/operations", "Operations", "o"))
    if role in CASES:
        items.append(("/cases", "Cases", "k"))
    if role in ANALYSIS:
        items.append(("/tips", "Tips", "t"))
        items.append(("/incidents", "Incidents", "i"))
    if role in WATCHES:
        items.append(("/alerts", "Alerts", "w"))
    if role in REQUESTS:
        items.append(("/requests", "Requests", "r"))
    if role in INGEST:
        items.append(("/ingest", "Load data", "u"))
    if role in INGEST | QUICKHIT:
        items.append(("/jobs", "Jobs", "j"))
    if role in AUDIT_REVIEW:
        items.append(("/audit", "Audit", "a"))
    items.append(("/notifications", "Notifications", "n"))
    items.append(("/public/counts", "Registry counts", "c"))
    return items


def unread_count(request: Request, session: SessionInfo | None) -> int:
    """Unread in-app notifications, for the badge in the navigation bar."""
    if session is None:
        return 0
    from vigil.web.notices import unread  # (import here: notices imports the store, not templates)

    return unread(request.app.state.engine, session.user.username)


def render(
    request: Request,
    name: str,
    session: SessionInfo | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    return templates.TemplateResponse(
        request,
        name,
        {
            "session": session,
            "nav": nav(session),
            "unread": unread_count(request, session),
            "csrf": csrf_token(request),
            "csrf_field": CSRF_FIELD,
            "pico": (STATIC_DIR / PICO_CSS).is_file(),
            "pico_href": f"/static/{PICO_CSS}",
            **context,
        },
        status_code=status_code,
    )
