"""Matching a query (a search, a quick-hit row, a new record) against resolved persons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from vigil.normalize.addresses import normalize_address
from vigil.normalize.dates import parse_date
from vigil.normalize.emails import normalize_email
from vigil.normalize.names import parse_name
from vigil.normalize.phones import normalize_phone
from vigil.normalize.plates import normalize_plate
from vigil.normalize.screen_names import parse_screen_name
from vigil.normalize.ssn import normalize_ssn
from vigil.resolve.candidates import Query, candidate_keys
from vigil.resolve.compare import gamma
from vigil.resolve.features import Key, PartyFeatures, address_key, load_features_packed, name_f
from vigil.resolve.model import Model
from vigil.store import tables as t
from vigil.store.temp import select_in

QUERY_KEY: Key = (-1, 0)


class BadQuery(ValueError):
    """A query field that cannot be understood (named in the message)."""


def build_query(
    *,
    name: str | None = None,
    first: str | None = None,
    middle: str | None = None,
    last: str | None = None,
    dob: str | None = None,
    ssn: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    screen_name: str | None = None,
    plate: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
    registrant_id: str | None = None,
    sex: str | None = None,
) -> Query:
    """Normalizes what a person typed into query features; raises BadQuery naming the field."""
    f = PartyFeatures(key=QUERY_KEY, ref="query", source="query", type="query", role="subject")
    q = Query(features=f)
    try:
        if first or last:
            n = parse_name({"first": first or "", "middle": middle or "", "last": last or ""})
            f.names.append(
                name_f(n.first, n.middle, n.last, n.suffix, n.first_group, n.first_key, n.last_key)
            )
        elif name:
            n = parse_name(name)
            f.names.append(
                name_f(n.first, n.middle, n.last, n.suffix, n.first_group, n.first_key, n.last_key)
            )
    except ValueError as exc:
        raise BadQuery(f"name: {exc}") from exc
    for label, value, action in (
        ("dob", dob, lambda v: setattr(f, "dob", parse_date(v).iso)),
        ("ssn", ssn, lambda v: f.ssns.add(normalize_ssn(v).digits)),
        ("phone", phone, lambda v: f.phones.add(normalize_phone(v))),
        ("email", email, lambda v: f.emails.add(normalize_email(v))),
        ("screen_name", screen_name, lambda v: f.screen_names.add(parse_screen_name(v))),
        ("plate", plate, lambda v: _add_plate(q, v)),
        ("registrant_id", registrant_id, lambda v: f.registrant_ids.add(v.strip().upper())),
    ):
        if value and value.strip():
            try:
                action(value.strip())
            except ValueError as exc:
                raise BadQuery(f"{label}: {exc}") from exc
    if address or city or zip_code:
        a = normalize_address(
            {"line1": address or "", "city": city or "", "state": state or "", "zip": zip_code or ""}
        )
        if a.zip5:
            f.zips.add(a.zip5)
        if a.line1:
            f.lines.add(address_key(a.line1, a.zip5))
        if a.city:
            f.cities.add((a.city, a.state))
    if sex and sex.strip()[:1].upper() in ("M", "F"):
        f.sex = sex.strip()[:1].upper()
    return q


def _add_plate(query: Query, value: str) -> None:
    plate = normalize_plate(value)
    query.features.plates.add(plate.value)
    if plate.partial:
        query.plate_patterns.add(plate.like)


@dataclass
class Candidate:
    key: Key
    ref: str
    party: int
    weight: float
    probability: float
    gamma: list[int]


@dataclass
class PersonMatch:
    person_id: str | None
    refs: list[str]
    best: Candidate
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def probability(self) -> float:
        return self.best.probability


def score_candidates(
    model: Model, query: PartyFeatures, features: Iterable[PartyFeatures]
) -> list[Candidate]:
    out = []
    for p in features:
        g = gamma(query, p)
        w = model.weight(g)
        out.append(Candidate(p.key, p.ref, p.key[1], w, float(model.probability(w)), g))
    return out


def owners_of(conn: Connection, candidates: list[Candidate]) -> dict[tuple[str, int], str]:
    """(ref, party) -> person_id for the candidates that belong to a person."""
    pm = t.person_member
    refs = sorted({c.ref for c in candidates})
    stmt = select(pm.c.ref, pm.c.party, pm.c.person_id)
    return {(r.ref, r.party): r.person_id for r in select_in(conn, stmt, pm.c.ref, refs, "str")}


def member_refs(conn: Connection, person_ids: set[str]) -> dict[str, list[str]]:
    pm = t.person_member
    out: dict[str, list[str]] = defaultdict(list)
    stmt = select(pm.c.person_id, pm.c.ref, pm.c.party)
    for row in select_in(conn, stmt, pm.c.person_id, sorted(person_ids), "str"):
        out[row.person_id].append(row.ref if row.party == 0 else f"{row.ref}#{row.party}")
    for refs in out.values():
        refs.sort()
    return out


def group_candidates(candidates: list[Candidate], owners: dict[tuple[str, int], str]) -> list[PersonMatch]:
    """Candidates of one query grouped by person (a record in no person stands alone), best first.
    refs are filled in by `fill_refs`."""
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[owners.get((c.ref, c.party)) or f"record:{c.ref}#{c.party}"].append(c)
    matches = []
    for key, group in groups.items():
        group.sort(key=lambda c: (-c.weight, c.ref, c.party))
        best = group[0]
        if key.startswith("record:"):
            matches.append(
                PersonMatch(None, [best.ref if best.party == 0 else f"{best.ref}#{best.party}"], best, group)
            )
        else:
            matches.append(PersonMatch(key, [], best, group))
    matches.sort(
        key=lambda m: (-m.best.weight, m.best.ref, m.best.party)
    )  # ties: same order in every process
    return matches


def fill_refs(conn: Connection, matches: list[PersonMatch]) -> None:
    members = member_refs(conn, {m.person_id for m in matches if m.person_id})
    for m in matches:
        if m.person_id:
            m.refs = members.get(m.person_id, [])


def group_by_person(conn: Connection, candidates: list[Candidate], keep: int = 50) -> list[PersonMatch]:
    matches = group_candidates(candidates, owners_of(conn, candidates))[:keep]
    fill_refs(conn, matches)
    return matches


def match_query(conn: Connection, model: Model, query: Query, limit: int = 500) -> list[PersonMatch]:
    keys = candidate_keys(conn, query, limit=limit)
    if not keys:
        return []
    features = load_features_packed(conn, {k[0] for k in keys})
    scored = score_candidates(model, query.features, (features[k] for k in sorted(keys) if k in features))
    return group_by_person(conn, scored)


def reasons(model: Model, g: list[int]) -> list[str]:
    """The evidence that moved the score, strongest first, in words."""
    rows = [r for r in model.evidence(g) if r["field"] != "prior" and r["level"] != "no data"]
    rows.sort(key=lambda r: -abs(r["weight"]))
    return [f"{r['field']} {r['level'].replace('_', ' ')} ({r['weight']:+.1f})" for r in rows]
