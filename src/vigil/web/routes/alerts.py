"""Watchlists and alerts of the user's agency: watch a person, case, record or identifier; new records
that link to it raise alerts (as do other agencies working the same subject: deconfliction).
Thin: vigil.analyze.alerts does the work and the auditing; an agency sees and changes only its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.analyze import alerts as alerts_mod
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, retry_locked
from vigil.web.mapview import LibraryErrors, page_of
from vigil.web.roles import WATCHES
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["alerts"])

DEFAULT_PURPOSE = "watchlist"
# Row ids fit a signed 64-bit integer (PostgreSQL BIGINT, SQLite INTEGER): bigger ones are no ids at all.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Purpose = Annotated[str, Query(max_length=1000, description="Why (audited); default: watchlist.")]


def _actor(who: SessionInfo, purpose: str = ""):  # type: ignore[no-untyped-def]
    return who.actor(purpose.strip() or DEFAULT_PURPOSE)


def _alerts(request: Request, who: SessionInfo, purpose: str, unseen: bool, limit: int) -> dict[str, Any]:
    return retry_locked(
        alerts_mod.list_alerts,
        engine_of(request),
        _actor(who, purpose),
        agency=who.user.agency,
        unseen_only=unseen,
        limit=limit,
    )


def _own_watch(request: Request, who: SessionInfo, watch_id: int) -> None:
    """Only the agency's own watches may be stopped (another's is "not found", not "forbidden")."""
    if not any(
        w["watch_id"] == watch_id for w in alerts_mod.list_watches(engine_of(request), who.user.agency)
    ):
        raise HTTPException(404, f"no active watch {watch_id} of {who.user.agency or 'your agency'}")


# --- API ---


@router.get("/api/alerts")
def alerts_api(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    unseen: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Checks the watches against new records, then the agency's alerts, newest first, as
    `vigil alerts --agency AGENCY --format json`: `{raised, alerts: [{alert_id, kind, subject, ref,
    reason, seen}]}`."""
    return _alerts(request, who, purpose, unseen, limit)


@router.post("/api/alerts/seen")
def seen_api(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    alert_id: Annotated[list[Id], Form(description="Alert ids (repeat the field).")],
) -> dict[str, Any]:
    """Acknowledge alerts of your agency (others' are left alone)."""
    marked = alerts_mod.mark_alerts_seen(engine_of(request), _actor(who), alert_id, agency=who.user.agency)
    return {"marked": marked}


@router.get("/api/watches")
def watches_api(request: Request, who: Annotated[SessionInfo, allow(WATCHES)]) -> dict[str, Any]:
    """Your agency's active watches, as `vigil watch list --agency AGENCY --format json`."""
    return {"watches": alerts_mod.list_watches(engine_of(request), who.user.agency)}


@router.post("/api/watches", status_code=201)
def add_watch_api(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    kind: Annotated[str, Form(pattern="^(person|case|record|identifier)$")],
    target: Annotated[
        str, Form(max_length=440, description="Person id or reference, case, record, KIND:VALUE.")
    ],
    radius_mi: Annotated[float | None, Form(gt=0, le=200)] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
    backfill: Annotated[bool, Form(description="Also alert on records already loaded.")] = False,
    purpose: Annotated[str, Form(max_length=1000)] = "",
) -> dict[str, Any]:
    """Watch something for your agency, as `vigil watch add --format json` (with deconfliction)."""
    with LibraryErrors():
        return retry_locked(
            alerts_mod.add_watch,
            engine_of(request),
            _actor(who, purpose),
            kind,
            target.strip(),
            radius_mi=radius_mi,
            note=note,
            backfill=backfill,
        )


@router.post("/api/watches/{watch_id}/remove")
def remove_watch_api(
    request: Request,
    watch_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    who: Annotated[SessionInfo, allow(WATCHES)],
) -> dict[str, Any]:
    """Stop one of your agency's watches (its alerts stay)."""
    _own_watch(request, who, watch_id)
    return {
        "watch_id": watch_id,
        "removed": alerts_mod.remove_watch(engine_of(request), _actor(who), watch_id),
    }


# --- pages ---


@router.get("/alerts", include_in_schema=False)
async def alerts_page(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    unseen: bool = False,
    error: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    document = await run_in_threadpool(_alerts, request, who, "", unseen, 200)
    watches = alerts_mod.list_watches(engine_of(request), who.user.agency)
    return render(
        request,
        "alerts.html",
        who,
        doc=document,
        watches=watches,
        unseen=unseen,
        error=error,
        page_of=page_of,
        kinds=alerts_mod.WATCH_KINDS,
    )


@router.post("/alerts/watch", include_in_schema=False)
def add_watch_form(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    kind: Annotated[str, Form(pattern="^(person|case|record|identifier)$")],
    target: Annotated[str, Form(max_length=440)],
    radius_mi: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    backfill: Annotated[bool, Form()] = False,
) -> Response:
    try:
        radius = float(radius_mi) if radius_mi.strip() else None
        add_watch_api(request, who, kind, target, radius, note, backfill)
    except (HTTPException, ValueError, LookupError) as exc:
        # The form again with the reason (the page shows it), not an error page.
        from urllib.parse import quote

        detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return RedirectResponse(f"/alerts?error={quote(str(detail)[:400])}", status_code=303)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/unwatch", include_in_schema=False)
def remove_watch_form(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    watch_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
) -> Response:
    remove_watch_api(request, watch_id, who)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/seen", include_in_schema=False)
def seen_form(
    request: Request,
    who: Annotated[SessionInfo, allow(WATCHES)],
    alert_id: Annotated[list[Id], Form()],
) -> Response:
    seen_api(request, who, alert_id)
    return RedirectResponse("/alerts", status_code=303)
