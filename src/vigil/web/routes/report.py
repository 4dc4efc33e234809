"""The comprehensive report (`vigil report PERSON`) as JSON, HTML or PDF, when vigil.analyze.report is there.

The report module is built alongside the web application: without it these routes answer 501 and the
person page shows its facts only.
"""

from __future__ import annotations

import importlib
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from vigil.analyze.records import UnknownReference
from vigil.audit import PurposeRequired
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of
from vigil.web.roles import READ_RECORDS
from vigil.web.security import allow

router = APIRouter(tags=["persons"])


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@router.get("/api/report/{subject:path}", response_model=None)
async def report_api(
    request: Request,
    subject: str,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    purpose: Annotated[str, Query(max_length=1000, description="Why (required; audited).")] = "",
    format: Annotated[str, Query(pattern="^(json|html|pdf)$")] = "json",
    sections: Annotated[str, Query(max_length=200, description="comma-separated; default all")] = "",
    as_of: Annotated[str, Query(max_length=10, description="assess compliance as of YYYY-MM-DD")] = "",
    show_ssn: bool = False,
) -> Response | dict[str, Any]:
    """The comprehensive report on a person id or record reference, as `vigil report --format json`."""
    report = _module("vigil.analyze.report")
    if report is None or not hasattr(report, "build_report"):
        raise HTTPException(501, "the comprehensive report is not installed in this version")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise HTTPException(400, f"as_of: a date YYYY-MM-DD, got {as_of!r}") from exc
    try:
        document = await run_in_threadpool(
            report.build_report,
            engine_of(request),
            who.actor(purpose),
            subject,
            sections=sections or None,
            as_of=day,
            show_ssn=show_ssn,
        )
    except (PurposeRequired, UnknownReference):
        raise
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except (ValueError, LookupError) as exc:
        raise HTTPException(400, str(exc)) from exc
    stem = "report-" + re.sub(r"[^A-Za-z0-9._-]", "_", document.get("person_id") or subject)
    if format == "html":
        html = _module("vigil.present.report_html")
        if html is None:
            raise HTTPException(501, "HTML reports are not installed in this version")
        body = html.report_html(document)
        # A download, not a page of ours: it carries its own styles, which our CSP would block.
        return Response(
            body,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.html"'},
        )
    if format == "pdf":
        pdf = _module("vigil.present.report_pdf")
        if pdf is None:
            raise HTTPException(501, "PDF reports are not installed in this version")
        body = await run_in_threadpool(pdf.report_pdf, document)
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'},
        )
    return JSONResponse(jsonable_encoder(document))
