"""Liveness (open) and the OpenAPI description (any logged-in user)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from vigil.web.common import engine_of
from vigil.web.roles import EVERYONE, PUBLIC
from vigil.web.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, allow

router = APIRouter()


@router.get("/healthz", dependencies=[allow(PUBLIC)], tags=["system"])
def healthz(request: Request) -> JSONResponse:
    """200 when the store answers, 503 when it does not."""
    try:
        with engine_of(request).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure of the store is "not healthy", never a traceback to the caller
        return JSONResponse({"status": "unavailable"}, 503)
    return JSONResponse({"status": "ok"})


@router.get("/openapi.json", dependencies=[allow(EVERYONE)], include_in_schema=False)
def openapi(request: Request) -> dict[str, Any]:
    schema = request.app.openapi()
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
        "csrf": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": f"for POST: the value of the {CSRF_COOKIE} cookie",
        },
    }
    schema["security"] = [{"session": [], "csrf": []}]
    return schema
