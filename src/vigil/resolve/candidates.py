"""Candidate retrieval for one query through the persistent index (identifier and name tables), so a
search or a quick-hit row never rescans the store. Every key tolerates the noise the comparisons
forgive: nicknames (first-name group), swapped names, day/month swaps, one-digit SSN errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, or_, select, union

from vigil.normalize.dates import day_month_swapped, parse_date
from vigil.resolve.features import Key, PartyFeatures
from vigil.store import tables as t

MAX_PER_KEY = 200  # a key shared by more parties than this (a common name with no DOB) narrows nothing


def ssn_variants(ssn: str) -> set[str]:
    """The SSN itself, every one-digit substitution and every adjacent transposition."""
    out = {ssn}
    for i, digit in enumerate(ssn):
        for other in "0123456789":
            if other != digit:
                out.add(ssn[:i] + other + ssn[i + 1 :])
    for i in range(len(ssn) - 1):
        out.add(ssn[:i] + ssn[i + 1] + ssn[i] + ssn[i + 2 :])
    return out


def dob_variants(dob: str) -> set[str]:
    out = {dob}
    if len(dob) == 10:
        swapped = day_month_swapped(parse_date(dob))
        if swapped:
            out.add(swapped.iso)
    return out


@dataclass
class Query:
    """What a search or a quick-hit row asks: features, plus LIKE patterns for partial plates."""

    features: PartyFeatures
    plate_patterns: set[str] = field(default_factory=set)  # SQL LIKE patterns of partial plates


def candidate_keys(conn: Connection, query: Query, limit: int = 500) -> set[Key]:
    f = query.features
    ident, nm = t.identifier, t.name
    selects = []
    exact: list[tuple[str, set[str]]] = [
        ("phone", f.phones),
        ("email", f.emails),
        ("registrant_id", f.registrant_ids),
        ("plate", {p for p in f.plates if "?" not in p and "*" not in p}),
        ("screen_name", f.screen_names),
    ]
    ssns = set().union(*(ssn_variants(s) for s in f.ssns)) if f.ssns else set()
    exact.append(("ssn", ssns))
    for kind, values in exact:
        if values:
            selects.append(
                select(ident.c.record_id, ident.c.party)
                .where(ident.c.kind == kind, ident.c.value.in_(sorted(values)), ident.c.party.is_not(None))
                .limit(MAX_PER_KEY)
            )
    for pattern in query.plate_patterns:
        selects.append(
            select(ident.c.record_id, ident.c.party)
            .where(ident.c.kind == "plate", ident.c.value.like(pattern), ident.c.party.is_not(None))
            .limit(MAX_PER_KEY)
        )
    name_conditions = []
    for n in f.names:
        if n.last_key and n.first_group:
            name_conditions.append(and_(nm.c.last_key == n.last_key, nm.c.first_group == n.first_group))
        if n.first_key and n.last_key:
            name_conditions.append(and_(nm.c.last_key == n.first_key, nm.c.first_key == n.last_key))
        if n.last and n.first:
            name_conditions.append(and_(nm.c.last == n.last, nm.c.first == n.first))
    if name_conditions:
        selects.append(select(nm.c.record_id, nm.c.party).where(or_(*name_conditions)).limit(MAX_PER_KEY))
    if f.dob and len(f.dob) == 10:
        selects.append(
            select(ident.c.record_id, ident.c.party)
            .where(ident.c.kind == "dob", ident.c.value.in_(sorted(dob_variants(f.dob))))
            .limit(MAX_PER_KEY)
        )
    if not selects:
        return set()
    # Each branch is limited on its own; a subquery keeps the LIMIT legal inside UNION on SQLite.
    branches = [s.subquery().select() for s in selects]
    stmt = union(*branches).limit(limit)
    return {(row[0], row[1] if row[1] is not None else 0) for row in conn.execute(stmt)}
