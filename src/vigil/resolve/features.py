"""What resolution compares: one `PartyFeatures` per person inside a current record, read in bulk
from the derived tables (never from raw JSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from vigil.normalize.names import surname_parts
from vigil.store import tables as t
from vigil.store.bulk import insert_tuples
from vigil.store.temp import BULK, select_in, temp_table

Key = tuple[int, int]  # (source_record row id, party index)


@dataclass(frozen=True, slots=True)
class NameF:
    first: str
    middle: str
    last: str
    suffix: str
    first_group: str
    first_key: str
    last_key: str
    last_parts: tuple[str, ...]


@dataclass(slots=True)
class PartyFeatures:
    key: Key
    ref: str
    source: str
    type: str
    role: str
    as_of: date | None = None
    sex: str | None = None
    dob: str | None = None  # ISO at its precision ("1979", "1979-04", "1979-04-12")
    names: list[NameF] = field(default_factory=list)
    ssns: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    registrant_ids: set[str] = field(default_factory=set)
    plates: set[str] = field(default_factory=set)  # a query's may hold wildcards ("7K?2")
    screen_names: set[str] = field(default_factory=set)
    zips: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    cities: set[tuple[str, str]] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.ref}#{self.key[1]}" if self.key[1] else self.ref


def address_key(line1: str, zip5: str) -> str:
    """Street line and ZIP: what identifies a dwelling. Unit, city spelling and the rest of the
    standardized line vary between sources for the same door."""
    return f"{line1}|{zip5}"


def name_f(
    first: str, middle: str, last: str, suffix: str, group: str, first_key: str, last_key: str
) -> NameF:
    return NameF(first, middle, last, suffix, group, first_key, last_key, surname_parts(last) if last else ())


def _dob_text(value: date | None, precision: str | None) -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def load_features(conn: Connection, record_ids: Iterable[int] | None = None) -> dict[Key, PartyFeatures]:
    """Features of every party of the given current records (all current records when None)."""
    if record_ids is None:
        return _read_features(conn, lambda stmt, column: conn.execute(stmt))
    ids = sorted(set(record_ids))
    if len(ids) <= BULK:
        return _read_features(conn, lambda stmt, column: conn.execute(stmt.where(column.in_(ids))))
    # One table of ids shared by the four reads (a quick-hit batch asks for tens of thousands).
    with temp_table(conn, [("v", "int")], ((v,) for v in ids), index=("v",)) as wanted:
        return _read_features(
            conn, lambda stmt, column: conn.execute(stmt.where(column.in_(select(wanted.c.v))))
        )


def _read_features(conn: Connection, rows: Callable[[Any, Any], Any]) -> dict[Key, PartyFeatures]:
    """`rows(stmt, record_id_column)` runs a statement restricted to the wanted records. Rows are
    unpacked by position: attribute access on a million rows costs more than the SQL."""
    sr, pt = t.source_record, t.party
    base = (
        select(
            pt.c.record_id,
            pt.c.party,
            pt.c.role,
            pt.c.sex,
            pt.c.dob,
            pt.c.dob_precision,
            sr.c.ref,
            sr.c.source,
            sr.c.type,
            sr.c.as_of,
        )
        .join(sr, sr.c.id == pt.c.record_id)
        .where(sr.c.is_current.is_(True))
    )
    out: dict[Key, PartyFeatures] = {}
    for record_id, party, role, sex, dob, precision, ref, source, type_, as_of in rows(base, pt.c.record_id):
        out[(record_id, party)] = PartyFeatures(
            key=(record_id, party),
            ref=ref,
            source=source,
            type=type_,
            role=role,
            as_of=as_of,
            sex=sex if sex in ("M", "F") else None,
            dob=_dob_text(dob, precision),
        )
    nm = t.name
    names = select(
        nm.c.record_id,
        nm.c.party,
        nm.c.first,
        nm.c.middle,
        nm.c.last,
        nm.c.suffix,
        nm.c.first_group,
        nm.c.first_key,
        nm.c.last_key,
    )
    for record_id, party, *parts in rows(names, nm.c.record_id):
        features = out.get((record_id, party))
        if features is not None:
            features.names.append(name_f(*parts))
    ident = t.identifier
    # Kinds are filtered here, not in SQL: with a kind filter the planner walks the (kind, value) index
    # over millions of identifiers instead of looking up the few records asked for.
    identifiers = select(ident.c.record_id, ident.c.party, ident.c.kind, ident.c.value)
    for record_id, party, kind, value in rows(identifiers, ident.c.record_id):
        # Identifiers owned by a case (party null) describe the case, not a person in it.
        target = _IDENTIFIER_SETS.get(kind) if party is not None else None
        features = out.get((record_id, party)) if target else None
        if features is not None:
            getattr(features, target).add(value)  # type: ignore[arg-type]
    ad = t.address
    addresses = select(ad.c.record_id, ad.c.party, ad.c.zip5, ad.c.city, ad.c.state, ad.c.line1).where(
        ad.c.context.in_(("record", "registration"))
    )
    for record_id, party, zip5, city, state, line1 in rows(addresses, ad.c.record_id):
        features = out.get((record_id, party if party is not None else 0))
        if features is None:
            continue
        if zip5:
            features.zips.add(zip5)
        if line1:
            features.lines.add(address_key(line1, zip5))
        if city:
            features.cities.add((city, state))
    return out


# identifier kind -> the PartyFeatures set it fills
_IDENTIFIER_SETS = {
    "ssn": "ssns",
    "phone": "phones",
    "email": "emails",
    "registrant_id": "registrant_ids",
    "plate": "plates",
    "screen_name": "screen_names",
}


# --- the packed copy in party_feature ---------------------------------------------------------------
# Bump when pack/unpack or what load_features reads changes: rows of another version are not trusted.
PACK_VERSION = 2


def pack(p: PartyFeatures) -> bytes:
    return orjson.dumps(
        [
            PACK_VERSION,
            p.ref,
            p.source,
            p.type,
            p.role,
            p.as_of.isoformat() if p.as_of else None,
            p.sex,
            p.dob,
            [
                [n.first, n.middle, n.last, n.suffix, n.first_group, n.first_key, n.last_key, n.last_parts]
                for n in p.names
            ],
            sorted(p.ssns),
            sorted(p.phones),
            sorted(p.emails),
            sorted(p.registrant_ids),
            sorted(p.plates),
            sorted(p.screen_names),
            sorted(p.zips),
            sorted(p.lines),
            sorted(p.cities),
        ]
    )


def unpack(key: Key, data: bytes) -> PartyFeatures | None:
    """The features packed in `data`, or None when another version of Vigil packed them."""
    fields = orjson.loads(data)
    if fields[0] != PACK_VERSION:
        return None
    ref, source, type_, role, as_of, sex, dob, names, *sets = fields[1:]
    ssns, phones, emails, registrant_ids, plates, screen_names, zips, lines, cities = sets
    return PartyFeatures(
        key=key,
        ref=ref,
        source=source,
        type=type_,
        role=role,
        as_of=date.fromisoformat(as_of) if as_of else None,
        sex=sex,
        dob=dob,
        names=[NameF(*n[:7], tuple(n[7])) for n in names],
        ssns=set(ssns),
        phones=set(phones),
        emails=set(emails),
        registrant_ids=set(registrant_ids),
        plates=set(plates),
        screen_names=set(screen_names),
        zips=set(zips),
        lines=set(lines),
        cities=set(map(tuple, cities)),
    )


def store_packed(conn: Connection, features: Iterable[PartyFeatures], *, replace_all: bool = False) -> None:
    """Write the packed copy of `features` (all of them replacing the table when `replace_all`)."""
    table = t.party_feature
    rows = [(p.key[0], p.key[1], pack(p)) for p in features]
    if replace_all:
        conn.execute(delete(table))
    elif rows:
        for start in range(0, len(rows), BULK):
            chunk = sorted({r[0] for r in rows[start : start + BULK]})
            conn.execute(delete(table).where(table.c.record_id.in_(chunk)))
    insert_tuples(conn, table, ("record_id", "party", "data"), rows)


def load_features_packed(conn: Connection, record_ids: Iterable[int]) -> dict[Key, PartyFeatures]:
    """Like `load_features`, from the packed copy where it has the record, else from the derived tables."""
    ids = sorted(set(record_ids))
    table = t.party_feature
    stmt = select(table.c.record_id, table.c.party, table.c.data)
    out: dict[Key, PartyFeatures] = {}
    for record_id, party, data in select_in(conn, stmt, table.c.record_id, ids, "int"):
        features = unpack((record_id, party), data)
        if features is not None:
            out[(record_id, party)] = features
    missing = set(ids) - {key[0] for key in out}
    if missing:
        out.update(load_features(conn, missing))
    return out
