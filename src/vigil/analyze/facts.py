"""The most recent facts about a person (name, DOB, SSN, address, phone) across all its records,
each with the record it came from and its date; conflicts between sources are flagged."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from vigil.store import tables as t

# Ties on date go to the more reliable source: a registry or NCIC entry over a vendor's guess.
_RELIABILITY = (("registry:", 3), ("ncic", 3), ("pubrec:", 2))


def reliability(source: str) -> int:
    return next((score for prefix, score in _RELIABILITY if source.startswith(prefix)), 1)


@dataclass
class Fact:
    value: str
    as_of: date | None
    ref: str

    def document(self) -> dict[str, Any]:
        return {"value": self.value, "as_of": self.as_of.isoformat() if self.as_of else None, "ref": self.ref}


@dataclass
class Facts:
    name: Fact | None = None
    dob: Fact | None = None
    ssn: Fact | None = None
    ssn_not_issued: bool = False
    address: Fact | None = None
    address_lat_lon: tuple[float, float] | None = None
    phone: Fact | None = None
    registration: dict[str, Any] | None = None
    deceased: bool = False
    sources: int = 0
    conflicts: list[str] = field(default_factory=list)


def _members_filter(members: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
    sr = t.source_record
    refs = sorted({ref for ref, _ in members})
    return sr.c.ref.in_(refs) & sr.c.is_current.is_(True)


def person_facts(conn: Connection, members: list[tuple[str, int]]) -> Facts:
    """Facts over the given (ref, party) members of one person."""
    facts = Facts()
    if not members:
        return facts
    wanted = set(members)
    sr = t.source_record
    records = {
        row.id: row
        for row in conn.execute(
            select(sr.c.id, sr.c.ref, sr.c.source, sr.c.as_of).where(_members_filter(members))
        )
    }
    facts.sources = len({r.source for r in records.values()})
    ids = list(records)

    def ours(record_id: int, party: int | None) -> bool:
        return (records[record_id].ref, party if party is not None else 0) in wanted

    def rank(record_id: int, when: date | None) -> tuple[date, int]:
        r = records[record_id]
        return (when or r.as_of or date.min, reliability(r.source))

    pt, nm = t.party, t.name
    names = [
        row
        for row in conn.execute(select(nm).where(nm.c.record_id.in_(ids)))
        if ours(row.record_id, row.party)
    ]
    primary = [n for n in names if n.kind == "primary"] or names
    if primary:
        best = max(primary, key=lambda n: rank(n.record_id, None))
        facts.name = Fact(best.full, records[best.record_id].as_of, records[best.record_id].ref)
    parties = [
        row
        for row in conn.execute(select(pt).where(pt.c.record_id.in_(ids)))
        if ours(row.record_id, row.party)
    ]
    dobs = Counter(p.dob for p in parties if p.dob and p.dob_precision == "day")
    if dobs:
        value, _ = dobs.most_common(1)[0]
        source = max((p for p in parties if p.dob == value), key=lambda p: rank(p.record_id, None))
        facts.dob = Fact(value.isoformat(), records[source.record_id].as_of, records[source.record_id].ref)
        if len(dobs) > 1:
            facts.conflicts.append("dob")
    facts.deceased = any(p.deceased for p in parties)

    ident = t.identifier
    idents = [
        row
        for row in conn.execute(
            select(ident).where(ident.c.record_id.in_(ids), ident.c.kind.in_(("ssn", "phone")))
        )
        if ours(row.record_id, row.party)
    ]
    ssns = Counter(i.value for i in idents if i.kind == "ssn")
    if ssns:
        value, _ = ssns.most_common(1)[0]
        source = max(
            (i for i in idents if i.kind == "ssn" and i.value == value), key=lambda i: rank(i.record_id, None)
        )
        facts.ssn = Fact(value, records[source.record_id].as_of, records[source.record_id].ref)
        facts.ssn_not_issued = source.detail == "not_issued"
        if len(ssns) > 1:
            facts.conflicts.append("ssn")
    phones = [i for i in idents if i.kind == "phone"]
    if phones:
        best = max(phones, key=lambda i: rank(i.record_id, i.last_seen or i.first_seen))
        facts.phone = Fact(
            best.value,
            best.last_seen or best.first_seen or records[best.record_id].as_of,
            records[best.record_id].ref,
        )

    ad = t.address
    addresses = [
        row
        for row in conn.execute(
            select(ad).where(ad.c.record_id.in_(ids), ad.c.context.in_(("record", "registration")))
        )
        if ours(row.record_id, row.party)
    ]
    residences = (
        [a for a in addresses if a.context == "record" and a.valid_to is None]
        or [a for a in addresses if a.context == "record"]
        or addresses
    )
    if residences:
        best = max(residences, key=lambda a: rank(a.record_id, a.valid_from))
        facts.address = Fact(
            best.std_line, best.valid_from or records[best.record_id].as_of, records[best.record_id].ref
        )
        if best.lat is not None:
            facts.address_lat_lon = (best.lat, best.lon)
    facts.registration = _registration(conn, ids, records, addresses, ours)
    return facts


def _registration(
    conn: Connection, ids: list[int], records: dict[int, Any], addresses: list[Any], ours
) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    reg = t.registration
    rows = [
        r for r in conn.execute(select(reg).where(reg.c.record_id.in_(ids))) if ours(r.record_id, r.party)
    ]
    if not rows:
        return None
    best = max(rows, key=lambda r: (r.last_verified or date.min, records[r.record_id].as_of or date.min))
    address = next(
        (a for a in addresses if a.record_id == best.record_id and a.idx == best.address_idx), None
    )
    return {
        "ref": records[best.record_id].ref,
        "registrant_id": best.registrant_id,
        "state": best.state,
        "tier": best.tier,
        "status": best.status,
        "registered_on": best.registered_on,
        "last_verified": best.last_verified,
        "next_due": best.next_due,
        "address": address.std_line if address else None,
        "states": sorted({r.state for r in rows}),
    }
