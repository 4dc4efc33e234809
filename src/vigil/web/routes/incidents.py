"""Attempted abductions and related incidents: the list with a map and its series, the series with
their members and ranked registered offenders (analysts confirm or reject links), trends, and what is
near a missing-child case. Thin: library calls with the user's purpose; JSON as the CLI prints it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigil.analyze import nearby as nearby_mod
from vigil.analyze import series as series_mod
from vigil.analyze import series_offenders as offenders_mod
from vigil.analyze.incidents import load_incidents
from vigil.analyze.summary import incident_row, incident_summary
from vigil.analyze.trends import trends
from vigil.present import maps
from vigil.web import accounts, casework
from vigil.web.accounts import SessionInfo
from vigil.web.common import audit_write, engine_of, retry_locked, settings_of
from vigil.web.mapview import LibraryErrors, map_context, page_of
from vigil.web.roles import ANALYSIS, SERIES_DECIDE
from vigil.web.security import allow
from vigil.web.templating import render

router = APIRouter(tags=["incidents"])

Purpose = Annotated[str, Query(max_length=1000, description="Why (required; audited).")]
DEFAULT_DAYS = 365
# Missing-child categories where the first hours count: the nearby page offers these cases first.
CRITICAL = ("nonfamily_abduction", "lost_injured", "critical_other", "family_abduction")


class Window:
    """Incidents from `from` to `to` (default: the last year) in a state (`region`)."""

    def __init__(
        self,
        request: Request,
        start: Annotated[
            date | None, Query(alias="from", description="First day (default: a year ago).")
        ] = None,
        end: Annotated[
            date | None, Query(alias="to", description="Last day, inclusive (default: today).")
        ] = None,
        region: Annotated[str, Query(max_length=2, pattern="^([A-Za-z]{2})?$", description="State.")] = "",
    ) -> None:
        self.end = end or settings_of(request).clock().date()
        self.start = start or self.end - timedelta(days=DEFAULT_DAYS)
        if self.end < self.start:
            raise HTTPException(400, "'to' is before 'from'")
        self.region = region.upper() or None

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "region": self.region or ""}


class SeriesQuery:
    """The series run's knobs, as `vigil series` takes them."""

    def __init__(
        self,
        max_miles: Annotated[float, Query(gt=0, le=500)] = 25.0,
        max_days: Annotated[float, Query(gt=0, le=3650)] = 90.0,
        min_size: Annotated[int, Query(ge=2, le=100)] = 2,
        offenders: bool = True,
        offender_radius_mi: Annotated[float, Query(gt=0, le=200)] = 10.0,
        top_offenders: Annotated[int, Query(ge=1, le=20)] = 3,
        min_offender_score: Annotated[float, Query(ge=0, le=1)] = 0.01,
        involving: Annotated[
            str, Query(max_length=420, description="Only series holding this incident.")
        ] = "",
    ) -> None:
        self.max_miles, self.max_days, self.min_size = max_miles, max_days, min_size
        self.offenders, self.offender_radius_mi = offenders, offender_radius_mi
        self.top_offenders, self.min_offender_score = top_offenders, min_offender_score
        self.involving = involving.strip()


def _series(request: Request, who: SessionInfo, purpose: str, w: Window, q: SeriesQuery) -> dict[str, Any]:
    """`vigil series --format json` (with each series' member incidents added)."""
    engine = engine_of(request)
    actor = who.actor(purpose)
    params = series_mod.SeriesParams(max_miles=q.max_miles, max_days=q.max_days)
    result = series_mod.find_series(
        engine, actor, w.start, w.end, w.region, params, involving=[q.involving] if q.involving else None
    )
    found = [s for s in result.series if len(s.refs) >= q.min_size]
    if q.offenders and found:
        offenders_mod.attach_offenders(
            engine,
            actor,
            found,
            offenders_mod.OffenderParams(
                radius_mi=q.offender_radius_mi, top=q.top_offenders, min_score=q.min_offender_score
            ),
        )
    return {
        **result.document(),
        "from": w.start.isoformat(),
        "to": w.end.isoformat(),
        "region": w.region,
        "series": [
            {**s.document(), "incidents": [incident_row(x, s.series_id) for x in s.incidents]} for s in found
        ],
    }


def _summary(request: Request, who: SessionInfo, purpose: str, w: Window) -> dict[str, Any]:
    with LibraryErrors():
        return incident_summary(engine_of(request), who.actor(purpose), w.start, w.end, w.region)


def _nearby(request: Request, who: SessionInfo, purpose: str, ref: str, radius: float, days: float) -> dict:
    with LibraryErrors():
        return nearby_mod.nearby(engine_of(request), who.actor(purpose), ref.strip(), radius, days)


# --- map features (GeoJSON as vigil.present.maps writes it, with the page each point opens) ---


def _link(feature: dict[str, Any], href: str, text: str) -> dict[str, Any]:
    feature["properties"].setdefault("links", []).append({"href": href, "text": text})
    return feature


