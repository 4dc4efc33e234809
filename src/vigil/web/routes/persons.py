"""The person page: current facts, member records and (once built) the comprehensive report. Audited views."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.present.graph_export import EXPORT_FORMATS
from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, retry_locked
from vigil.web.documents import person_document
from vigil.web.person_charts import MAP_FORMATS, graph_export, map_export, person_charts, vendor_assets
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
    charts = await run_in_threadpool(retry_locked, person_charts, engine, who.actor(purpose), document)
    return render(
        request,
        "person.html",
        who,
        doc=document,
        purpose=purpose,
        charts=charts,
        assets=vendor_assets(),
        graph_formats=GRAPH_LINKS,
    )


# Export links under the link chart: (format, label); i2 comes as a zip of its entities and links CSVs.
GRAPH_LINKS = (
    ("graphml", "GraphML"),
    ("i2", "i2 CSV"),
    ("gexf", "GEXF"),
    ("anx", "i2 ANX"),
    ("maltego", "Maltego"),
)


@router.get("/api/person-graph/{subject:path}", response_class=Response)
def person_graph_export(
    request: Request,
    subject: str,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    purpose: Purpose = "",
    format: Annotated[str, Query(description=f"one of {', '.join(EXPORT_FORMATS)}")] = "graphml",
    show_ssn: Annotated[bool, Query(description="unmask SSN nodes (roles that may)")] = False,
) -> Response:
    """The person's link chart (records, identifiers, persons within two hops) as a file for i2, Gephi,
    Maltego or any GraphML reader. Audited as an export."""
    if format not in EXPORT_FORMATS:
        raise HTTPException(400, f"format is one of {', '.join(EXPORT_FORMATS)}")
    engine, actor = engine_of(request), who.actor(purpose)
    document = retry_locked(person_document, engine, actor, subject)  # with the report: its links are charted
    try:
        body, name, media = retry_locked(graph_export, engine, actor, document, format, show_ssn)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    return _download(body, name, media)


@router.get("/api/person-map/{subject:path}", response_class=Response)
def person_map_export(
    request: Request,
    subject: str,
    who: Annotated[SessionInfo, allow(READ_RECORDS)],
    purpose: Purpose = "",
    format: Annotated[str, Query(description="geojson or kml")] = "geojson",
) -> Response:
    """The report's map (residences, employment, sightings, the path through them) as GeoJSON or KML."""
    if format not in MAP_FORMATS:
        raise HTTPException(400, f"format is one of {', '.join(MAP_FORMATS)}")
    body, name, media = retry_locked(map_export, engine_of(request), who.actor(purpose), subject, format)
    return _download(body, name, media)


def _download(body: bytes, name: str, media: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
