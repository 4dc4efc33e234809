"""Tips and link analysis: the tip list, a tip with its identifiers, links, potential location and
routing, and the shortest chains between two records. Thin: every answer is a library call made with
the user's purpose (audited), and the JSON is the document of the matching CLI command."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.analyze.graph import paths_between
from vigil.analyze.links import LinkSettings, tip_links
from vigil.analyze.places import record_places
from vigil.analyze.routing import route_tips
from vigil.analyze.tip_location import get_ip_locator, locate_tip
from vigil.analyze.tips import INCIDENT_TYPES, list_tips
from vigil.present import maps
from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of, retry_locked
from vigil.web.documents import record_document
from vigil.web.mapview import LibraryErrors, map_context, page_of
from vigil.web.roles import ANALYSIS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["tips"])

Purpose = Annotated[str, Query(max_length=1000, description="Why (required; audited).")]
Ref = Annotated[str, Query(max_length=420, description="The tip's reference SOURCE/ID.")]
PAGE_SIZE = 50


class TipFilters:
    """The tip list's filters; all optional."""

    def __init__(
        self,
        state: Annotated[str, Query(max_length=40, description="Reported state (code or name).")] = "",
        start: Annotated[date | None, Query(alias="from", description="Received on or after.")] = None,
        end: Annotated[date | None, Query(alias="to", description="Received on or before.")] = None,
        text: Annotated[str, Query(max_length=400, description="Any text of the tip.")] = "",
        incident_type: Annotated[str, Query(max_length=30)] = "",
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
    ) -> None:
        self.state, self.start, self.end, self.text = state.strip(), start, end, text.strip()
        self.incident_type, self.offset, self.limit = incident_type.strip(), offset, limit

    def call(self, request: Request, who: SessionInfo, purpose: str) -> dict[str, Any]:
        with LibraryErrors():
            return retry_locked(
                list_tips,
                engine_of(request),
                who.actor(purpose),
                state=self.state or None,
                start=self.start,
                end=self.end,
                text=self.text or None,
                incident_type=self.incident_type or None,
                offset=self.offset,
                limit=self.limit,
            )

    def query(self, **override: Any) -> dict[str, Any]:
        """The filters as page query parameters (for the pager's links)."""
        values = {
            "state": self.state,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "text": self.text,
            "incident_type": self.incident_type,
            "offset": self.offset,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _links(request: Request, who: SessionInfo, ref: str, purpose: str, hops: int, limit: int) -> dict:
    with LibraryErrors():
        return tip_links(engine_of(request), ref, who.actor(purpose), hops=hops, limit=limit)


def _route(request: Request, who: SessionInfo, refs: list[str], purpose: str) -> dict[str, Any]:
    with LibraryErrors():
        return route_tips(engine_of(request), refs, who.actor(purpose), ip_locator=get_ip_locator())


def _path(
    request: Request, who: SessionInfo, a: str, b: str, purpose: str, max_paths: int, max_hops: int
) -> dict[str, Any]:
    with LibraryErrors():
        document, _graph = paths_between(
            engine_of(request),
            a.strip(),
            b.strip(),
            who.actor(purpose),
            max_paths=max_paths,
            max_hops=max_hops,
            settings=LinkSettings.from_env(),
        )
    return document


# --- API ---


@router.get("/api/tips")
def tips_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    filters: Annotated[TipFilters, Depends()],
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Current tips, newest first: `{tips: [{ref, received_at, incident_type, reported_location, ...}],
    total, offset, limit}`; filter by reported state, received dates, type and any text."""
    return filters.call(request, who, purpose)


@router.get("/api/tips/links")
def tip_links_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Ref,
    purpose: Purpose = "",
    hops: Annotated[int, Query(ge=1, le=8)] = 6,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """What a tip shares with prior tips, cases and persons, as `vigil tip-links TIP --format json`."""
    return _links(request, who, ref, purpose, hops, limit)


@router.get("/api/tips/location")
def tip_location_api(
    request: Request, who: Annotated[SessionInfo, allow(ANALYSIS)], ref: Ref, purpose: Purpose = ""
) -> dict[str, Any]:
    """The tip's potential location with every clue, as `vigil tips location TIP --format json`."""
    engine = engine_of(request)
    with LibraryErrors():
        audit_write(engine, who.actor(purpose), "view", {"command": "tips location", "ref": ref}, [ref])
        with engine.connect() as conn:
            return locate_tip(conn, ref, ip_locator=get_ip_locator())


@router.get("/api/tips/route")
def tip_route_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Annotated[list[str], Query(max_length=100, description="Tip references (repeat the parameter).")],
    purpose: Purpose = "",
) -> dict[str, Any]:
    """The agency each tip should go to and why, as `vigil tips route TIP... --format json`."""
    return _route(request, who, ref, purpose)


