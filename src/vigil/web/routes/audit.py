"""The audit log for supervisors and admins: filtered list, CSV export (audited itself), chain check."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, select
from starlette.responses import Response

from vigil import audit
from vigil.store.tables import audit_log
from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of
from vigil.web.roles import AUDIT_REVIEW
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["audit"])

MAX_LIST = 5000
COLUMNS = ("id", "at", "user", "agency", "action", "purpose", "query", "result_refs")


class Filters:
    """Who, what and when: the same filters for the list, the page and the export."""

    def __init__(
        self,
        user: Annotated[str, Query(max_length=200)] = "",
        action: Annotated[str, Query(max_length=40)] = "",
        since: Annotated[str, Query(max_length=10, description="first day YYYY-MM-DD (UTC)")] = "",
        until: Annotated[str, Query(max_length=10, description="last day YYYY-MM-DD (UTC), inclusive")] = "",
    ) -> None:
        self.user, self.action = user.strip(), action.strip()
        self.since, self.until = _day(since, "since"), _day(until, "until")

    def document(self) -> dict[str, Any]:
        given = {"user": self.user, "action": self.action, "since": self.since, "until": self.until}
        return {k: v for k, v in given.items() if v}

    def select(self, limit: int | None):  # type: ignore[no-untyped-def]
        stmt = select(audit_log).order_by(audit_log.c.id.desc())
        if self.user:
            stmt = stmt.where(audit_log.c.user == self.user)
        if self.action:
            stmt = stmt.where(audit_log.c.action == self.action)
        if self.since:
            stmt = stmt.where(audit_log.c.at >= datetime.combine(self.since, time.min))
        if self.until:
            stmt = stmt.where(audit_log.c.at < datetime.combine(self.until + timedelta(days=1), time.min))
        return stmt.limit(limit) if limit else stmt


def _entries(engine: Engine, filters: Filters, limit: int | None) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        for row in conn.execute(filters.select(limit)):
            yield {
                "id": row.id,
                "at": row.at,
                "user": row.user,
                "agency": row.agency,
                "action": row.action,
                "purpose": row.purpose,
                "query": orjson.loads(row.query),
                "result_refs": orjson.loads(row.result_refs),
            }


@router.get("/api/audit")
def audit_api(
    request: Request,
    who: Annotated[SessionInfo, allow(AUDIT_REVIEW)],
    filters: Annotated[Filters, Depends()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> dict[str, Any]:
    """Newest entries first, as `vigil audit list --format json`."""
    engine = engine_of(request)
    audit_write(engine, who.actor(), "audit_view", filters.document())
    return {"entries": list(_entries(engine, filters, limit))}


@router.get("/api/audit.csv")
def audit_csv(
    request: Request,
    who: Annotated[SessionInfo, allow(AUDIT_REVIEW)],
    filters: Annotated[Filters, Depends()],
    purpose: Annotated[str, Query(max_length=1000, description="Why (required; audited).")] = "",
) -> Response:
    """Every matching entry as CSV (an export: it needs a purpose and is audited)."""
    engine = engine_of(request)
    audit_write(engine, who.actor(purpose), "export", {"what": "audit_log", **filters.document()})

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for entry in _entries(engine, filters, None):
            writer.writerow(
                [
                    entry["id"],
                    entry["at"].isoformat(),
                    _cell(entry["user"]),
                    _cell(entry["agency"]),
                    entry["action"],
                    _cell(entry["purpose"]),
                    _cell(orjson.dumps(entry["query"], default=str).decode()),
                    _cell(";".join(entry["result_refs"])),
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vigil-audit-{stamp}.csv"'},
    )


@router.get("/api/audit/verify")
def audit_verify(request: Request, who: Annotated[SessionInfo, allow(AUDIT_REVIEW)]) -> dict[str, Any]:
    """Recompute the hash chain: `ok` false and the first altered entry when it does not hold."""
    check = audit.verify(engine_of(request))
    return {"entries": check.entries, "ok": check.ok, "first_bad_id": check.first_bad_id}


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    who: Annotated[SessionInfo, allow(AUDIT_REVIEW)],
    filters: Annotated[Filters, Depends()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 200,
) -> Response:
    engine = engine_of(request)
    audit_write(engine, who.actor(), "audit_view", filters.document())
    entries = list(_entries(engine, filters, limit))
    return render(request, "audit.html", who, entries=entries, filters=filters, limit=limit)


def _day(value: str, name: str) -> date | None:
    # Plain strings, so an empty form field means "no limit" instead of a validation error.
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise HTTPException(400, f"{name}: a date YYYY-MM-DD, got {value!r}") from exc


def _cell(value: str) -> str:
    # Spreadsheet programs run cells starting with = + - @ as formulas: defuse them in exports.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
