"""The report's timeline and map as files other tools open.

Timeline rows follow Timesketch's import format (CSV or JSONL): the required `message`, `datetime`
(ISO 8601) and `timestamp_desc`, plus `timestamp` (microseconds since the epoch) and Vigil's own fields
(kind, ref, refs, place, lat, lon, ...). A residence or job is an interval, so it becomes two rows,
its start and its end ("Residence start" / "Residence end"); an open interval has no end row. A
partial date is placed on its first day and says so in `date_precision`.

The map goes out as GeoJSON (GIS tools) and KML (Google Earth).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from vigil.present.report_map import report_features, to_kml

TIMESKETCH_COLUMNS = (
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "kind",
    "label",
    "ref",
    "refs",
    "place",
    "lat",
    "lon",
    "date_precision",
    "person_id",
    "agency",
)

_DESC = {
    "residence": "Residence",
    "employment": "Employment",
    "registration": "Registered",
    "verification": "Verified",
    "verification_due": "Verification due",
    "lpr_hit": "LPR hit",
    "le_inquiry": "LE inquiry",
    "booking": "Booked",
    "traffic_stop": "Traffic stop",
    "travel": "Travel",
    "employment_check": "Employment verified",
}


def _instant(text: str) -> tuple[datetime, str]:
    """An ISO date, partial date or timestamp -> an aware datetime and the precision it had."""
    if "T" in text:
        stamp = datetime.fromisoformat(text)
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)), "time"
    parts = text.split("-")
    precision = {1: "year", 2: "month"}.get(len(parts), "day")
    year, month, day = (
        int(parts[0]),
        int(parts[1]) if len(parts) > 1 else 1,
        int(parts[2]) if len(parts) > 2 else 1,
    )
    return datetime(year, month, day, tzinfo=UTC), precision


def timesketch_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    person = doc.get("person_id") or doc.get("subject")
    who = doc.get("name") or person
    for item in doc.get("timeline", []):
        desc = _DESC.get(item["kind"], item["kind"].replace("_", " ").capitalize())
        ends: list[tuple[str | None, str]] = [(item.get("from"), desc)]
        if item["kind"] in ("residence", "employment"):
            ends = [(item.get("from"), f"{desc} start"), (item.get("to"), f"{desc} end")]
        for when, label in ends:
            if not when:
                continue
            try:
                instant, precision = _instant(when)
            except ValueError:
                continue
            rows.append(
                {
                    "message": f"{who}: {label.lower()} - {item['label']}",
                    "datetime": instant.isoformat(),
                    "timestamp": int(instant.timestamp() * 1_000_000),
                    "timestamp_desc": label,
                    "kind": item["kind"],
                    "label": item["label"],
                    "ref": item["ref"],
                    "refs": ";".join(item.get("refs") or [item["ref"]]),
                    "place": item.get("place") or "",
                    "lat": item.get("lat"),
                    "lon": item.get("lon"),
                    "date_precision": precision,
                    "person_id": person,
                    "agency": item.get("agency") or "",
                }
            )
    rows.sort(key=lambda r: r["timestamp"])
    return rows


def timeline_csv(doc: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(TIMESKETCH_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in timesketch_rows(doc):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def timeline_jsonl(doc: dict[str, Any]) -> str:
    return "".join(orjson.dumps(row).decode() + "\n" for row in timesketch_rows(doc))


def geojson(doc: dict[str, Any]) -> str:
    return orjson.dumps(report_features(doc), option=orjson.OPT_INDENT_2, default=_default).decode() + "\n"


def kml(doc: dict[str, Any]) -> str:
    return to_kml(report_features(doc))


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


WRITERS = {
    "timeline_csv": timeline_csv,
    "timeline_jsonl": timeline_jsonl,
    "geojson": geojson,
    "kml": kml,
}


def write_export(kind: str, doc: dict[str, Any], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WRITERS[kind](doc), encoding="utf-8")
    return path
