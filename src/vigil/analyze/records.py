"""Source records by reference, with their version history, and exact identifier lookups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select

from vigil.store import tables as t


class UnknownReference(LookupError):
    pass


def split_ref(ref: str) -> tuple[str, str]:
    """ "registry:TX/TX-004211" -> ("registry:TX", "TX-004211"); ids may contain "/", sources may not."""
    source, sep, record_id = ref.partition("/")
    if not sep or not source or not record_id:
        raise ValueError(f"not a record reference (SOURCE/ID): {ref!r}")
    return source, record_id


@dataclass(frozen=True, slots=True)
class RecordVersion:
    ref: str
    version: int
    type: str
    is_current: bool
    as_of: date | None
    loaded_at: datetime
    load_id: int
    line_no: int
    record: dict[str, Any]


def record_history(engine: Engine, ref: str) -> list[RecordVersion]:
    """Every version of a record, newest first."""
    split_ref(ref)
    sr = t.source_record
    with engine.connect() as conn:
        rows = conn.execute(select(sr).where(sr.c.ref == ref).order_by(sr.c.version.desc())).all()
    if not rows:
        raise UnknownReference(f"no record {ref}")
    return [
        RecordVersion(
            ref=row.ref,
            version=row.version,
            type=row.type,
            is_current=row.is_current,
            as_of=row.as_of,
            loaded_at=row.loaded_at,
            load_id=row.load_id,
            line_no=row.line_no,
            record=orjson.loads(row.raw),
        )
        for row in rows
    ]


def changed_fields(older: dict[str, Any], newer: dict[str, Any]) -> list[str]:
    """Top-level fields whose value differs between two versions of a record."""
    return sorted(k for k in older.keys() | newer.keys() if older.get(k) != newer.get(k))


@dataclass(frozen=True, slots=True)
class IdentifierHit:
    kind: str
    value: str
    ref: str
    type: str
    party: int | None
    detail: str | None


def lookup_identifier(engine: Engine, kind: str, value: str, limit: int = 1000) -> list[IdentifierHit]:
    """Records holding exactly this normalized identifier (the index every search reads)."""
    ident, sr = t.identifier, t.source_record
    stmt = (
        select(ident.c.kind, ident.c.value, sr.c.ref, sr.c.type, ident.c.party, ident.c.detail)
        .join(sr, sr.c.id == ident.c.record_id)
        .where(ident.c.kind == kind, ident.c.value == value)
        .order_by(sr.c.ref)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [IdentifierHit(*row) for row in conn.execute(stmt)]


def normalize_query(kind: str, value: str) -> str:
    """The stored form of an identifier typed by a user ("(512) 555-0147" -> "+15125550147")."""
    from vigil.normalize.dates import parse_date
    from vigil.normalize.emails import normalize_email
    from vigil.normalize.phones import normalize_phone
    from vigil.normalize.plates import normalize_plate
    from vigil.normalize.screen_names import parse_screen_name
    from vigil.normalize.ssn import normalize_ssn

    normalizers = {
        "phone": normalize_phone,
        "email": normalize_email,
        "ssn": lambda v: normalize_ssn(v).digits,
        "dob": lambda v: parse_date(v).iso,
        "plate": lambda v: normalize_plate(v).value,
        "screen_name": parse_screen_name,
    }
    normalizer = normalizers.get(kind)
    return (
        normalizer(value) if normalizer else value.strip().upper() if kind in _UPPER_KINDS else value.strip()
    )


_UPPER_KINDS = frozenset({"registrant_id", "case_number", "ori", "vin"})
