"""A record's (or person's, or identifier's) neighbourhood in the link graph: the records within one or two
hops and the identifiers and persons joining them, as a Cytoscape chart with a table under it. Thin: one
audited library call (`vigil.analyze.graph.neighbours`) with the user's purpose; the JSON is the
document of `vigil links neighbours X --format json`. SSN nodes are masked unless asked and allowed, as
on the person page."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.analyze.graph import graph_document, neighbours
from vigil.analyze.links import LinkSettings
from vigil.web import accounts
from vigil.web.accounts import SessionInfo
from vigil.web.common import engine_of, retry_locked
from vigil.web.mapview import LibraryErrors, page_of
from vigil.web.person_charts import GRAPH_MAX_NODES, graph_data, mask_ssns, vendor_assets
from vigil.web.roles import ANALYSIS
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["links"])

Purpose = Annotated[str, Query(max_length=1000, description="Why (required; audited).")]
Start = Annotated[str, Query(max_length=440, description="Record reference, person id or KIND:VALUE.")]
Hops = Annotated[int, Query(ge=1, le=2, description="Record-to-record hops (1 or 2).")]
ShowSsn = Annotated[bool, Query(description="Unmask SSN nodes (roles that may).")]


def _csv(text: str) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] or None


def _neighbours(
    request: Request,
    who: SessionInfo,
    ref: str,
    purpose: str,
    hops: int,
    max_nodes: int,
    types: str = "",
    kinds: str = "",
    include_hubs: bool = False,
    show_ssn: bool = False,
) -> tuple[dict[str, Any], nx.Graph]:
    """`vigil links neighbours REF --hops N --format json`, SSN nodes masked unless `show_ssn`."""
    actor = who.actor(purpose)
    if show_ssn and not actor.may_see_ssn:
        raise HTTPException(403, f"the {actor.role} role may not unmask SSNs")
    with LibraryErrors():
        document, graph = neighbours(
            engine_of(request),
            ref.strip(),
            actor,
            hops=hops,
            types=_csv(types),
            kinds=_csv(kinds),
            include_hubs=include_hubs,
            settings=LinkSettings.from_env(),
            max_nodes=max_nodes,
        )
    if not show_ssn:
        masked = mask_ssns(graph)
        if masked is not graph:
            graph = masked
            document = {**document, **graph_document(graph)}
            if document["center_node"] not in graph:  # the start was an SSN itself
                document["center_node"] = next(
                    (n for n, d in graph.nodes(data=True) if d.get("identifier_kind") == "ssn"), None
                )
                document["center"] = (
                    graph.nodes[document["center_node"]]["label"] if document["center_node"] else ""
                )
    return document, graph


@router.get("/api/links/neighbours")
def neighbours_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Start,
    purpose: Purpose = "",
    hops: Hops = 2,
    types: Annotated[
        str, Query(max_length=200, description="Only these record types, comma-separated.")
    ] = "",
    kinds: Annotated[str, Query(max_length=200, description="Only these identifier kinds.")] = "",
    include_hubs: bool = False,
    max_nodes: Annotated[int, Query(ge=10, le=5000)] = 5000,
    show_ssn: ShowSsn = False,
) -> dict[str, Any]:
    """Records, identifiers and persons within `hops` record hops of `ref`, as `vigil links neighbours
    REF --format json`: `{center, center_node, hops, nodes: [{id, kind, ...}], edges: [{source, target,
    kind, ...}], deconfliction}`."""
    document, _ = retry_locked(
        _neighbours, request, who, ref, purpose, hops, max_nodes, types, kinds, include_hubs, show_ssn
    )
    return document


@router.get("/links/neighbours", include_in_schema=False)
async def neighbours_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Annotated[str, Query(max_length=440)] = "",
    purpose: Purpose = "",
    hops: Hops = 1,
    show_ssn: ShowSsn = False,
) -> Response:
    context: dict[str, Any] = {"ref": ref, "hops": hops, "page_of": page_of, "assets": vendor_assets()}
    if not (ref.strip() and purpose.strip()):
        error = "Say why you are looking (purpose): the search is audited." if ref.strip() else None
        return render(request, "neighbours.html", who, purpose=purpose or who.purpose, error=error, **context)
    try:
        document, graph = await run_in_threadpool(
            retry_locked,
            _neighbours,
            request,
            who,
            ref,
            purpose,
            hops,
            GRAPH_MAX_NODES,
            "",
            "",
            False,
            show_ssn,
        )
    except HTTPException as exc:
        return render(
            request, "neighbours.html", who, exc.status_code, purpose=purpose, error=exc.detail, **context
        )
    if purpose != who.purpose:
        await run_in_threadpool(accounts.remember_purpose, engine_of(request), who.token_hash, purpose)
    center = document["center_node"] or ""
    chart = graph_data(
        graph, {"refs": [center.removeprefix("record:")] if center.startswith("record:") else []}
    )
    chart["center"] = center
    degree = dict(graph.degree())
    rows = sorted(
        chart["nodes"],
        key=lambda n: (n["id"] != center, {"person": 0, "record": 1}.get(n["kind"], 2), str(n.get("label"))),
    )
    return render(
        request,
        "neighbours.html",
        who,
        purpose=purpose,
        doc=document,
        chart=chart,
        rows=rows,
        degree=degree,
        truncated=graph.number_of_nodes() >= GRAPH_MAX_NODES,
        max_nodes=GRAPH_MAX_NODES,
        **context,
    )
