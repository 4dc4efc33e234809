"""One valid, synthetic record of every formats.md type (SSN area 9xx, 555 phones, example.* e-mail)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

PERSON: dict[str, Any] = {
    "type": "person",
    "source": "registry:TX",
    "id": "TX-004211",
    "as_of": "2026-10-01",
    "names": [
        {"first": "William", "middle": "Allen", "last": "Testperson", "kind": "primary"},
        "Bill Testperson",
    ],
    "dob": "1979-04-12",
    "sex": "M",
    "race": "W",
    "height_in": 70,
    "weight_lb": 180,
    "ssn": "912-34-5678",
    "phones": [
        "(512) 555-0147",
        {"number": "512.555.0199", "kind": "mobile", "first_seen": "2024-01", "last_seen": "2026-09-30"},
    ],
    "emails": ["Bill.T@Example.com"],
    "screen_names": [{"platform": "Kik", "handle": "@XX_Dan"}],
    "addresses": [
        {
            "line1": "1423 North Maple Avenue",
            "line2": "Apartment 4",
            "city": "Austin",
            "state": "TX",
            "zip": "78701",
            "from": "2021-03",
            "to": "2025-02-28",
            "kind": "residence",
        },
        {
            "line1": "88 Elm St",
            "city": "Tulsa",
            "state": "OK",
            "zip": "74103",
            "from": "2025-03-02",
            "kind": "residence",
        },
    ],
    "employers": [
        {
            "name": "Sample Freight LLC",
            "address": {"line1": "5 Dock Rd", "city": "Tulsa", "state": "OK", "zip": "74103"},
            "from": "2025-04",
        }
    ],
    "vehicles": [
        {
            "plate": "abc 1234",
            "plate_state": "TX",
            "make": "Ford",
            "model": "F-150",
            "year": 2012,
            "color": "navy",
        }
    ],
    "marks": [{"kind": "tattoo", "location": "left forearm", "description": "eagle"}],
    "registration": {
        "registrant_id": "TX-004211",
        "state": "TX",
        "tier": "II",
        "status": "compliant",
        "registered_on": "2015-06-01",
        "last_verified": "2026-05-01",
        "next_due": "2026-11-01",
        "offense": "synthetic offense",
        "registered_address": {"line1": "1423 N Maple Ave", "city": "Austin", "state": "TX", "zip": "78701"},
    },
    "vendor_extra_field": {"kept": "verbatim"},
}
EVENT: dict[str, Any] = {
    "type": "event",
    "source": "lpr",
    "id": "LPR-1",
    "kind": "lpr_hit",
    "at": "2026-09-01T14:03:00-05:00",
    "lat": 36.15,
    "lon": -95.99,
    "identifiers": {"vehicles": [{"plate": "ABC1234", "plate_state": "TX"}]},
    "agency": {"ori": "OK0720000", "name": "Sample PD"},
}
MISSING_CASE: dict[str, Any] = {
    "type": "missing_case",
    "source": "missing_cases",
    "id": "MC-1",
    "case_number": "mc-2026-0001",
    "category": "nonfamily_abduction",
    "child": {
        "names": [{"first": "Ada", "last": "Samplechild"}],
        "age": 12,
        "sex": "F",
        "height_in": 58,
        "marks": [{"kind": "scar", "location": "chin"}],
    },
    "missing_since": "2026-08-30",
    "missing_from": {"city": "Tulsa", "state": "OK", "zip": "74103"},
    "suspects": [{"names": ["Dan Sample"], "phones": ["918-555-0101"]}],
    "phones": ["918-555-0101"],
    "screen_names": [{"platform": "kik", "handle": "xx_dan"}],
    "photo_hashes": [{"algo": "pdq", "value": "AB12"}],
    "status": "open",
    "agency": {"ori": "OK0720000", "name": "Sample PD"},
    "team": "Team 3",
    "narrative": "synthetic",
}
TIP: dict[str, Any] = {
    "type": "tip",
    "source": "cybertipline",
    "id": "T-2026-118",
    "received_at": "2026-09-02T10:00:00+00:00",
    "reporter": {"kind": "esp", "esp_name": "ExampleChat"},
    "incident_type": "enticement",
    "suspect": {"screen_names": [{"platform": "kik", "handle": "XX_Dan"}], "emails": ["dan@example.net"]},
    "ips": ["203.0.113.9", {"ip": "198.51.100.7", "seen_at": "2026-09-01T09:00:00Z"}],
    "file_hashes": [{"algo": "md5", "value": "D41D8CD98F00B204E9800998ECF8427E"}],
    "narrative": "call me at 918-555-0101",
}
INCIDENT: dict[str, Any] = {
    "type": "incident",
    "source": "attempted_abductions",
    "id": "AA-1",
    "kind": "attempted_abduction",
    "at": "2026-09-03T15:20:00-05:00",
    "address": {"line1": "Oak St & 5th Ave", "city": "Tulsa", "state": "OK", "lat": 36.16, "lon": -95.98},
    "child": {"age": 10, "sex": "F", "activity": "walking_from_school"},
    "offender": {
        "sex": "M",
        "race": "W",
        "age_min": 30,
        "age_max": 45,
        "height_min_in": 68,
        "height_max_in": 72,
        "hair": "brown",
        "facial_hair": "beard",
    },
    "vehicle": {"plate": "7K?2", "make": "Ford", "color": "dark blue", "body": "pickup"},
    "lure": "animal",
    "agency": {"ori": "OK0720000"},
}
UNIDENTIFIED: dict[str, Any] = {
    "type": "unidentified",
    "source": "unidentified",
    "id": "UP-1",
    "case_number": "UP-1",
    "found_on": "2026-10-15",
    "found_at": {"city": "Tulsa", "state": "OK", "zip": "74103"},
    "sex": "F",
    "age_min": 10,
    "age_max": 14,
    "height_min_in": 55,
    "height_max_in": 60,
    "dna_available": True,
}
LEAD: dict[str, Any] = {
    "type": "lead",
    "source": "call_center",
    "id": "L-1",
    "received_at": "2026-09-05T08:00:00-05:00",
    "caller": {"kind": "public"},
    "text": "saw the girl",
    "sighting": {"at": "2026-09-04T19:00:00-05:00", "address": {"city": "Tulsa", "state": "OK"}},
    "mentioned": {"names": ["Dan Sample"], "phones": ["918-555-0101"], "case_numbers": ["MC-2026-0001"]},
}
AGENCY: dict[str, Any] = {
    "type": "agency",
    "source": "agencies",
    "id": "OK0720000",
    "ori": "OK0720000",
    "name": "Sample PD",
    "kind": "police",
    "state": "OK",
    "counties": ["40143"],
    "zips": ["74103"],
    "contact": {"email": "tips@example.org", "phone": "918-555-0100"},
}
ALL = [PERSON, EVENT, MISSING_CASE, TIP, INCIDENT, UNIDENTIFIED, LEAD, AGENCY]


def records() -> list[dict[str, Any]]:
    return copy.deepcopy(ALL)


def write_jsonl(path: Path, items: list[dict[str, Any] | bytes | str]) -> Path:
    """Items may be dicts (serialized) or raw lines (written as given, for malformed input)."""
    with path.open("wb") as fh:
        for item in items:
            if isinstance(item, dict):
                fh.write(orjson.dumps(item))
            else:
                fh.write(item if isinstance(item, bytes) else item.encode())
            fh.write(b"\n")
    return path


def entity_of(ground_truth_path: Path) -> dict[str, str]:
    """record reference -> true individual, for person-like records (party 0)."""
    truth = orjson.loads(ground_truth_path.read_bytes())
    return {ref: entity for entity, refs in truth["entities"].items() for ref in refs if "#" not in ref}
