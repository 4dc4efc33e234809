"""Derived rows for the people inside a record: names, identifiers, addresses, vehicles, marks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from vigil.derive.rows import Derived, Row
from vigil.model import records as m
from vigil.normalize.addresses import normalize_address
from vigil.normalize.dates import PartialDate, parse_date
from vigil.normalize.emails import normalize_email
from vigil.normalize.geocode import get_geocoder
from vigil.normalize.names import parse_name
from vigil.normalize.phones import normalize_phone
from vigil.normalize.plates import normalize_plate
from vigil.normalize.screen_names import normalize_screen_name
from vigil.normalize.ssn import normalize_ssn

_SEX = {"m": "M", "male": "M", "f": "F", "female": "F", "x": "X", "u": "U", "unknown": "U"}


def sex_code(value: str | None) -> str | None:
    if value is None:
        return None
    return _SEX.get(value.strip().lower(), "U")


def date_columns(prefix: str, value: str | None) -> Row:
    """`prefix` and `prefix_precision` columns for an optional partial date (already validated)."""
    lo, precision = date_pair(value)
    return {prefix: lo, f"{prefix}_precision": precision}


@lru_cache(maxsize=100_000)
def date_pair(value: str | None) -> tuple[date | None, str | None]:
    """(first day, precision) of an optional partial date; cached: PartialDate.lo is computed per call."""
    if not value:
        return None, None
    parsed = parse_date(value)
    return parsed.lo, parsed.precision


def optional_date(value: str | None) -> PartialDate | None:
    return parse_date(value) if value else None


class PartyWriter:
    """Writes one party's rows into `out`; party is None for identifiers owned by the record itself."""

    def __init__(self, out: Derived, party: int | None, path: str) -> None:
        self.out = out
        self.party = party
        self.path = path

    def identifier(self, kind: str, value: str, detail: str | None = None, **seen: object) -> None:
        self.out.add(
            "identifier",
            {
                "kind": kind,
                "value": value,
                "party": self.party,
                "detail": detail,
                "first_seen": seen.get("first_seen"),
                "last_seen": seen.get("last_seen"),
            },
        )

    def names(self, names: Iterable[m.Name | str]) -> None:
        for i, raw in enumerate(names):
            try:
                parsed = parse_name(raw if isinstance(raw, str) else _name_fields(raw))
            except ValueError as exc:
                self.out.warn(f"{self.path}names[{i}]", str(exc))
                continue
            self.out.add(
                "name",
                {
                    "party": self.party or 0,
                    "kind": parsed.kind,
                    "first": parsed.first,
                    "middle": parsed.middle,
                    "last": parsed.last,
                    "suffix": parsed.suffix,
                    "full": parsed.full,
                    "first_key": parsed.first_key,
                    "last_key": parsed.last_key,
                    "first_group": parsed.first_group,
                },
            )

    def phones(self, phones: Iterable[m.Phone | str], path: str = "phones") -> None:
        for i, raw in enumerate(phones):
            number = raw if isinstance(raw, str) else raw.number
            try:
                e164 = normalize_phone(number)
            except ValueError as exc:
                self.out.warn(f"{self.path}{path}[{i}]", str(exc))
                continue
            if isinstance(raw, str):
                self.identifier("phone", e164)
            else:
                self.identifier(
                    "phone",
                    e164,
                    raw.kind,
                    first_seen=_lo(raw.first_seen),
                    last_seen=_lo(raw.last_seen),
                )

    def emails(self, emails: Iterable[str], path: str = "emails") -> None:
        for i, raw in enumerate(emails):
            try:
                self.identifier("email", normalize_email(raw))
            except ValueError as exc:
                self.out.warn(f"{self.path}{path}[{i}]", str(exc))

    def screen_names(self, screen_names: Iterable[m.ScreenName], path: str = "screen_names") -> None:
        for i, raw in enumerate(screen_names):
            try:
                self.identifier("screen_name", normalize_screen_name(raw.platform or "", raw.handle))
            except ValueError as exc:
                self.out.warn(f"{self.path}{path}[{i}]", str(exc))

    def ssn(self, value: str | None) -> None:
        if not value:
            return
        try:
            ssn = normalize_ssn(value)
        except ValueError as exc:
            self.out.warn(f"{self.path}ssn", str(exc))
            return
        self.identifier("ssn", ssn.digits, "not_issued" if ssn.not_issued else None)

    def address(self, raw: m.Address | None, context: str) -> int | None:
        """Adds an address row; returns its index inside the record (for employment/event links)."""
        if raw is None:
            return None
        normalized = normalize_address(_address_fields(raw))
        if raw.lat is not None and raw.lon is not None:
            lat, lon, precision = raw.lat, raw.lon, "source"
        else:
            point = get_geocoder().geocode(normalized)
            lat, lon, precision = (point.lat, point.lon, point.precision) if point else (None, None, None)
        idx = len(self.out.rows.get("address", ()))
        valid_from, valid_from_precision = date_pair(raw.from_)
        valid_to, valid_to_precision = date_pair(raw.to)
        self.out.add(
            "address",
            {
                "party": self.party,
                "idx": idx,
                "context": context,
                "kind": raw.kind,
                "line1": normalized.line1,
                "line2": normalized.line2,
                "city": normalized.city,
                "state": normalized.state,
                "zip5": normalized.zip5,
                "country": normalized.country,
                "std_line": normalized.std_line,
                "place_name": raw.place_name,
                "lat": lat,
                "lon": lon,
                "geo_precision": precision,
                "valid_from": valid_from,
                "valid_from_precision": valid_from_precision,
                "valid_to": valid_to,
                "valid_to_precision": valid_to_precision,
            },
        )
        return idx

    def vehicles(self, vehicles: Iterable[m.Vehicle]) -> None:
        for raw in vehicles:
            self.vehicle(raw)

    def vehicle(self, raw: m.Vehicle | None) -> None:
        if raw is None:
            return
        plate = None
        if raw.plate:
            try:
                plate = normalize_plate(raw.plate)
            except ValueError as exc:
                self.out.warn(f"{self.path}vehicle.plate", str(exc))
        vin = raw.vin.strip().upper() if raw.vin else None
        self.out.add(
            "vehicle",
            {
                "party": self.party,
                "plate": plate.value if plate else None,
                "plate_like": plate.like if plate else None,
                "plate_partial": bool(plate and plate.partial),
                "plate_state": (raw.plate_state or "").strip().upper()[:2] or None,
                "make": _upper(raw.make),
                "model": _upper(raw.model),
                "year": raw.year,
                "color": _upper(raw.color),
                "body": _upper(raw.body),
                "vin": vin[:17] if vin else None,
            },
        )
        if plate:
            self.identifier("plate", plate.value, "partial" if plate.partial else None)
        if vin:
            self.identifier("vin", vin[:17])

    def marks(self, marks: Iterable[m.Mark]) -> None:
        for raw in marks:
            self.out.add(
                "mark",
                {
                    "party": self.party,
                    "kind": raw.kind,
                    "location": raw.location,
                    "description": raw.description,
                },
            )

    def person(self, person: m.PersonFields, role: str) -> None:
        """Everything one person-shaped block says."""
        dob = optional_date(person.dob)
        self.out.add(
            "party",
            {
                "party": self.party or 0,
                "role": role,
                "sex": sex_code(person.sex),
                "race": _upper(person.race),
                "dob": dob.lo if dob else None,
                "dob_precision": dob.precision if dob else None,
                "age": int(person.age) if person.age is not None else None,
                "height_in": person.height_in,
                "weight_lb": person.weight_lb,
                "eye_color": _upper(person.eye_color),
                "hair_color": _upper(person.hair_color),
                "deceased": person.deceased,
                "deceased_date": _lo(person.deceased_date),
            },
        )
        self.names(person.names)
        if dob:
            self.identifier("dob", dob.iso)
        self.ssn(person.ssn)
        self.phones(person.phones)
        self.emails(person.emails)
        self.screen_names(person.screen_names)
        for address in person.addresses:
            self.address(address, "record")
        for employer in person.employers:
            address_idx = self.address(employer.address, "employer")
            self.out.add(
                "employment",
                {
                    "party": self.party or 0,
                    "employer": employer.name,
                    "address_idx": address_idx,
                    **date_columns("valid_from", employer.from_),
                    **date_columns("valid_to", employer.to),
                },
            )
        self.vehicles(person.vehicles)
        self.marks(person.marks)
        if person.registration:
            self.registration(person.registration)

    def registration(self, reg: m.Registration) -> None:
        address_idx = self.address(reg.registered_address, "registration")
        self.out.add(
            "registration",
            {
                "party": self.party or 0,
                "registrant_id": reg.registrant_id,
                "state": reg.state.upper(),
                "tier": reg.tier,
                "status": reg.status,
                "registered_on": _lo(reg.registered_on),
                "last_verified": _lo(reg.last_verified),
                "next_due": _lo(reg.next_due),
                "offense": reg.offense,
                "address_idx": address_idx,
            },
        )
        if reg.registrant_id:
            self.identifier("registrant_id", reg.registrant_id.strip().upper())


def _lo(value: str | None) -> date | None:
    return date_pair(value)[0]


def _name_fields(name: m.Name) -> dict[str, str | None]:
    """What parse_name reads of a name; cheaper than model_dump, which also copies unknown keys."""
    return {
        "first": name.first,
        "middle": name.middle,
        "last": name.last,
        "suffix": name.suffix,
        "kind": name.kind,
    }


def _address_fields(address: m.Address) -> dict[str, str | None]:
    """What normalize_address reads of an address (see _name_fields)."""
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "zip": address.zip,
        "country": address.country,
    }


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if value else None
