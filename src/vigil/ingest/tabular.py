"""Person lists from spreadsheets (CSV, XLSX): registry exports and agency lists.

Each row becomes a formats.md `person` record; the row's original cells are kept inside the record
(`source_row`) so nothing the agency sent is lost. Headers are matched case-insensitively with
common synonyms; `mapping` overrides ("Surname=last_name").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from vigil.ingest.reader import Parsed, Reject, parse_line

# canonical column -> header spellings seen in registry and agency exports
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "record_id", "recordid", "row_id", "rowid", "offender_id", "person_id"),
    "registrant_id": ("registrant_id", "registrantid", "registration_number", "reg_no", "sor_id", "sid"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "lname"),
    "first_name": ("first_name", "firstname", "first", "given_name", "fname", "forename"),
    "middle_name": ("middle_name", "middlename", "middle", "mname", "middle_initial", "mi"),
    "suffix": ("suffix", "name_suffix", "sfx"),
    "name": ("name", "full_name", "fullname", "offender_name"),
    "dob": ("dob", "date_of_birth", "birth_date", "birthdate", "born"),
    "ssn": ("ssn", "social_security_number", "social", "ss_number"),
    "sex": ("sex", "gender"),
    "race": ("race",),
    "height_in": ("height_in", "height", "ht"),
    "weight_lb": ("weight_lb", "weight", "wt"),
    "address": ("address", "street", "street_address", "address1", "address_line1", "line1", "residence"),
    "address2": ("address2", "address_line2", "line2", "unit", "apt"),
    "city": ("city", "town"),
    "state": ("state", "st", "state_code"),
    "zip": ("zip", "zipcode", "zip_code", "postal_code", "postcode"),
    "phone": ("phone", "telephone", "phone_number", "tel", "cell"),
    "email": ("email", "e_mail", "email_address"),
    "tier": ("tier", "level", "risk_level"),
    "status": ("status", "registration_status", "compliance_status"),
    "registered_on": ("registered_on", "registration_date", "date_registered"),
    "last_verified": ("last_verified", "last_verification", "verified_on", "last_verification_date"),
    "next_due": ("next_due", "next_verification", "due_date", "next_verification_date"),
    "offense": ("offense", "offence", "conviction", "statute"),
    "as_of": ("as_of", "asof", "last_updated", "updated"),
}
_LOOKUP = {spelling: canonical for canonical, spellings in SYNONYMS.items() for spelling in spellings}
_US_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%Y%m%d")
_TIER = {"1": "I", "2": "II", "3": "III", "I": "I", "II": "II", "III": "III"}


class TabularError(ValueError):
    """A problem with the whole sheet (no id column, unreadable file), not with one row."""


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def map_headers(headers: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """original header -> canonical column, for the headers recognised."""
    overrides = {_header_key(k): v for k, v in (overrides or {}).items()}
    mapping: dict[str, str] = {}
    for header in headers:
        key = _header_key(header)
        canonical = overrides.get(key) or _LOOKUP.get(key)
        if canonical and canonical not in mapping.values():
            mapping[header] = canonical
    return mapping


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(spreadsheet line number, {header: cell}) for each non-empty data row."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows still write cp1252; better read than refuse.
        text = data.decode("cp1252", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for line_no, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield line_no, dict(zip(headers, values, strict=False))
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def iso_date(value: str) -> str:
    """Spreadsheet dates come as ISO or US month/day/year; anything else is passed on to be rejected."""
    for fmt in _US_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def row_to_person(cells: dict[str, str], source: str) -> dict[str, Any]:
    """A formats.md person record from canonical cells (empty cells are absent)."""
    get = cells.get
    record: dict[str, Any] = {"type": "person", "source": source, "id": get("id") or get("registrant_id")}
    if get("first_name") or get("last_name"):
        name = {
            "first": get("first_name"),
            "middle": get("middle_name"),
            "last": get("last_name"),
            "suffix": get("suffix"),
            "kind": "primary",
        }
        record["names"] = [{k: v for k, v in name.items() if v}]
    elif get("name"):
        record["names"] = [get("name")]
    for key in ("dob", "as_of"):
        if get(key):
            record[key] = iso_date(get(key, ""))
    for key in ("ssn", "sex", "race"):
        if get(key):
            record[key] = get(key)
    for key in ("height_in", "weight_lb"):
        if get(key):
            record[key] = _number(get(key, ""))
    if get("phone"):
        record["phones"] = [get("phone")]
    if get("email"):
        record["emails"] = [get("email")]
    address = {
        "line1": get("address"),
        "line2": get("address2"),
        "city": get("city"),
        "state": get("state"),
        "zip": get("zip"),
        "kind": "residence",
    }
    address = {k: v for k, v in address.items() if v}
    if set(address) - {"kind"}:
        record["addresses"] = [address]
    if source.startswith("registry:") or get("tier") or get("status") or get("registrant_id"):
        registration: dict[str, Any] = {
            "registrant_id": get("registrant_id"),
            "state": (source.split(":", 1)[1] if source.startswith("registry:") else get("state") or "")[:2],
            "tier": _TIER.get((get("tier") or "").upper().replace("TIER", "").strip()),
            "status": (get("status") or "unknown").lower().replace(" ", "_"),
            "offense": get("offense"),
        }
        for key in ("registered_on", "last_verified", "next_due"):
            if get(key):
                registration[key] = iso_date(get(key, ""))
        if address:
            registration["registered_address"] = address
        record["registration"] = {k: v for k, v in registration.items() if v is not None}
    return record


def _number(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value  # left for validation to reject with the field named


def parse_tabular(
    path: Path, source: str, overrides: dict[str, str] | None = None
) -> Iterator[Parsed | Reject]:
    rows = read_rows(path)
    first = next(rows, None)
    if first is None:
        return
    mapping = map_headers(list(first[1]), overrides)
    if "id" not in mapping.values() and "registrant_id" not in mapping.values():
        raise TabularError(
            f"{path}: no id column; expected one of {', '.join(SYNONYMS['id'] + SYNONYMS['registrant_id'])} "
            "(or map one with --map HEADER=id)"
        )
    for line_no, row in chain([first], rows):
        cells = {mapping[h]: _cell(v) for h, v in row.items() if h in mapping}
        record = row_to_person({k: v for k, v in cells.items() if v}, source)
        record["source_row"] = {str(h): _cell(v) for h, v in row.items() if h}
        yield parse_line(str(path), line_no, orjson.dumps(record))