def incidents_map(summary: dict[str, Any], purpose: str) -> dict[str, Any]:
    """The window's incidents, and a circle around each series (its centre and spread)."""
    fc = maps.incidents_features(summary["incidents"], "Incidents")
    for f in fc["features"]:
        _link(f, page_of(f["properties"]["ref"], "incident", purpose), f["properties"]["ref"])
        if sid := f["properties"].get("series_id"):
            _link(f, "/incidents/series?" + urlencode({"involving": f["properties"]["ref"]}), f"series {sid}")
    fc["features"].extend(_series_features(summary["series"], purpose, points=False))
    return fc


def series_map(document: dict[str, Any], purpose: str) -> dict[str, Any]:
    """Each series' members, its centre and spread, and the home of each ranked offender (one point per
    person however many series rank him, linking to his page and to each series)."""
    features = []
    homes: dict[str, dict[str, Any]] = {}
    for s in document["series"]:
        for x in s["incidents"]:
            if x.get("lat") is not None:
                f = maps.point(x["lat"], x["lon"], "incident", x["ref"], series_id=s["series_id"], at=x["at"])
                features.append(_link(f, page_of(x["ref"], "incident", purpose), x["ref"]))
        for o in s.get("offenders") or []:
            home = o.get("home")  # his latest located residence (absent from older documents)
            if not home or home.get("lat") is None or home.get("lon") is None:
                continue
            subject = o["person_id"] or o["refs"][0]
            if subject not in homes:
                f = maps.point(
                    home["lat"], home["lon"], "person", subject, address=home.get("address"), kind="home"
                )
                homes[subject] = _link(f, page_of(subject, "person", purpose), f"person {subject}")
                features.append(homes[subject])
            _link(
                homes[subject],
                f"#series-{s['series_id']}",
                f"offender #{o['rank']} of series {s['series_id']}",
            )
    features.extend(_series_features(document["series"], purpose, points=True))
    return maps.collection(features, "Incident series")


def _series_features(series: list[dict[str, Any]], purpose: str, points: bool) -> list[dict[str, Any]]:
    out = []
    for s in series:
        c = s.get("center")
        if not c:
            continue
        radius = max(s.get("radius_mi") or 0.0, 0.5)
        out.append(
            maps.polygon(maps.circle(c["lat"], c["lon"], radius), "series", f"series {s['series_id']}")
        )
        if points:
            f = maps.point(c["lat"], c["lon"], "series", f"series {s['series_id']}", refs=s["refs"])
            out.append(_link(f, f"#series-{s['series_id']}", "the series below"))
    return out


def nearby_map(document: dict[str, Any], purpose: str) -> dict[str, Any]:
    fc = maps.nearby_features(document)
    for f in fc["features"]:
        p = f["properties"]
        if p["category"] == "case":
            _link(f, page_of(p["ref"], "missing_case", purpose), p["ref"])
        elif p["category"] == "person":
            _link(f, page_of(p["name"], "person", purpose), p["name"])
        elif p.get("ref"):
            _link(f, page_of(p["ref"], None, purpose), p["ref"])
    return fc


# --- API ---


@router.get("/api/incidents")
def incidents_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    window: Annotated[Window, Depends()],
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Incidents in the window with the series they may belong to and trend counts, as
    `vigil incidents summary --from --to --format json`."""
    return retry_locked(_summary, request, who, purpose, window)


@router.get("/api/incidents/trends")
def trends_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    window: Annotated[Window, Depends()],
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Counts by region, week, type, time of day, child, lure; hot spots (`vigil incidents trends`)."""
    query = {"what": "incident_trends", **window.query()}
    audit_write(engine_of(request), who.actor(purpose), "search", query)
    return trends(
        load_incidents(engine_of(request), window.start, window.end, window.region), window.start, window.end
    )


@router.get("/api/incidents/series")
def series_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    window: Annotated[Window, Depends()],
    q: Annotated[SeriesQuery, Depends()],
    purpose: Purpose = "",
) -> dict[str, Any]:
    """Incidents linked into possible series with scores, reasons and ranked registered offenders, as
    `vigil series --format json` (each series also lists its incidents)."""
    return retry_locked(_series, request, who, purpose, window, q)


@router.post("/api/incidents/series/decision")
def decision_api(
    request: Request,
    who: Annotated[SessionInfo, allow(SERIES_DECIDE)],
    a: Annotated[str, Form(max_length=420, description="Incident reference.")],
    b: Annotated[str, Form(max_length=420, description="Incident reference.")],
    decision: Annotated[
        str, Form(pattern="^(same|not_same)$", description="same confirms, not_same rejects.")
    ],
    reason: Annotated[str, Form(max_length=2000)],
    purpose: Annotated[str, Form(max_length=1000)] = "",
) -> dict[str, Any]:
    """Confirm (`same`) or reject (`not_same`) that two incidents are one series; it holds on every rerun
    (`vigil series confirm/reject`)."""
    with LibraryErrors(series_mod.DecisionError):
        series_mod.decide(
            engine_of(request), who.actor(purpose.strip() or "series review"), a, b, decision, reason
        )
    return {"refs": sorted([a, b]), "decision": decision, "recorded": True}


