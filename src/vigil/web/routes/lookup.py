"""Exact identifier lookup (phone, e-mail, SSN, plate...): API and page. Every lookup is an audited search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of
from vigil.web.documents import IDENTIFIER_KINDS, lookup_document
from vigil.web.roles import READ_RECORDS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["search"])


@router.get("/api/lookup")
def lookup_api(
    request: Request,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    kind: Annotated[str, Query(description=", ".join(IDENTIFIER_KINDS))],
    value: Annotated[str, Query(max_length=400)],
    purpose: Annotated[str, Query(max_length=1000, description="Why (required; audited).")] = "",
) -> dict[str, Any]:
    """Records holding exactly this identifier (normalized first), as `vigil lookup --format json`."""
    try:
        return lookup_document(engine_of(request), who.actor(purpose), kind, value)
    except ValueError as exc:
        raise HTTPException(400, f"{kind} {value!r}: {exc}") from exc


@router.get("/lookup", include_in_schema=False)
def lookup_page(
    request: Request,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    kind: Annotated[str, Query(max_length=40)] = "phone",
    value: Annotated[str, Query(max_length=400)] = "",
    purpose: Annotated[str, Query(max_length=1000)] = "",
) -> Response:
    context: dict[str, Any] = {"kinds": IDENTIFIER_KINDS, "kind": kind, "value": value}
    if not value.strip():
        return render(request, "home.html", who, purpose=purpose or who.purpose, **context)
    if not purpose.strip():
        error = "Say why you are searching (purpose): every search is audited."
        return render(request, "home.html", who, 400, purpose="", error=error, **context)
    engine = engine_of(request)
    try:
        document = lookup_document(engine, who.actor(purpose), kind, value)
    except ValueError as exc:
        return render(request, "home.html", who, 400, purpose=purpose, error=f"{kind}: {exc}", **context)
    if purpose != who.purpose:
        accounts.remember_purpose(engine, who.token_hash, purpose)
    return render(request, "home.html", who, purpose=purpose, result=document, **context)
