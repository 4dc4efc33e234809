"""What the analysis pages share: where a record's page is, Leaflet's presence, library errors as HTTP.

Maps are drawn by static/map.js (`window.vigilMap`) from a GeoJSON FeatureCollection the page embeds
as a JSON data block; static/map-auto.js finds those blocks. Every page shows the same facts as tables,
so it works without the scripts (or without Leaflet installed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import HTTPException

from vigil import audit
from vigil.analyze.records import UnknownReference
from vigil.web.templating import STATIC_DIR

LEAFLET_DIR = "vendor/node_modules/leaflet/dist"

# Record type -> the page that shows it best (everything else: the record page).
_PAGES = {"tip": "/tips/", "missing_case": "/cases/", "person": "/persons/"}


def leaflet_available() -> bool:
    return (STATIC_DIR / LEAFLET_DIR / "leaflet.js").is_file()


def map_context() -> dict[str, Any]:
    """Template variables of the map assets partial (_map_assets.html)."""
    return {"leaflet": leaflet_available(), "leaflet_href": f"/static/{LEAFLET_DIR}"}


def page_of(ref: str, rtype: str | None = None, purpose: str = "") -> str:
    """The URL of a record's page, with the purpose (pages ask for one when it is missing)."""
    base = _PAGES.get(rtype or "", "/records/")
    url = base + quote(ref, safe="/:@")
    return url + (f"?purpose={quote(purpose, safe='')}" if purpose else "")


class LibraryErrors:
    """Library refusals as HTTP answers (a missing purpose and unknown references have app handlers)."""

    def __init__(self, *bad_request: type[Exception]) -> None:
        self.bad_request = bad_request or (ValueError,)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if exc is None or isinstance(exc, (audit.PurposeRequired, UnknownReference, HTTPException)):
            return
        if isinstance(exc, LookupError):
            raise HTTPException(404, str(exc)) from exc
        if isinstance(exc, self.bad_request):
            raise HTTPException(400, str(exc)) from exc
