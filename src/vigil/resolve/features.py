"""What resolution compares: one `PartyFeatures` per person inside a current record, read in bulk
from the derived tables (never from raw JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from vigil.normalize.names import surname_parts
from vigil.store import tables as t
from vigil.store.temp import select_in

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
    id_list = None if record_ids is None else sorted(set(record_ids))

    def rows(stmt, column):  # type: ignore[no-untyped-def]
        if id_list is None:
            return conn.execute(stmt)
        return select_in(conn, stmt, column, id_list, "int")

    for r in rows(base, pt.c.record_id):
        out[(r.record_id, r.party)] = PartyFeatures(
            key=(r.record_id, r.party),
            ref=r.ref,
            source=r.source,
            type=r.type,
            role=r.role,
            as_of=r.as_of,
            sex=r.sex if r.sex in ("M", "F") else None,
            dob=_dob_text(r.dob, r.dob_precision),
        )
    nm = t.name
    for r in rows(
        select(
            nm.c.record_id,
            nm.c.party,
            nm.c.first,
            nm.c.middle,
            nm.c.last,
            nm.c.suffix,
            nm.c.first_group,
            nm.c.first_key,
            nm.c.last_key,
        ),
        nm.c.record_id,
    ):
        features = out.get((r.record_id, r.party))
        if features is not None:
            features.names.append(
                name_f(r.first, r.middle, r.last, r.suffix, r.first_group, r.first_key, r.last_key)
            )
    ident = t.identifier
    wanted = frozenset(("ssn", "phone", "email", "registrant_id", "plate", "screen_name"))
    # Kinds are filtered here, not in SQL: with a kind filter the planner walks the (kind, value) index
    # over millions of identifiers instead of looking up the few records asked for.
    for r in rows(select(ident.c.record_id, ident.c.party, ident.c.kind, ident.c.value), ident.c.record_id):
        # Identifiers owned by a case (party null) describe the case, not a person in it.
        features = out.get((r.record_id, r.party)) if r.party is not None and r.kind in wanted else None
        if features is None:
            continue
        if r.kind == "ssn":
            features.ssns.add(r.value)
        elif r.kind == "phone":
            features.phones.add(r.value)
        elif r.kind == "email":
            features.emails.add(r.value)
        elif r.kind == "plate":
            features.plates.add(r.value)
        elif r.kind == "screen_name":
            features.screen_names.add(r.value)
        else:
            features.registrant_ids.add(r.value)
    ad = t.address
    for r in rows(
        select(ad.c.record_id, ad.c.party, ad.c.zip5, ad.c.std_line, ad.c.city, ad.c.state, ad.c.line1).where(
            ad.c.context.in_(("record", "registration"))
        ),
        ad.c.record_id,
    ):
        features = out.get((r.record_id, r.party if r.party is not None else 0))
        if features is None:
            continue
        if r.zip5:
            features.zips.add(r.zip5)
        if r.line1:
            features.lines.add(address_key(r.line1, r.zip5))
        if r.city:
            features.cities.add((r.city, r.state))
    return out