@router.get("/api/links/path")
def path_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    a: Annotated[str, Query(max_length=440, description="Record reference, person id or KIND:VALUE.")],
    b: Annotated[str, Query(max_length=440, description="The other end.")],
    purpose: Purpose = "",
    max_paths: Annotated[int, Query(ge=1, le=10)] = 3,
    max_hops: Annotated[int, Query(ge=1, le=8)] = 4,
) -> dict[str, Any]:
    """The shortest chains of shared identifiers linking two records, as `vigil path A B --format json`."""
    return _path(request, who, a, b, purpose, max_paths, max_hops)


@router.get("/api/tips/{ref:path}")
def tip_api(
    request: Request, ref: str, who: Annotated[SessionInfo, allow(ANALYSIS)], purpose: Purpose = ""
) -> dict[str, Any]:
    """A tip as the tip page shows it: the record, its links (`tip-links`) and its route (`tips route`)."""
    return _tip(request, who, ref, purpose)


def _tip(request: Request, who: SessionInfo, ref: str, purpose: str) -> dict[str, Any]:
    engine = engine_of(request)
    with LibraryErrors():
        record = retry_locked(record_document, engine, who.actor(purpose), ref, False)
    if record["type"] != "tip":
        raise HTTPException(404, f"{ref} is a {record['type']}, not a tip")
    links = _links(request, who, ref, purpose, 6, 200)
    route = _route(request, who, [ref], purpose)["routes"][0]
    # Where the tip and the records it links to are (those with a located place), for the map.
    with engine.connect() as conn:
        places = record_places(conn, [ref, *(link["ref"] for link in links["links"])])
    return {
        "ref": ref,
        "record": record["versions"][0]["record"],
        "links": links,
        "route": route,
        "places": places,
    }


# --- the tip's map (GeoJSON as vigil.present.maps writes it, with the page each point opens) ---

# Linked record type -> the map's category (its colour in static/map.js).
_CATEGORIES = {
    "missing_case": "case",
    "person": "person",
    "incident": "incident",
    "tip": "tip",
    "lead": "lead",
}


def _link(feature: dict[str, Any], href: str, text: str) -> dict[str, Any]:
    feature["properties"].setdefault("links", []).append({"href": href, "text": text})
    return feature


def _place_text(where: dict[str, Any]) -> str:
    return ", ".join(str(p) for p in (where.get("city"), where.get("state"), where.get("zip")) if p)


