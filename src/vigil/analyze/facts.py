"""The most recent facts about a person (name, DOB, SSN, address, phone) across all its records,
each with the record it came from and its date; conflicts between sources are flagged.

Rows are loaded in bulk (`load_fact_rows`) so a quick-hit of thousands of persons costs a handful
of queries, then facts are computed per person in memory (`facts_from`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, select

from vigil.store import tables as t
from vigil.store.temp import select_in

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


@dataclass
class FactRows:
    """Derived rows of a set of current records, grouped by record row id."""

    records: dict[int, Any] = field(default_factory=dict)
    by_ref: dict[str, int] = field(default_factory=dict)
    names: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    parties: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    identifiers: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    addresses: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    registrations: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))


def load_fact_rows(conn: Connection, refs: Iterable[str]) -> FactRows:
    rows = FactRows()
    sr = t.source_record
    ref_list = sorted(set(refs))
    if not ref_list:
        return rows
    base = select(sr.c.id, sr.c.ref, sr.c.source, sr.c.as_of).where(sr.c.is_current.is_(True))
    for r in select_in(conn, base, sr.c.ref, ref_list, "str"):
        rows.records[r.id] = r
        rows.by_ref[r.ref] = r.id
    ids = sorted(rows.records)
    tables: list[tuple[Table, dict[int, list[Any]], Any]] = [
        (t.name, rows.names, None),
        (t.party, rows.parties, None),
        (t.identifier, rows.identifiers, t.identifier.c.kind.in_(("ssn", "phone"))),
        (t.address, rows.addresses, t.address.c.context.in_(("record", "registration"))),
        (t.registration, rows.registrations, None),
    ]
    for table, target, condition in tables:
        stmt = select(table) if condition is None else select(table).where(condition)
        for r in select_in(conn, stmt, table.c.record_id, ids, "int"):
            target[r.record_id].append(r)
    return rows


def person_facts(conn: Connection, members: list[tuple[str, int]]) -> Facts:
    """Facts over the given (ref, party) members of one person."""
    return facts_from(load_fact_rows(conn, (ref for ref, _ in members)), members)


def facts_from(rows: FactRows, members: list[tuple[str, int]]) -> Facts:
    facts = Facts()
    wanted = set(members)
    ids = sorted(rows.by_ref[ref] for ref in {ref for ref, _ in members} if ref in rows.by_ref)
    if not ids:
        return facts
    records = rows.records
    facts.sources = len({records[i].source for i in ids})

    def ours(row: Any) -> bool:
        party = getattr(row, "party", 0)
        return (records[row.record_id].ref, party if party is not None else 0) in wanted

    def collect(group: dict[int, list[Any]]) -> list[Any]:
        return [row for i in ids for row in group.get(i, ()) if ours(row)]

    def rank(record_id: int, when: date | None) -> tuple[date, int]:
        r = records[record_id]
        return (when or r.as_of or date.min, reliability(r.source))

    names = collect(rows.names)
    primary = [n for n in names if n.kind == "primary"] or names
    if primary:
        best = max(primary, key=lambda n: rank(n.record_id, None))
        facts.name = Fact(best.full, records[best.record_id].as_of, records[best.record_id].ref)
    parties = collect(rows.parties)
    dobs = Counter(p.dob for p in parties if p.dob and p.dob_precision == "day")
    if dobs:
        # Most sources win; a tie goes to the most recent, most reliable source, then the value.
        source = max(
            (p for p in parties if p.dob in dobs), key=lambda p: (dobs[p.dob], rank(p.record_id, None), p.dob)
        )
        value = source.dob
        facts.dob = Fact(value.isoformat(), records[source.record_id].as_of, records[source.record_id].ref)
        if len(dobs) > 1:
            facts.conflicts.append("dob")
    facts.deceased = any(p.deceased for p in parties)

    identifiers = collect(rows.identifiers)
    ssns = Counter(i.value for i in identifiers if i.kind == "ssn")
    if ssns:
        source = max(
            (i for i in identifiers if i.kind == "ssn"),
            key=lambda i: (ssns[i.value], rank(i.record_id, None), i.value),
        )
        value = source.value
        facts.ssn = Fact(value, records[source.record_id].as_of, records[source.record_id].ref)
        facts.ssn_not_issued = source.detail == "not_issued"
        if len(ssns) > 1:
            facts.conflicts.append("ssn")
    phones = [i for i in identifiers if i.kind == "phone"]
    if phones:
        best = max(phones, key=lambda i: rank(i.record_id, i.last_seen or i.first_seen))
        facts.phone = Fact(
            best.value,
            best.last_seen or best.first_seen or records[best.record_id].as_of,
            records[best.record_id].ref,
        )

    addresses = collect(rows.addresses)
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
    facts.registration = _registration(collect(rows.registrations), records, addresses)
    return facts


def _registration(rows: list[Any], records: dict[int, Any], addresses: list[Any]) -> dict[str, Any] | None:
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
