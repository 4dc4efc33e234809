"""Derived rows per record type: `derive(record)` is the one entry point ingest and rebuild call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from vigil.derive.people import PartyWriter, _lo, sex_code
from vigil.derive.rows import Derived
from vigil.model import records as m
from vigil.normalize.dates import parse_date, parse_timestamp
from vigil.normalize.text_identifiers import extract_identifiers, normalize_ip, platform_key


def derive(record: m.RecordBase) -> Derived:
    out = Derived()
    _DERIVERS[record.type](record, out)
    return out


def _timestamp(value: str | None) -> tuple[datetime | None, str]:
    """A timestamp or a (partial) date as the instant it starts, with its precision."""
    if not value:
        return None, "none"
    if "T" in value or " " in value.strip():
        # Stored in UTC: SQLite keeps no offset, and one zone makes "days apart" arithmetic honest.
        return parse_timestamp(value).astimezone(UTC), "time"
    date = parse_date(value)
    return datetime(date.lo.year, date.lo.month, date.lo.day, tzinfo=UTC), date.precision


def _event(
    out: Derived,
    kind: str,
    at: str | None,
    address_idx: int | None = None,
    person_ref: str | None = None,
    agency: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> None:
    instant, precision = _timestamp(at)
    if address_idx is not None and lat is None:
        address = out.rows["address"][address_idx]
        lat, lon = address["lat"], address["lon"]
    out.add(
        "event",
        {
            "kind": kind,
            "at": instant,
            "at_precision": precision,
            "lat": lat,
            "lon": lon,
            "address_idx": address_idx,
            "person_ref": person_ref,
            "agency": agency,
        },
    )


def _narrative_identifiers(out: Derived, text: str | None, default_platform: str | None = None) -> None:
    """Phones, e-mails, handles, URLs and IPs written in free text join the identifier index (issue 5).

    They belong to the record (party None), not to a person in it: prose does not say reliably whose
    number it is. detail "narrative" tells them apart; ones the structured fields already hold are skipped.
    """
    if not text:
        return
    held = {(row["kind"], row["value"]) for row in out.rows.get("identifier", ())}
    writer = PartyWriter(out, None, "")
    for found in extract_identifiers(text, default_platform=default_platform):
        if (found.kind, found.value) not in held:
            writer.identifier(found.kind, found.value, "narrative")


def _int(value: float | None) -> int | None:
    return round(value) if value is not None else None


def _agency_label(agency: m.Agent | str | None) -> str | None:
    if agency is None:
        return None
    if isinstance(agency, str):
        return agency
    return agency.ori or agency.name


def _person(record: m.PersonRecord, out: Derived) -> None:
    PartyWriter(out, 0, "").person(record, "subject")


def _event_record(record: m.EventRecord, out: Derived) -> None:
    writer = PartyWriter(out, 0 if record.identifiers else None, "identifiers.")
    address_idx = writer.address(record.address, "event")
    person_ref = f"{record.person_ref.source}/{record.person_ref.id}" if record.person_ref else None
    if record.identifiers:
        ids = record.identifiers
        writer.person(m.PersonFields(names=ids.names, dob=ids.dob, ssn=ids.ssn, phones=ids.phones), "subject")
        writer.vehicles(ids.vehicles)
    # Explicit coordinates on the event win over a geocoded address (an LPR camera's position).
    _event(
        out,
        record.kind,
        record.at,
        address_idx,
        person_ref,
        _agency_label(record.agency),
        record.lat,
        record.lon,
    )


def _missing_case(record: m.MissingCaseRecord, out: Derived) -> None:
    PartyWriter(out, 0, "child.").person(record.child, "child")
    for i, companion in enumerate(record.companions):
        PartyWriter(out, 1 + i, f"companions[{i}].").person(companion, "companion")
    offset = 1 + len(record.companions)
    for i, suspect in enumerate(record.suspects):
        PartyWriter(out, offset + i, f"suspects[{i}].").person(suspect, "suspect")
    case = PartyWriter(out, None, "")
    case.identifier("case_number", record.case_number.strip().upper())
    case.phones(record.phones)
    case.emails(record.emails)
    case.screen_names(record.screen_names)
    for photo in record.photo_hashes:
        case.identifier("photo_hash", f"{photo.algo.lower()}:{photo.value.lower()}")
    _narrative_identifiers(out, record.narrative)
    address_idx = case.address(record.missing_from, "missing_from")
    agency = record.agency
    _event(out, "missing", record.missing_since, address_idx, agency=_agency_label(agency))
    if record.recovered_on:
        _event(out, "recovered", record.recovered_on)
    out.add(
        "missing_case",
        {
            "case_number": record.case_number,
            "category": record.category,
            "missing_since": _lo(record.missing_since),
            "status": record.status,
            "recovered_on": _lo(record.recovered_on),
            "agency_ori": agency.ori if agency else None,
            "agency_name": agency.name if agency else None,
            "team": record.team,
        },
    )


def _tip(record: m.TipRecord, out: Derived) -> None:
    if record.suspect:
        PartyWriter(out, 0, "suspect.").person(record.suspect, "suspect")
    if record.victim:
        PartyWriter(out, 1, "victim.").person(record.victim, "victim")
    tip = PartyWriter(out, None, "")
    for ip in record.ips:
        value = ip if isinstance(ip, str) else (ip.ip or ip.value)
        if value:
            try:  # the same canonical text as IPs found in narratives, or the two never meet
                tip.identifier("ip", normalize_ip(value))
            except ValueError:
                out.warn("ips", f"not an IP address: {value[:60]!r}")
    for file_hash in record.file_hashes:
        tip.identifier("file_hash", f"{file_hash.algo.lower()}:{file_hash.value.lower()}")
    esp = record.reporter.esp_name if record.reporter and record.reporter.kind == "esp" else None
    _narrative_identifiers(out, record.narrative, platform_key(esp))
    _event(out, "tip", record.incident_at or record.received_at)
    out.add(
        "tip",
        {
            "received_at": _timestamp(record.received_at)[0],
            "incident_at": _timestamp(record.incident_at)[0],
            "incident_type": record.incident_type,
            "reporter_kind": record.reporter.kind if record.reporter else None,
            "esp_name": record.reporter.esp_name if record.reporter else None,
        },
    )


def _incident(record: m.IncidentRecord, out: Derived) -> None:
    writer = PartyWriter(out, None, "")
    address_idx = writer.address(record.address, "incident")
    writer.vehicle(record.vehicle)
    offender = record.offender or m.Description()
    writer.marks(offender.marks)
    _event(out, f"incident:{record.kind}", record.at, address_idx, agency=_agency_label(record.agency))
    location = out.rows["address"][address_idx] if address_idx is not None else {}
    child = record.child or m.IncidentChild()
    out.add(
        "incident",
        {
            "kind": record.kind,
            "at": _timestamp(record.at)[0],
            "lat": location.get("lat"),
            "lon": location.get("lon"),
            "child_age": _int(child.age),
            "child_sex": sex_code(child.sex),
            "child_activity": child.activity,
            "lure": record.lure,
            "offender_sex": sex_code(offender.sex),
            "offender_race": offender.race.upper() if offender.race else None,
            "offender_age_min": _int(offender.age_min),
            "offender_age_max": _int(offender.age_max),
            "offender_height_min_in": offender.height_min_in,
            "offender_height_max_in": offender.height_max_in,
            "offender_hair": offender.hair.upper() if offender.hair else None,
            "offender_facial_hair": offender.facial_hair.upper() if offender.facial_hair else None,
            "agency_ori": record.agency.ori if record.agency else None,
        },
    )


def _unidentified(record: m.UnidentifiedRecord, out: Derived) -> None:
    writer = PartyWriter(out, None, "")
    writer.identifier("case_number", record.case_number.strip().upper())
    address_idx = writer.address(record.found_at, "found_at")
    writer.marks(record.marks)
    _event(out, "unidentified_found", record.found_on, address_idx, agency=_agency_label(record.agency))
    out.add(
        "unidentified",
        {
            "case_number": record.case_number,
            "found_on": _lo(record.found_on),
            "sex": sex_code(record.sex),
            "race": record.race.upper() if record.race else None,
            "age_min": record.age_min,
            "age_max": record.age_max,
            "height_min_in": record.height_min_in,
            "height_max_in": record.height_max_in,
            "weight_min_lb": record.weight_min_lb,
            "weight_max_lb": record.weight_max_lb,
            "dna_available": record.dna_available,
            "dental_available": record.dental_available,
        },
    )


def _lead(record: m.LeadRecord, out: Derived) -> None:
    mentioned = record.mentioned
    if mentioned and mentioned.names:
        PartyWriter(out, 0, "mentioned.").names(mentioned.names)
    writer = PartyWriter(out, None, "mentioned.")
    if mentioned:
        writer.phones(mentioned.phones)
        writer.vehicles(mentioned.vehicles)
        for number in mentioned.case_numbers:
            writer.identifier("case_number", number.strip().upper())
    _narrative_identifiers(out, record.text)
    if record.sighting:
        address_idx = writer.address(record.sighting.address, "sighting")
        _event(out, "sighting", record.sighting.at or record.received_at, address_idx)
    out.add(
        "lead",
        {
            "received_at": _timestamp(record.received_at)[0],
            "caller_kind": record.caller.kind if record.caller else None,
        },
    )


def _agency(record: m.AgencyRecord, out: Derived) -> None:
    writer = PartyWriter(out, None, "contact.")
    writer.identifier("ori", record.ori.strip().upper())
    contact = record.contact or m.Contact()
    if contact.phone:
        writer.phones([contact.phone], "phone")
    if contact.email:
        writer.emails([contact.email], "email")
    phone = [r["value"] for r in out.rows.get("identifier", []) if r["kind"] == "phone"]
    email = [r["value"] for r in out.rows.get("identifier", []) if r["kind"] == "email"]
    out.add(
        "agency",
        {
            "ori": record.ori,
            "name": record.name,
            "kind": record.kind,
            "state": record.state.upper()[:2] if record.state else None,
            "email": email[0] if email else None,
            "phone": phone[0] if phone else None,
        },
    )
    for zip_code in record.zips:
        out.add("agency_jurisdiction", {"kind": "zip", "value": zip_code.strip()[:5]})
    for county in record.counties:
        out.add("agency_jurisdiction", {"kind": "county", "value": county.strip()[:10]})


_DERIVERS: dict[str, Callable[..., None]] = {
    "person": _person,
    "event": _event_record,
    "missing_case": _missing_case,
    "tip": _tip,
    "incident": _incident,
    "unidentified": _unidentified,
    "lead": _lead,
    "agency": _agency,
}
