"""Links between records through shared identifiers: scoring, hub identifiers, tip links, stream matching.

The identifier table is the index (ARCHITECTURE.md, principle 3): every question here is a few
`value IN (...)` lookups on it, never a scan. Two records are linked when they hold the same
normalized identifier; the link's score grows with the identifier kind's strength (an SSN or an
e-mail says more than an IP address) and shrinks as more unrelated subjects hold it. An identifier
held by `hub_min` or more subjects (a youth shelter's intake line, a library's Wi-Fi address) is a
*hub*: reported, never used as evidence, so it cannot glue unrelated cases together.

Subjects are resolved persons where resolution has run (vigil.resolve), else records: one man's
twelve vendor records holding his phone make one subject, not a hub.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, distinct, func, select

from vigil import audit
from vigil.config import Actor
from vigil.normalize.text_identifiers import UNKNOWN_PLATFORM, known_platforms
from vigil.store import tables as t

# How much one shared identifier of a kind says that two records are about the same individual.
KIND_WEIGHTS: dict[str, float] = {
    "ssn": 0.95,
    "registrant_id": 0.95,
    "case_number": 0.95,
    "vin": 0.95,
    "file_hash": 0.95,
    "photo_hash": 0.9,
    "email": 0.9,
    "screen_name": 0.9,
    "phone": 0.85,
    "plate": 0.7,
    "url": 0.6,
    "ip": 0.6,
}
# Prose does not say whose number it is (the suspect's, the victim's, a shelter's).
NARRATIVE_FACTOR = 0.9
# "@xx_dan" with no platform named matches any platform's xx_dan, less surely.
UNKNOWN_PLATFORM_FACTOR = 0.7
# Record types that never link: an agency's contact phone says nothing about a suspect.
UNLINKED_TYPES = frozenset({"agency"})
_CHUNK = 500
ALL_PARTIES = "all"  # the record asked about: every identifier in it counts
_DRIVER_CHUNK = 5000  # under SQLite's 32,766 bound parameters; PostgreSQL gets one array


@dataclass(frozen=True, slots=True)
class LinkSettings:
    hub_min: int = 20  # subjects holding an identifier that make it a hub
    soft: int = 5  # up to this many subjects an identifier counts in full
    min_score: float = 0.3  # a shared identifier weaker than this is no link (nor followed)
    min_chain: float = 0.1  # a chain of links weaker than this (product over its hops) is not reported
    hop_decay: float = 0.85  # a chain's score loses this factor per hop after the first
    max_frontier: int = 2000  # records expanded per hop at most (best first)

    @classmethod
    def from_env(cls, **overrides: Any) -> LinkSettings:
        """Defaults, then $VIGIL_HUB_MIN, then explicit (non-None) overrides."""
        values: dict[str, Any] = {}
        if os.environ.get("VIGIL_HUB_MIN"):
            values["hub_min"] = int(os.environ["VIGIL_HUB_MIN"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def hard_cap(self) -> int:
        # Past this many records an identifier is a hub whoever holds it: its postings are not fetched.
        return max(self.hub_min * 20, 200)

    def rarity(self, subjects: int) -> float:
        """1 up to `soft` holders, falling (log scale) to 0.5 just below `hub_min`, 0 from there on."""
        if subjects >= self.hub_min:
            return 0.0
        if subjects <= self.soft or self.hub_min <= self.soft:
            return 1.0
        return 1.0 - 0.5 * math.log(subjects / self.soft) / math.log(self.hub_min / self.soft)


Key = tuple[str, str]  # (kind, value), value normalized as in the identifier table


def key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def parse_key(text: str) -> Key:
    """ "phone:+15125550147" -> ("phone", "+15125550147"); the value is taken as already normalized."""
    kind, sep, value = text.partition(":")
    if not sep or not kind or not value:
        raise ValueError(f"an identifier is KIND:VALUE, e.g. phone:+15125550147, got {text!r}")
    return kind.strip(), value.strip()


@dataclass(frozen=True, slots=True)
class Holder:
    """One record holding an identifier."""

    record_id: int
    ref: str
    type: str
    party: int | None
    detail: str | None


@dataclass(slots=True)
class KeyInfo:
    """How widely an identifier is held, and by whom (holders are empty for hubs past the hard cap)."""

    key: Key
    records: int
    subjects: int
    hub: bool
    holders: list[Holder] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Held:
    """An identifier a record holds."""

    kind: str
    value: str
    party: int | None
    detail: str | None

    @property
    def key(self) -> Key:
        return (self.kind, self.value)


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_PLATFORMS = sorted(known_platforms())


def lookup_keys(key: Key) -> list[tuple[Key, float]]:
    """The index keys to look up for one held identifier, with the factor a match through each carries.

    A handle with an unknown platform is looked up on every platform and a known one also as
    "unknown/handle"; everything else only as itself.
    """
    kind, value = key
    if kind != "screen_name" or "/" not in value:
        return [(key, 1.0)]
    platform, handle = value.split("/", 1)
    if platform == UNKNOWN_PLATFORM:
        return [(key, 1.0)] + [
            (("screen_name", f"{p}/{handle}"), UNKNOWN_PLATFORM_FACTOR) for p in _PLATFORMS
        ]
    return [(key, 1.0), (("screen_name", f"{UNKNOWN_PLATFORM}/{handle}"), UNKNOWN_PLATFORM_FACTOR)]


# --- index access --------------------------------------------------------------------------------


def current_records(conn: Connection, refs: Iterable[str]) -> dict[str, tuple[int, str]]:
    """ref -> (row id of the current version, record type), for the refs that exist."""
    sr = t.source_record
    out: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(set(refs))):
        rows = conn.execute(
            select(sr.c.ref, sr.c.id, sr.c.type).where(sr.c.ref.in_(chunk), sr.c.is_current.is_(True))
        )
        for ref, rid, rtype in rows:
            out[ref] = (rid, rtype)
    return out


def identifiers_of(
    conn: Connection, record_ids: Iterable[int], kinds: Iterable[str] | None = None
) -> dict[int, list[Held]]:
    """The linkable identifiers each record holds (each (kind, value) once per record)."""
    ident = t.identifier
    wanted = list(kinds or KIND_WEIGHTS)
    out: dict[int, list[Held]] = {}
    seen: set[tuple[int, str, str]] = set()
    for chunk in chunks(sorted(set(record_ids))):
        rows = conn.execute(
            select(ident.c.record_id, ident.c.kind, ident.c.value, ident.c.party, ident.c.detail)
            .where(ident.c.record_id.in_(chunk), ident.c.kind.in_(wanted))
            .order_by(ident.c.record_id, ident.c.id)
        )
        for rid, kind, value, party, detail in rows:
            if kind == "plate" and detail == "partial":
                continue  # "7K?2" is a search pattern, not an identifier two records can share
            if (rid, kind, value) in seen:
                continue
            seen.add((rid, kind, value))
            out.setdefault(rid, []).append(Held(kind, value, party, detail))
    return out


def _value_in(conn: Connection, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """`identifier.value` matching any of `values`, as driver SQL: the two hot lookups skip SQLAlchemy's
    statement compilation, which cost more than the index lookups themselves (bench/links.py)."""
    if conn.dialect.name == "postgresql":
        return "i.value = ANY(%s)", (list(values),)
    return f"i.value IN ({','.join('?' * len(values))})", tuple(values)


def _by_value(keys: Iterable[Key]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for kind, value in keys:
        out.setdefault(value, set()).add(kind)
    return out


def record_counts(conn: Connection, keys: Iterable[Key]) -> dict[Key, int]:
    """How many current records hold each identifier (absent: none)."""
    wanted = _by_value(keys)
    out: dict[Key, int] = {}
    for chunk in chunks(sorted(wanted), _DRIVER_CHUNK):
        where, params = _value_in(conn, chunk)
        rows = conn.exec_driver_sql(
            f"SELECT i.kind, i.value, COUNT(DISTINCT i.record_id) FROM identifier i WHERE {where}"
            " GROUP BY i.kind, i.value",
            params,
        )
        for kind, value, n in rows:
            if kind in wanted[value]:
                out[(kind, value)] = n
    return out


def holders_of(conn: Connection, keys: Iterable[Key]) -> dict[Key, list[Holder]]:
    """The current records holding each identifier."""
    wanted = _by_value(keys)
    out: dict[Key, list[Holder]] = {}
    seen: set[tuple[str, str, int]] = set()
    for chunk in chunks(sorted(wanted), _DRIVER_CHUNK):
        where, params = _value_in(conn, chunk)
        rows = conn.exec_driver_sql(
            "SELECT i.kind, i.value, i.record_id, s.ref, s.type, i.party, i.detail"
            f" FROM identifier i JOIN source_record s ON s.id = i.record_id WHERE {where} ORDER BY i.id",
            params,
        )
        for kind, value, rid, ref, rtype, party, detail in rows:
            if kind not in wanted[value] or (kind, value, rid) in seen:
                continue
            seen.add((kind, value, rid))
            out.setdefault((kind, value), []).append(Holder(rid, ref, rtype, party, detail))
    return out


def persons_of(conn: Connection, refs: Iterable[str]) -> dict[tuple[str, int], str]:
    """(ref, party) -> person_id for the refs resolution has placed in a person."""
    pm = t.person_member
    out: dict[tuple[str, int], str] = {}
    for chunk in chunks(sorted(set(refs))):
        for ref, party, pid in conn.execute(
            select(pm.c.ref, pm.c.party, pm.c.person_id).where(pm.c.ref.in_(chunk))
        ):
            out[(ref, party)] = pid
    return out


def members_of_persons(conn: Connection, person_ids: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    pm = t.person_member
    out: dict[str, list[tuple[str, int]]] = {}
    for chunk in chunks(sorted(set(person_ids))):
        for ref, party, pid in conn.execute(
            select(pm.c.ref, pm.c.party, pm.c.person_id).where(pm.c.person_id.in_(chunk))
        ):
            out.setdefault(pid, []).append((ref, party))
    return out


class KeyIndex:
    """Identifier lookups with hub detection, cached for the life of one query or one stream.

    `info(keys)` answers how many records and subjects hold each key, whether it is a hub, and
    (for non-hubs) which records hold it. With `cache_all=False` (a stream, whose own tips keep
    joining the index) only hubs are remembered: everything else is looked up fresh each time.
    """

    def __init__(self, conn: Connection, settings: LinkSettings, cache_all: bool = True) -> None:
        self.conn = conn
        self.settings = settings
        self.cache_all = cache_all
        self._cache: dict[Key, KeyInfo] = {}
        self._has_persons: bool | None = None

    def has_persons(self) -> bool:
        if self._has_persons is None:
            pm = t.person_member
            self._has_persons = self.conn.execute(select(pm.c.ref).limit(1)).first() is not None
        return self._has_persons

    def info(self, keys: Iterable[Key]) -> dict[Key, KeyInfo]:
        """KeyInfo of each key some current record holds (keys nobody holds are left out)."""
        wanted = set(keys)
        cache = self._cache
        out = {k: cache[k] for k in wanted if k in cache}
        missing = [k for k in wanted if k not in cache]
        if missing:
            for key, info in self._load(missing).items():
                if self.cache_all or info.hub:
                    cache[key] = info
                out[key] = info
        return {k: v for k, v in out.items() if v.records}

    def _load(self, keys: list[Key]) -> dict[Key, KeyInfo]:
        s = self.settings
        cap = s.hard_cap
        counts = record_counts(self.conn, keys)
        fetch = [k for k, n in counts.items() if n <= cap]
        holders = holders_of(self.conn, fetch) if fetch else {}
        persons: dict[tuple[str, int], str] = {}
        crowded = [k for k in fetch if counts[k] > s.soft]
        if crowded and self.has_persons():
            persons = persons_of(self.conn, {h.ref for k in crowded for h in holders.get(k, ())})
        out: dict[Key, KeyInfo] = {}
        for key in keys:
            n = counts.get(key, 0)
            if n > cap:
                out[key] = KeyInfo(key, n, n, True)
                continue
            held = holders.get(key, [])
            subjects = n
            if n > s.soft and persons:
                subjects = len({persons.get((h.ref, h.party or 0), h.ref) for h in held})
            hub = subjects >= s.hub_min
            out[key] = KeyInfo(key, n, subjects, hub, [] if hub else held)
        return out


# --- links ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Link:
    """A record linked to the one asked about: directly (hops 1) or through a chain of records."""

    ref: str
    type: str
    score: float
    via: str  # the strongest shared identifier, or the chain's identifiers joined by " > "
    hops: int
    shared: list[str] = field(default_factory=list)  # every identifier shared with the previous step
    steps: list[dict[str, str]] = field(default_factory=list)  # [{ref, via}] from the start to here

    def document(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "via": self.via,
            "score": round(self.score, 4),
            "kind": "shared_identifier" if self.hops == 1 else "chain",
            "type": self.type,
            "hops": self.hops,
            "shared": self.shared,
            "steps": self.steps,
        }


@dataclass(slots=True)
class _Reach:
    record_id: int
    ref: str
    type: str
    score: float
    steps: list[dict[str, str]]
    shared: list[str]
    group: int | str | None = ALL_PARTIES  # whose identifiers a chain may go on through (party_group)


def party_group(party: int | None) -> int:
    """Which person inside a record an identifier speaks for, for chaining.

    A record holds several people (a case's child, companions and suspects; a tip's suspect and
    victim). A chain that came in through one of them may only go on through that one's
    identifiers, or it would join two different people met in one case. The subject (party 0) and
    the record's own identifiers (party None: a tip's IPs and narrative) count as one group: a tip
    is about its suspect.
    """
    return 0 if party is None else party


def edge_weight(settings: LinkSettings, kind: str, subjects: int, *details: str | None) -> float:
    """What one shared identifier is worth between two records."""
    weight = KIND_WEIGHTS.get(kind, 0.0) * settings.rarity(subjects)
    if any(d == "narrative" for d in details):
        weight *= NARRATIVE_FACTOR
    return weight


def _noisy_or(scores: Iterable[float]) -> float:
    miss = 1.0
    for s in scores:
        miss *= 1.0 - s
    return 1.0 - miss


@dataclass(slots=True)
class _Edges:
    """Edges out of one record: target record id -> (best first) [(weight, via key text)]."""

    by_target: dict[int, list[tuple[float, str, Holder]]] = field(default_factory=dict)

    def add(self, target: Holder, weight: float, via: str) -> None:
        self.by_target.setdefault(target.record_id, []).append((weight, via, target))

    def scored(self) -> Iterator[tuple[Holder, float, list[str]]]:
        """(the holder behind the strongest via, combined score, vias strongest first) per target."""
        for found in self.by_target.values():
            best: dict[str, tuple[float, Holder]] = {}
            for weight, via, holder in found:
                if via not in best or weight > best[via][0]:
                    best[via] = (weight, holder)
            ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
            yield ordered[0][1][1], _noisy_or(w for _, (w, _) in ordered), [via for via, _ in ordered]


def record_edges(
    index: KeyIndex,
    held: dict[int, list[Held]],
    person_links: dict[int, list[tuple[Holder, str]]] | None = None,
) -> tuple[dict[int, _Edges], dict[Key, KeyInfo]]:
    """For each record, the records sharing a (non-hub) identifier with it, with edge weights."""
    settings = index.settings
    lookups = {h.key: lookup_keys(h.key) for items in held.values() for h in items}
    infos = index.info({lk for alternatives in lookups.values() for lk, _ in alternatives})
    out: dict[int, _Edges] = {}
    for rid, items in held.items():
        edges = out.setdefault(rid, _Edges())
        for h in items:
            for lk, factor in lookups[h.key]:
                info = infos.get(lk)
                if info is None or info.hub:
                    continue
                base = edge_weight(settings, h.kind, info.subjects, h.detail) * factor
                if base <= 0:
                    continue
                via = key_text(h.key if factor == 1.0 else lk)
                for holder in info.holders:
                    if holder.record_id == rid or holder.type in UNLINKED_TYPES:
                        continue
                    weight = base * (NARRATIVE_FACTOR if holder.detail == "narrative" else 1.0)
                    edges.add(holder, weight, via)
        for holder, via in (person_links or {}).get(rid, ()):
            edges.add(holder, 1.0, via)
    return out, infos


def same_person_links(
    conn: Connection, records: dict[int, str], groups: dict[int, Any] | None = None
) -> dict[int, list[tuple[Holder, str]]]:
    """Records that resolution put in the same person as each given record (via "person:ID").

    With `groups` (record id -> party group or ALL_PARTIES), only the persons of that group count.
    """
    persons = persons_of(conn, records.values())
    if not persons:
        return {}
    members = members_of_persons(conn, set(persons.values()))
    member_refs = {ref for ms in members.values() for ref, _ in ms}
    current = current_records(conn, member_refs)
    by_ref: dict[str, list[tuple[int, str]]] = {}
    for (ref, party), pid in persons.items():
        by_ref.setdefault(ref, []).append((party, pid))
    out: dict[int, list[tuple[Holder, str]]] = {}
    for rid, ref in records.items():
        group = (groups or {}).get(rid, ALL_PARTIES)
        pids = {
            pid for party, pid in by_ref.get(ref, ()) if group == ALL_PARTIES or party_group(party) == group
        }
        for pid in sorted(pids):
            for mref, mparty in members.get(pid, ()):
                if mref == ref or mref not in current:
                    continue
                mid, mtype = current[mref]
                out.setdefault(rid, []).append((Holder(mid, mref, mtype, mparty, None), f"person:{pid}"))
    return out


@dataclass(slots=True)
class LinkResult:
    ref: str
    links: list[Link]
    identifiers: list[dict[str, Any]]  # what the record holds, with how widely each is held
    hubs: list[dict[str, Any]]  # its identifiers that are hubs: not used as evidence


def link_records(
    conn: Connection,
    ref: str,
    *,
    hops: int = 2,
    types: Iterable[str] | None = None,
    settings: LinkSettings | None = None,
    limit: int | None = 200,
    index: KeyIndex | None = None,
) -> LinkResult:
    """Records linked to `ref` through shared identifiers (and same-person membership), up to `hops` away.

    Each record is reported once, at the fewest hops it is reached in, with the best-scoring chain.
    A chain's score is the product of its edges' scores times `hop_decay` per hop after the first.
    """
    settings = settings or LinkSettings.from_env()
    index = index or KeyIndex(conn, settings)
    current = current_records(conn, [ref])
    if ref not in current:
        from vigil.analyze.records import UnknownReference

        raise UnknownReference(f"no current record {ref}")
    rid, rtype = current[ref]
    wanted_types = set(types) if types else None
    level = {rid: _Reach(rid, ref, rtype, 1.0, [{"ref": ref, "via": ""}], [])}
    seen = {rid}
    found: dict[str, Link] = {}
    own: list[Held] = []
    own_infos: dict[Key, KeyInfo] = {}
    for hop in range(1, hops + 1):
        held = identifiers_of(conn, level)
        if hop == 1:
            own = held.get(rid, [])
        for record_id, items in held.items():
            group = level[record_id].group
            if group != ALL_PARTIES:
                held[record_id] = [h for h in items if party_group(h.party) == group]
        persons = same_person_links(
            conn, {r.record_id: r.ref for r in level.values()}, {r.record_id: r.group for r in level.values()}
        )
        edges, infos = record_edges(index, held, persons)
        if hop == 1:
            own_infos = infos
        decay = settings.hop_decay if hop > 1 else 1.0
        reached: dict[int, _Reach] = {}
        for source_id, out_edges in edges.items():
            source = level[source_id]
            for holder, weight, vias in out_edges.scored():
                if holder.record_id in seen or weight < settings.min_score:
                    continue
                score = source.score * weight * decay
                if score < settings.min_chain:
                    continue
                prior = reached.get(holder.record_id)
                if prior is None or score > prior.score:
                    reached[holder.record_id] = _Reach(
                        holder.record_id,
                        holder.ref,
                        holder.type,
                        score,
                        [*source.steps, {"ref": holder.ref, "via": vias[0]}],
                        vias,
                        party_group(holder.party),
                    )
        seen.update(reached)
        for reach in reached.values():
            if wanted_types is None or reach.type in wanted_types:
                chain = [step["via"] for step in reach.steps[1:]]
                found[reach.ref] = Link(
                    reach.ref,
                    reach.type,
                    reach.score,
                    chain[0] if hop == 1 else " > ".join(chain),
                    hop,
                    reach.shared,
                    reach.steps,
                )
        best = sorted(reached.values(), key=lambda r: -r.score)[: settings.max_frontier]
        level = {r.record_id: r for r in best}
        if not level:
            break
    links = sorted(found.values(), key=lambda lk: (lk.hops, -lk.score, lk.ref))
    identifiers, hubs = _own_identifiers(own, own_infos, index)
    return LinkResult(ref, links[:limit] if limit else links, identifiers, hubs)


def _own_identifiers(
    own: list[Held], infos: dict[Key, KeyInfo], index: KeyIndex
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    identifiers, hubs = [], []
    missing = [h.key for h in own if h.key not in infos]
    infos = {**infos, **index.info(missing)} if missing else infos
    for h in own:
        info = infos.get(h.key)
        doc = {
            "identifier": key_text(h.key),
            "detail": h.detail,
            "party": h.party,
            "records": info.records if info else 1,
            "subjects": info.subjects if info else 1,
            "hub": bool(info and info.hub),
        }
        identifiers.append(doc)
        if info and info.hub:
            hubs.append({"identifier": doc["identifier"], "records": info.records, "subjects": info.subjects})
    return identifiers, hubs


def tip_links(
    engine: Engine,
    ref: str,
    actor: Actor,
    *,
    hops: int = 6,
    types: Iterable[str] | None = None,
    settings: LinkSettings | None = None,
    limit: int | None = 200,
) -> dict[str, Any]:
    """`vigil tip-links TIP`: what a tip (or any record) shares with prior tips, cases and persons.

    Audited as a search; on behalf of an agency it is also a deconfliction touch (the result's
    `deconfliction` lists other agencies that touched the same subjects).
    """
    from vigil.analyze.deconfliction import touch_records

    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for search (--purpose or VIGIL_PURPOSE)")
    with engine.connect() as conn:
        result = link_records(conn, ref, hops=hops, types=types, settings=settings, limit=limit)
    document: dict[str, Any] = {
        "tip": ref,
        "links": [link.document() for link in result.links],
        "identifiers": result.identifiers,
        "hubs": result.hubs,
    }
    query = {"ref": ref, "hops": hops, "types": sorted(types) if types else None}
    audit.write(
        engine, actor, "search", {"command": "tip-links", **query}, [ref, *(lk.ref for lk in result.links)]
    )
    document["deconfliction"] = touch_records(engine, actor, "tip-links", ref, [ref], settings=settings)
    return document


# --- stream matching -------------------------------------------------------------------------------


class TipMatcher:
    """Direct links for a stream of incoming tips, matched in batches against the index.

    Each batch costs two indexed queries (counts, then holders of the non-hub identifiers), and
    hub identifiers are remembered for the life of the matcher, so a shelter's phone in every
    tenth tip is looked up once.
    """

    def __init__(self, conn: Connection, settings: LinkSettings | None = None) -> None:
        self.conn = conn
        self.settings = settings or LinkSettings.from_env()
        self.index = KeyIndex(conn, self.settings, cache_all=False)

    def match(self, tips: Sequence[tuple[str, Sequence[Held]]]) -> list[list[Link]]:
        """For each (tip ref, its identifiers): the records it shares identifiers with, best first.

        A tip that is itself in the store is not linked to itself. Keys are looked up fresh for each
        batch, except hubs.
        """
        edges, _ = record_edges(self.index, {-(i + 1): list(items) for i, (_, items) in enumerate(tips)})
        out: list[list[Link]] = []
        for i, (ref, _) in enumerate(tips):
            links = [
                Link(
                    holder.ref,
                    holder.type,
                    score,
                    vias[0],
                    1,
                    vias,
                    [{"ref": ref, "via": ""}, {"ref": holder.ref, "via": vias[0]}],
                )
                for holder, score, vias in edges[-(i + 1)].scored()
                if holder.ref != ref and score >= self.settings.min_score
            ]
            links.sort(key=lambda lk: (-lk.score, lk.ref))
            out.append(links)
        return out


def held_from_rows(rows: Iterable[dict[str, Any]]) -> list[Held]:
    """Identifier rows as `vigil.derive` makes them -> the linkable identifiers among them."""
    out: list[Held] = []
    seen: set[Key] = set()
    for row in rows:
        kind, value = row["kind"], row["value"]
        if kind not in KIND_WEIGHTS or (kind, value) in seen:
            continue
        if kind == "plate" and row.get("detail") == "partial":
            continue
        seen.add((kind, value))
        out.append(Held(kind, value, row.get("party"), row.get("detail")))
    return out


# --- store-wide ----------------------------------------------------------------------------------


def hub_identifiers(
    engine: Engine, settings: LinkSettings | None = None, kinds: Iterable[str] | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Every hub identifier in the store: held by `hub_min` or more subjects. One grouped scan."""
    settings = settings or LinkSettings.from_env()
    ident, sr = t.identifier, t.source_record
    wanted = sorted(kinds or KIND_WEIGHTS)
    n = func.count(distinct(ident.c.record_id))
    with engine.connect() as conn:
        rows = conn.execute(
            select(ident.c.kind, ident.c.value, n)
            .where(ident.c.kind.in_(wanted))
            .group_by(ident.c.kind, ident.c.value)
            .having(n >= settings.hub_min)
            .order_by(n.desc(), ident.c.kind, ident.c.value)
            .limit(limit * 2)
        ).all()
        index = KeyIndex(conn, settings)
        infos = index.info([(k, v) for k, v, _ in rows])
        out = []
        for kind, value, records in rows:
            info = infos.get((kind, value))
            if info is None or not info.hub:
                continue  # many records, but few subjects: one man's vendor records
            types: dict[str, int] = {}
            if records <= settings.hard_cap:
                holders = holders_of(conn, [(kind, value)]).get((kind, value), [])
                for h in holders:
                    types[h.type] = types.get(h.type, 0) + 1
            else:
                for rtype, count in conn.execute(
                    select(sr.c.type, func.count())
                    .select_from(ident.join(sr, sr.c.id == ident.c.record_id))
                    .where(ident.c.kind == kind, ident.c.value == value)
                    .group_by(sr.c.type)
                ):
                    types[rtype] = count
            out.append(
                {
                    "identifier": key_text((kind, value)),
                    "records": records,
                    "subjects": info.subjects,
                    "types": dict(sorted(types.items())),
                }
            )
            if len(out) >= limit:
                break
    return out
