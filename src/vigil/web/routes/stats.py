"""What the store holds (the document of `vigil stats --format json`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from vigil.analyze.stats import store_stats
from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of
from vigil.web.roles import STORE_STATS
from vigil.web.security import allow

router = APIRouter(tags=["store"])


@router.get("/api/stats")
def stats(request: Request, who: Annotated[SessionInfo, allow(STORE_STATS)]) -> dict[str, Any]:
    """Counts by record type, source, identifier kind, registration state and status."""
    engine = engine_of(request)
    document = store_stats(engine)
    audit_write(engine, who.actor(), "stats")
    return document
