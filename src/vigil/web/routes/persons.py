"""The person page: current facts, member records and (once built) the comprehensive report. Audited views."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, retry_locked
from vigil.web.documents import person_document
from vigil.web.roles import READ_RECORDS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["persons"])

Purpose = Annotated[str, Query(max_length=1000, description="Why you are looking (required; audited).")]


@router.get("/api/persons/{subject:path}")
def person_api(
    request: Request,
    subject: str,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    purpose: Purpose = "",
    report: Annotated[bool, Query(description="Add the comprehensive report when available.")] = True,
) -> dict[str, Any]:
    """A person by `person_id` or by the reference of one of its records (`SOURCE/ID[#party]`)."""
    return retry_locked(person_document, engine_of(request), who.actor(purpose), subject, report)


@router.get("/persons/{subject:path}", include_in_schema=False)
async def person_page(
    request: Request, subject: str, who: Annotated[SessionInfo, allow(READ_RECORDS)], purpose: Purpose = ""
) -> Response:
    if not purpose.strip():
        # Nothing is read until the user says why, as for a record.
        return render(request, "purpose.html", who, ref=subject, base="/persons/", purpose=who.purpose)
    engine = engine_of(request)
    document = await run_in_threadpool(retry_locked, person_document, engine, who.actor(purpose), subject)
    if purpose != who.purpose:
        await run_in_threadpool(accounts.remember_purpose, engine, who.token_hash, purpose)
    return render(request, "person.html", who, doc=document, purpose=purpose)