def tip_map(document: dict[str, Any], purpose: str) -> dict[str, Any]:
    """The tip's reported location, its potential location (a circle when the library gives a radius),
    its own located address, and each linked record with a located place, linking to its page."""
    ref, route, places = document["ref"], document["route"], document.get("places") or {}
    features = []
    for clue in route.get("clues") or []:
        if clue["source"] == "reported_location" and clue.get("lat") is not None:
            f = maps.point(
                clue["lat"],
                clue["lon"],
                "reported",
                f"reported: {_place_text(clue)}",
                kind="reported location",
            )
            features.append(_link(f, "#tip-location", "location and clues"))
            break
    loc = route.get("location") or {}
    if loc.get("lat") is not None and loc.get("lon") is not None:
        kind = (
            f"potential location ({loc.get('geo_precision') or 'place'}), confidence {loc['confidence']:.2f}"
        )
        f = maps.point(loc["lat"], loc["lon"], "potential", f"potential: {_place_text(loc)}", kind=kind)
        features.append(_link(f, "#tip-location", "location and clues"))
        if loc.get("radius_mi"):
            ring = maps.circle(loc["lat"], loc["lon"], float(loc["radius_mi"]))
            features.append(maps.polygon(ring, "radius", f"{loc['radius_mi']:g} mi"))
    if own := places.get(ref):
        f = maps.point(
            own["lat"], own["lon"], "tip", ref, address=own.get("address"), kind="address in the tip"
        )
        features.append(_link(f, page_of(ref, None, purpose), "the record as it came"))
    for link in document["links"]["links"]:
        where = places.get(link["ref"])
        if where is None or link["ref"] == ref:
            continue
        f = maps.point(
            where["lat"],
            where["lon"],
            _CATEGORIES.get(link["type"], "other"),
            link["ref"],
            address=where.get("address"),
            kind=f"{link['type']}, score {link['score']:.2f}, {link['hops']} hop(s)",
        )
        features.append(_link(f, page_of(link["ref"], link["type"], purpose), link["ref"]))
    return maps.collection(features, f"Tip {ref}")


# --- pages ---


@router.get("/tips", include_in_schema=False)
async def tips_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    filters: Annotated[TipFilters, Depends()],
    purpose: Purpose = "",
) -> Response:
    context: dict[str, Any] = {"f": filters, "types": INCIDENT_TYPES}
    if not purpose.strip():
        # Nothing is listed until the user says why (the list names tips: it is an audited search).
        return render(request, "tips.html", who, purpose=who.purpose, **context)
    try:
        document = await run_in_threadpool(filters.call, request, who, purpose)
    except HTTPException as exc:
        return render(request, "tips.html", who, 400, purpose=purpose, error=exc.detail, **context)
    await _remember(request, who, purpose)
    offset, limit = document["offset"], document["limit"]
    pager = {
        "prev": filters.query(offset=max(0, offset - limit), purpose=purpose) if offset > 0 else None,
        "next": filters.query(offset=offset + limit, purpose=purpose)
        if offset + limit < document["total"]
        else None,
    }
    return render(
        request, "tips.html", who, purpose=purpose, result=document, pager=pager, page_of=page_of, **context
    )


@router.get("/links/path", include_in_schema=False)
async def path_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    a: Annotated[str, Query(max_length=440)] = "",
    b: Annotated[str, Query(max_length=440)] = "",
    purpose: Purpose = "",
    max_hops: Annotated[int, Query(ge=1, le=8)] = 4,
) -> Response:
    context: dict[str, Any] = {"a": a, "b": b, "max_hops": max_hops, "page_of": page_of}
    if not (a.strip() and b.strip() and purpose.strip()):
        error = "Give both ends and a purpose (the search is audited)." if a or b else None
        return render(request, "path.html", who, purpose=purpose or who.purpose, error=error, **context)
    try:
        document = await run_in_threadpool(_path, request, who, a, b, purpose, 3, max_hops)
    except HTTPException as exc:
        return render(
            request, "path.html", who, exc.status_code, purpose=purpose, error=exc.detail, **context
        )
    await _remember(request, who, purpose)
    return render(request, "path.html", who, purpose=purpose, result=document, **context)


@router.get("/tips/{ref:path}", include_in_schema=False)
async def tip_page(
    request: Request, ref: str, who: Annotated[SessionInfo, allow(ANALYSIS)], purpose: Purpose = ""
) -> Response:
    if not purpose.strip():
        return render(request, "purpose.html", who, ref=ref, base="/tips/", purpose=who.purpose)
    document = await run_in_threadpool(_tip, request, who, ref, purpose)
    await _remember(request, who, purpose)
    return render(
        request,
        "tip.html",
        who,
        doc=document,
        purpose=purpose,
        page_of=page_of,
        fc=tip_map(document, purpose),
        **map_context(),
    )


async def _remember(request: Request, who: SessionInfo, purpose: str) -> None:
    if purpose != who.purpose:
        await run_in_threadpool(accounts.remember_purpose, engine_of(request), who.token_hash, purpose)
