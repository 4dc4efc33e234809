"""Geography for the interactive maps: the offline base layer (state outlines) the browser draws under
every map, served by us because the analysts' network reaches no tile server."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.present.basemap import states_geojson_bytes
from vigil.web.accounts import SessionInfo
from vigil.web.roles import EVERYONE
from vigil.web.security import allow

router = APIRouter(tags=["geo"])


@lru_cache(maxsize=1)
def _etag() -> str:
    return '"' + hashlib.sha256(states_geojson_bytes()).hexdigest()[:32] + '"'


@router.get("/api/geo/states.geojson", response_class=Response)
def states(request: Request, who: Annotated[SessionInfo, allow(EVERYONE)]) -> Response:
    """US state boundaries as a GeoJSON FeatureCollection of LineStrings (public-domain outlines)."""
    # Public geography, the same for everyone: the browser may keep it a day (it is ~0.5 MB).
    headers = {"Cache-Control": "private, max-age=86400", "ETag": _etag()}
    if request.headers.get("if-none-match") == _etag():
        return Response(status_code=304, headers=headers)
    return Response(states_geojson_bytes(), media_type="application/geo+json", headers=headers)