@router.get("/api/incidents/nearby")
def nearby_api(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Annotated[str, Query(max_length=420, description="Case reference or case number.")],
    purpose: Purpose = "",
    radius_mi: Annotated[float, Query(gt=0, le=200)] = 10.0,
    days: Annotated[float, Query(gt=0, le=3650)] = 30.0,
) -> dict[str, Any]:
    """Registered offenders, incidents, LPR hits and leads near a case in space and time, as
    `vigil nearby --case CASE --format json`."""
    return retry_locked(_nearby, request, who, purpose, ref, radius_mi, days)


# --- pages ---


def _need_purpose(who: SessionInfo, purpose: str) -> str | None:
    return None if purpose.strip() else "Say why you are looking (purpose): every search is audited."


@router.get("/incidents", include_in_schema=False)
async def incidents_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    window: Annotated[Window, Depends()],
    purpose: Purpose = "",
) -> Response:
    context: dict[str, Any] = {"w": window, **map_context()}
    if not purpose.strip():
        return render(request, "incidents.html", who, purpose=who.purpose, **context)
    summary = await run_in_threadpool(retry_locked, _summary, request, who, purpose, window)
    await _remember(request, who, purpose)
    fc = incidents_map(summary, purpose)
    return render(
        request, "incidents.html", who, purpose=purpose, doc=summary, fc=fc, page_of=page_of, **context
    )


@router.get("/incidents/series", include_in_schema=False)
async def series_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    window: Annotated[Window, Depends()],
    q: Annotated[SeriesQuery, Depends()],
    purpose: Purpose = "",
) -> Response:
    context: dict[str, Any] = {"w": window, "q": q, **map_context()}
    if not purpose.strip():
        return render(request, "series.html", who, purpose=who.purpose, **context)
    document = await run_in_threadpool(retry_locked, _series, request, who, purpose, window, q)
    await _remember(request, who, purpose)
    back = {**window.query(), "involving": q.involving, "purpose": purpose}
    return render(
        request,
        "series.html",
        who,
        purpose=purpose,
        doc=document,
        fc=series_map(document, purpose),
        page_of=page_of,
        may_decide=who.user.role in SERIES_DECIDE,
        back=urlencode({k: v for k, v in back.items() if v}),
        **context,
    )


@router.post("/incidents/series/decision", include_in_schema=False)
def decision_form(
    request: Request,
    who: Annotated[SessionInfo, allow(SERIES_DECIDE)],
    a: Annotated[str, Form(max_length=420)],
    b: Annotated[str, Form(max_length=420)],
    decision: Annotated[str, Form(pattern="^(same|not_same)$")],
    reason: Annotated[str, Form(max_length=2000)],
    purpose: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    decision_api(request, who, a, b, decision, reason, purpose)
    # Back to the series page the decision was made on (a query string of ours, never another site).
    target = (
        "/incidents/series?" + back if back and "//" not in back and "\\" not in back else "/incidents/series"
    )
    return RedirectResponse(target, status_code=303)


@router.get("/incidents/nearby", include_in_schema=False)
async def nearby_page(
    request: Request,
    who: Annotated[SessionInfo, allow(ANALYSIS)],
    ref: Annotated[str, Query(max_length=420)] = "",
    purpose: Purpose = "",
    radius_mi: Annotated[float, Query(gt=0, le=200)] = 10.0,
    days: Annotated[float, Query(gt=0, le=3650)] = 30.0,
) -> Response:
    cases = [
        c for c in casework.list_cases(engine_of(request), status="open") if c.get("category") in CRITICAL
    ]
    context: dict[str, Any] = {
        "ref": ref,
        "radius_mi": radius_mi,
        "days": days,
        "cases": cases,
        **map_context(),
    }
    if not (ref.strip() and purpose.strip()):
        error = _need_purpose(who, purpose) if ref.strip() else None
        return render(request, "nearby.html", who, purpose=purpose or who.purpose, error=error, **context)
    try:
        document = await run_in_threadpool(retry_locked, _nearby, request, who, purpose, ref, radius_mi, days)
    except HTTPException as exc:
        return render(
            request, "nearby.html", who, exc.status_code, purpose=purpose, error=exc.detail, **context
        )
    await _remember(request, who, purpose)
    return render(
        request,
        "nearby.html",
        who,
        purpose=purpose,
        doc=document,
        fc=nearby_map(document, purpose),
        page_of=page_of,
        **context,
    )


async def _remember(request: Request, who: SessionInfo, purpose: str) -> None:
    if purpose != who.purpose:
        await run_in_threadpool(accounts.remember_purpose, engine_of(request), who.token_hash, purpose)
