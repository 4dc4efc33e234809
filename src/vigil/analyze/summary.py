"""The bi-weekly regional incident summary for agencies: new incidents, possible series, trends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.incidents import Incident, load_incidents
from vigil.analyze.series import SeriesParams, current_decisions, series_of
from vigil.analyze.trends import trends
from vigil.config import Actor


def incident_row(x: Incident, series_id: str | None = None) -> dict[str, Any]:
    return {
        "ref": x.ref,
        "at": x.at.isoformat() if x.at else None,
        "local_time": f"{int(x.local_hour):02d}:{round((x.local_hour % 1) * 60) % 60:02d}"
        if x.local_hour is not None
        else None,
        "kind": x.kind,
        "city": x.city,
        "state": x.state,
        "lat": x.lat,
        "lon": x.lon,
        "child": {"age": x.child_age, "sex": x.child_sex, "activity": x.activity},
        "offender": x.offender_label(),
        "vehicle": x.vehicle_label() or None,
        "lure": x.lure,
        "series_id": series_id,
    }


def incident_summary(
    engine: Engine,
    actor: Actor,
    start: date,
    end: date,
    region: str | None = None,
    lookback_days: int = 90,
    trend_weeks: int = 12,
    params: SeriesParams | None = None,
) -> dict[str, Any]:
    """New incidents in [start, end], the series they may belong to (looking back `lookback_days` for
    earlier incidents of the same series) and trend counts (audited as a report)."""
    if end < start:
        raise ValueError("--to is before --from")
    new = load_incidents(engine, start, end, region)
    history = load_incidents(engine, start - timedelta(days=lookback_days), end, region)
    everything = load_incidents(engine)  # value frequencies (how rare a "navy van" is) from all incidents
    result = series_of(
        history, current_decisions(engine), params, involving=[x.ref for x in new], reference=everything
    )
    series_of_ref = {ref: s.series_id for s in result.series for ref in s.refs}
    recent = load_incidents(engine, end - timedelta(days=7 * trend_weeks - 1), end, region)
    document = {
        "title": f"Attempted abductions and related incidents{f' - {region.upper()}' if region else ''}",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "region": region.upper() if region else None,
        "incidents": [incident_row(x, series_of_ref.get(x.ref)) for x in new],
        "series": [
            {
                **s.document(),
                "new_refs": [r for r in s.refs if r in {x.ref for x in new}],
                "incidents": [incident_row(x, s.series_id) for x in s.incidents],
            }
            for s in result.series
        ],
        "trends": trends(new, start, end),
        "weekly": trends(recent, end - timedelta(days=7 * trend_weeks - 1), end)["by_week"],
    }
    audit.write(
        engine,
        actor,
        "report",
        {"what": "incident_summary", "from": start.isoformat(), "to": end.isoformat(), "region": region},
        [x.ref for x in new],
    )
    return document
