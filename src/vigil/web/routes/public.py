"""The one public page: registered-offender counts per state with their as-of date. No login, no names."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.analyze.registry_counts import registry_counts
from vigil.web.common import engine_of
from vigil.web.roles import PUBLIC
from vigil.web.security import allow, current_session
from vigil.web.templating import render

router = APIRouter(tags=["public"])


@router.get("/public/registry-counts", dependencies=[allow(PUBLIC)])
def counts(request: Request) -> dict[str, Any]:
    """Registered offenders per state (deceased and moved-out registrations excluded), with as-of dates."""
    return registry_counts(engine_of(request))


@router.get("/public/counts", dependencies=[allow(PUBLIC)], include_in_schema=False)
async def counts_page(request: Request) -> Response:
    document = await run_in_threadpool(registry_counts, engine_of(request))
    return render(request, "public_counts.html", await current_session(request), counts=document)
