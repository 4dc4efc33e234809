"""A source record as it came, with its versions: the API document and the record page. Views are audited."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of
from vigil.web.documents import record_document
from vigil.web.roles import READ_RECORDS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["records"])

Purpose = Annotated[str, Query(max_length=1000, description="Why you are looking (required; audited).")]


@router.get("/api/records/{ref:path}")
def record_api(
    request: Request,
    ref: str,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    purpose: Purpose = "",
    history: bool = True,
) -> dict[str, Any]:
    """The record `SOURCE/ID` with every version (what changed in each), as `vigil record --history`."""
    return _document(request, who, ref, purpose, history)


@router.get("/records/{ref:path}", include_in_schema=False)
def record_page(
    request: Request, ref: str, who: Annotated[SessionInfo, allow(READ_RECORDS)], purpose: Purpose = ""
) -> Response:
    if not purpose.strip():
        # Nothing is read until the user says why: ask, offering the last purpose given.
        return render(request, "purpose.html", who, ref=ref, purpose=who.purpose)
    engine = engine_of(request)
    document = _document(request, who, ref, purpose)
    if purpose != who.purpose:
        accounts.remember_purpose(engine, who.token_hash, purpose)
    for version in document["versions"]:
        version["pretty"] = orjson.dumps(version["record"], option=orjson.OPT_INDENT_2).decode()
    return render(request, "record.html", who, doc=document, purpose=purpose)


def _document(
    request: Request, who: SessionInfo, ref: str, purpose: str, history: bool = True
) -> dict[str, Any]:
    try:
        return record_document(engine_of(request), who.actor(purpose), ref, history)
    except ValueError as exc:  # not SOURCE/ID at all: the caller's mistake, not the server's
        raise HTTPException(400, str(exc)) from exc
