"""Person search by name, DOB, SSN, phone, e-mail, screen name, plate: API and page. Searches are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.audit import PurposeRequired
from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, retry_locked
from vigil.web.documents import SEARCH_FIELDS, search_document
from vigil.web.roles import READ_RECORDS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["search"])


class SearchFields:
    """The search form's fields; each is optional, at least one is needed."""

    def __init__(
        self,
        name: Annotated[str, Query(max_length=400, description="Full name, any order.")] = "",
        dob: Annotated[str, Query(max_length=40, description="Date of birth YYYY-MM-DD.")] = "",
        ssn: Annotated[str, Query(max_length=40, description="SSN (one-digit errors tolerated).")] = "",
        phone: Annotated[str, Query(max_length=40, description="Phone, any format.")] = "",
        email: Annotated[str, Query(max_length=320)] = "",
        screen_name: Annotated[str, Query(max_length=400, description="PLATFORM/HANDLE.")] = "",
        plate: Annotated[str, Query(max_length=20, description="Licence plate; ? for unknown.")] = "",
    ) -> None:
        self.values = {
            "name": name,
            "dob": dob,
            "ssn": ssn,
            "phone": phone,
            "email": email,
            "screen_name": screen_name,
            "plate": plate,
        }

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v.strip()}


@router.get("/api/search")
def search_api(
    request: Request,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    fields: Annotated[SearchFields, Depends()],
    purpose: Annotated[str, Query(max_length=1000, description="Why (required; audited).")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    show_ssn: Annotated[bool, Query(description="Unmask SSNs (roles that may).")] = False,
) -> dict[str, Any]:
    """Ranked persons with score and reasons, as `vigil search --format json`."""
    try:
        return retry_locked(
            search_document, engine_of(request), who.actor(purpose), fields.given(), limit, show_ssn
        )
    except PurposeRequired:
        raise
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/search", include_in_schema=False)
async def search_page(
    request: Request,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    fields: Annotated[SearchFields, Depends()],
    purpose: Annotated[str, Query(max_length=1000)] = "",
) -> Response:
    context: dict[str, Any] = {"values": fields.values, "field_names": SEARCH_FIELDS}
    if not fields.given():
        return render(request, "search.html", who, purpose=purpose or who.purpose, **context)
    if not purpose.strip():
        error = "Say why you are searching (purpose): every search is audited."
        return render(request, "search.html", who, 400, purpose="", error=error, **context)
    engine = engine_of(request)
    try:
        document = await run_in_threadpool(
            retry_locked, search_document, engine, who.actor(purpose), fields.given()
        )
    except ValueError as exc:
        return render(request, "search.html", who, 400, purpose=purpose, error=str(exc), **context)
    if purpose != who.purpose:
        await run_in_threadpool(accounts.remember_purpose, engine, who.token_hash, purpose)
    return render(request, "search.html", who, purpose=purpose, result=document, **context)
