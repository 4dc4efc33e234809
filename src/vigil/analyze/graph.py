"""The link graph over records, persons and identifiers: neighbourhoods, shortest chains, common identifiers.

The graph is bipartite: a record is joined to each identifier it holds (kind "holds") and to the
person resolution put it in (kind "member"). Two records are one *hop* apart when they share a
non-hub identifier or a person. Nothing is held in memory store-wide: each question grows a small
networkx graph outward from its endpoints with indexed lookups (vigil.analyze.links), so answering
costs the size of the neighbourhood, not of the store.

Node ids, also used by the exports: "record:SOURCE/ID", "identifier:KIND:VALUE", "person:PERSON_ID".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx
from sqlalchemy import Connection, Engine, select

from vigil import audit
from vigil.analyze.links import (
    ALL_PARTIES,
    KIND_WEIGHTS,
    UNLINKED_TYPES,
    Key,
    KeyIndex,
    LinkSettings,
    current_records,
    identifiers_of,
    key_text,
    lookup_keys,
    members_of_persons,
    parse_key,
    party_group,
    persons_of,
)
from vigil.analyze.records import UnknownReference, normalize_query
from vigil.config import Actor
from vigil.store import tables as t


def record_node(ref: str) -> str:
    return f"record:{ref}"


def identifier_node(key: Key) -> str:
    return f"identifier:{key_text(key)}"


def person_node(person_id: str) -> str:
    return f"person:{person_id}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a user named: a record, a resolved person or an identifier."""

    kind: str  # record, person, identifier
    value: str  # ref, person id, or "kind:value" (normalized)
    node: str


def resolve_endpoint(conn: Connection, text: str) -> Endpoint:
    """A record reference, "person:ID" / a person id, or "kind:value" (an identifier, normalized here)."""
    text = text.strip()
    if current_records(conn, [text]):
        return Endpoint("record", text, record_node(text))
    pid = text.removeprefix("person:")
    if conn.execute(select(t.person.c.person_id).where(t.person.c.person_id == pid)).first():
        return Endpoint("person", pid, person_node(pid))
    kind, sep, value = text.partition(":")
    if sep and kind in KIND_WEIGHTS and "/" not in kind:
        key = (kind, normalize_query(kind, value))
        return Endpoint("identifier", key_text(key), identifier_node(key))
    raise UnknownReference(f"{text!r} is no current record, person or identifier (KIND:VALUE)")


class GraphBuilder:
    """Grows a bipartite link graph node by node with batched index lookups."""

    def __init__(
        self,
        conn: Connection,
        settings: LinkSettings,
        *,
        types: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        include_hubs: bool = False,
    ) -> None:
        self.conn = conn
        self.settings = settings
        self.index = KeyIndex(conn, settings)
        self.graph = nx.Graph()
        self.types = set(types) if types else None
        self.kinds = [k for k in (kinds or KIND_WEIGHTS) if k in KIND_WEIGHTS]
        self.include_hubs = include_hubs
        self.record_ids: dict[str, int] = {}
        # Which people inside a record a node speaks for (links.party_group); the records named as
        # endpoints speak for all of theirs.
        self.groups: dict[str, Any] = {}
        self.whole: set[str] = set()

    # nodes ---------------------------------------------------------------------------------------
    def add_record(self, ref: str, record_id: int, rtype: str, party: int | None = None) -> str:
        """The node of a record, or of one person inside it.

        A case's suspect and its child are different people: a chain that reaches the case through
        the suspect's phone must not leave through the child's. So a record met on the way is split
        by party group (links.party_group): "record:REF" for its subject and own identifiers,
        "record:REF#N" for party N. An endpoint stays whole.
        """
        group: Any = ALL_PARTIES if ref in self.whole else party_group(party)
        node = record_node(ref) if group in (ALL_PARTIES, 0) else f"{record_node(ref)}#{group}"
        if node not in self.graph:
            attrs: dict[str, Any] = {"kind": "record", "ref": ref, "type": rtype, "label": ref}
            if group not in (ALL_PARTIES, 0):
                attrs.update(party=group, label=f"{ref}#{group}")
            self.graph.add_node(node, **attrs)
        self.record_ids[node] = record_id
        self.groups.setdefault(node, group)
        return node

    def _speaks_for(self, node: str, party: int | None) -> bool:
        group = self.groups.get(node, ALL_PARTIES)
        return group == ALL_PARTIES or party_group(party) == group

    def add_identifier(self, key: Key, records: int, subjects: int, hub: bool) -> str:
        node = identifier_node(key)
        if node not in self.graph:
            self.graph.add_node(
                node,
                kind="identifier",
                identifier_kind=key[0],
                value=key[1],
                label=key_text(key),
                records=records,
                subjects=subjects,
                hub=hub,
            )
        return node

    def add_person(self, person_id: str) -> str:
        node = person_node(person_id)
        if node not in self.graph:
            self.graph.add_node(node, kind="person", person_id=person_id, label=person_id)
        return node

    def start(self, endpoint: Endpoint) -> str:
        if endpoint.kind == "record":
            rid, rtype = current_records(self.conn, [endpoint.value])[endpoint.value]
            self.whole.add(endpoint.value)
            return self.add_record(endpoint.value, rid, rtype)
        if endpoint.kind == "person":
            return self.add_person(endpoint.value)
        key = parse_key(endpoint.value)
        info = self.index.info([key]).get(key)
        return self.add_identifier(
            key, info.records if info else 0, info.subjects if info else 0, bool(info and info.hub)
        )

    def _record_allowed(self, rtype: str) -> bool:
        return rtype not in UNLINKED_TYPES and (self.types is None or rtype in self.types)

    # expansion -------------------------------------------------------------------------------------
    def expand(self, nodes: Iterable[str]) -> set[str]:
        """Add every neighbour of the given nodes; return the nodes new to the graph."""
        nodes = list(nodes)
        before = set(self.graph.nodes)
        records = [n for n in nodes if self.graph.nodes[n]["kind"] == "record"]
        identifiers = [n for n in nodes if self.graph.nodes[n]["kind"] == "identifier"]
        persons = [n for n in nodes if self.graph.nodes[n]["kind"] == "person"]
        if records:
            self._expand_records(records)
        if identifiers:
            self._expand_identifiers(identifiers)
        if persons:
            self._expand_persons([self.graph.nodes[n]["person_id"] for n in persons])
        return set(self.graph.nodes) - before

    def _expand_records(self, nodes: list[str]) -> None:
        by_id: dict[int, list[str]] = {}
        for n in nodes:
            by_id.setdefault(self.record_ids[n], []).append(n)
        held = identifiers_of(self.conn, by_id, self.kinds)
        infos = self.index.info({h.key for items in held.values() for h in items})
        for rid, items in held.items():
            for h in items:
                info = infos.get(h.key)
                if info is None or (info.hub and not self.include_hubs):
                    continue
                for rnode in by_id[rid]:
                    if not self._speaks_for(rnode, h.party):
                        continue
                    node = self.add_identifier(h.key, info.records, info.subjects, info.hub)
                    strength = KIND_WEIGHTS[h.kind] * self.settings.rarity(info.subjects)
                    self.graph.add_edge(
                        rnode,
                        node,
                        kind="holds",
                        detail=h.detail or "",
                        party=-1 if h.party is None else h.party,
                        strength=round(strength, 4),
                    )
        by_ref: dict[str, list[str]] = {}
        for n in nodes:
            by_ref.setdefault(self.graph.nodes[n]["ref"], []).append(n)
        for (ref, party), pid in persons_of(self.conn, by_ref).items():
            for rnode in by_ref[ref]:
                if self._speaks_for(rnode, party):
                    self.graph.add_edge(rnode, self.add_person(pid), kind="member", party=party, strength=1.0)

    def _expand_identifiers(self, nodes: list[str]) -> None:
        keys: dict[Key, str] = {}
        for n in nodes:
            data = self.graph.nodes[n]
            if data["hub"]:
                continue  # shown, never followed
            for lk, _ in lookup_keys((data["identifier_kind"], data["value"])):
                keys[lk] = n
        infos = self.index.info(keys)
        for lk, info in infos.items():
            if info.hub:
                continue
            node = keys[lk]
            strength = KIND_WEIGHTS.get(lk[0], 0.0) * self.settings.rarity(info.subjects)
            for holder in info.holders:
                if not self._record_allowed(holder.type):
                    continue
                rnode = self.add_record(holder.ref, holder.record_id, holder.type, holder.party)
                if not self.graph.has_edge(rnode, node):
                    self.graph.add_edge(
                        rnode,
                        node,
                        kind="holds",
                        detail=holder.detail or "",
                        party=-1 if holder.party is None else holder.party,
                        strength=round(strength, 4),
                    )

    def _expand_persons(self, person_ids: list[str]) -> None:
        members = members_of_persons(self.conn, person_ids)
        current = current_records(self.conn, {ref for ms in members.values() for ref, _ in ms})
        for pid, ms in members.items():
            pnode = self.add_person(pid)
            for ref, party in ms:
                if ref not in current or not self._record_allowed(current[ref][1]):
                    continue
                rnode = self.add_record(ref, *current[ref], party)
                self.graph.add_edge(rnode, pnode, kind="member", party=party, strength=1.0)


def neighbourhood(
    conn: Connection,
    start: Endpoint,
    *,
    hops: int = 2,
    types: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    include_hubs: bool = False,
    settings: LinkSettings | None = None,
    max_nodes: int = 5000,
) -> nx.Graph:
    """Records within `hops` record-to-record hops of `start`, with the identifiers and persons joining them.

    `types` keeps only records of those types (the start always stays), `kinds` only those identifier
    kinds; hubs are left out unless `include_hubs` (then shown, still not followed).
    """
    builder = GraphBuilder(
        conn, settings or LinkSettings.from_env(), types=types, kinds=kinds, include_hubs=include_hubs
    )
    frontier = {builder.start(start)}
    # One record hop = two steps in the bipartite graph (record -> identifier -> record).
    steps = 2 * hops - (0 if start.kind == "record" else 1)
    for _ in range(max(steps, 1)):
        frontier = builder.expand(frontier)
        if not frontier or builder.graph.number_of_nodes() >= max_nodes:
            break
    return builder.graph


def graph_document(graph: nx.Graph) -> dict[str, Any]:
    """A graph as JSON: nodes [{id, kind, ...}] and edges [{source, target, kind, ...}]."""
    return {
        "nodes": [{"id": n, **data} for n, data in sorted(graph.nodes(data=True))],
        "edges": [
            {"source": a, "target": b, **data}
            for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))
        ],
    }


# --- paths ---------------------------------------------------------------------------------------


def _edge_cost(_a: str, _b: str, data: dict[str, Any]) -> float:
    # Hop count first; among equally short chains the stronger, rarer identifiers first.
    return 1.0 + 0.25 * (1.0 - float(data.get("strength", 0.0)))


def find_paths(
    conn: Connection,
    a: Endpoint,
    b: Endpoint,
    *,
    max_paths: int = 3,
    max_hops: int = 4,
    settings: LinkSettings | None = None,
    types: Iterable[str] | None = None,
) -> tuple[list[list[str]], nx.Graph]:
    """Up to `max_paths` shortest chains between two endpoints, at most `max_hops` record hops each.

    Grows the graph from both ends (the smaller frontier first) until they meet, then one level
    further so near-shortest alternatives are there too; ranks simple paths by length, then strength.
    """
    builder = GraphBuilder(conn, settings or LinkSettings.from_env(), types=types)
    start_a, start_b = builder.start(a), builder.start(b)
    if start_a == start_b:
        return [[start_a]], builder.graph
    limit = 2 * max_hops + (a.kind != "record") + (b.kind != "record")
    dist = {"a": {start_a: 0}, "b": {start_b: 0}}
    frontier = {"a": {start_a}, "b": {start_b}}
    depth = {"a": 0, "b": 0}
    shortest: int | None = None
    while depth["a"] + depth["b"] < limit:
        open_sides = [s for s in ("a", "b") if frontier[s]]
        if not open_sides:
            break
        side = min(open_sides, key=lambda s: (len(frontier[s]), s))
        builder.expand(frontier[side])
        depth[side] += 1
        reached = set()
        for node in frontier[side]:
            for nb in builder.graph.neighbors(node):
                if nb not in dist[side]:
                    dist[side][nb] = depth[side]
                    reached.add(nb)
        frontier[side] = reached
        met = [dist["a"][n] + dist["b"][n] for n in dist["a"].keys() & dist["b"].keys()]
        if met:
            shortest = min(met) if shortest is None else min(shortest, *met)
            if depth["a"] + depth["b"] >= min(shortest + 2, limit):
                break
    if shortest is None:
        return [], builder.graph
    paths = []
    try:
        for path in islice(nx.shortest_simple_paths(builder.graph, start_a, start_b, weight=_edge_cost), 50):
            if len(path) - 1 > limit:
                break
            paths.append(path)
            if len(paths) >= max_paths:
                break
    except nx.NetworkXNoPath:
        return [], builder.graph
    return paths, builder.graph


def path_steps(graph: nx.Graph, path: list[str]) -> list[dict[str, Any]]:
    """A node path -> [{ref, via}]: each record with the identifier (or person) joining it to the one before.

    An identifier or person at either end appears as its own step ({identifier} / {person_id}).
    """
    steps: list[dict[str, Any]] = []
    pending: str | None = None
    for i, node in enumerate(path):
        data = graph.nodes[node]
        if data["kind"] == "record":
            step = {"ref": data["ref"], "type": data["type"], "via": pending}
            if "party" in data:
                step["party"] = data["party"]  # the person inside the record the chain passes through
            steps.append(step)
            pending = None
            continue
        label = data["label"] if data["kind"] == "identifier" else f"person:{data['person_id']}"
        if i == 0 or i == len(path) - 1:
            key = "identifier" if data["kind"] == "identifier" else "person_id"
            value = data["label"] if data["kind"] == "identifier" else data["person_id"]
            steps.append({key: value, "via": pending})
            pending = label if i == 0 else None
        else:
            pending = label
    return steps


def common_identifiers(
    conn: Connection, a: Endpoint, b: Endpoint, settings: LinkSettings | None = None
) -> list[dict[str, Any]]:
    """Identifiers both subjects hold (all records of a person), with how widely each is held."""
    settings = settings or LinkSettings.from_env()
    sides = [_subject_records(conn, e) for e in (a, b)]
    held = [identifiers_of(conn, (rid for rid, _ in side.values())) for side in sides]
    by_key: list[dict[Key, set[str]]] = []
    for side, items in zip(sides, held, strict=True):
        refs_by_id = {rid: ref for ref, (rid, _) in side.items()}
        keys: dict[Key, set[str]] = {}
        for rid, hs in items.items():
            for h in hs:
                keys.setdefault(h.key, set()).add(refs_by_id[rid])
        by_key.append(keys)
    for i, e in enumerate((a, b)):
        if e.kind == "identifier":
            by_key[i].setdefault(parse_key(e.value), set())
    shared = by_key[0].keys() & by_key[1].keys()
    infos = KeyIndex(conn, settings).info(shared)
    out = []
    for key in sorted(shared):
        info = infos.get(key)
        subjects = info.subjects if info else 0
        out.append(
            {
                "identifier": key_text(key),
                "a_refs": sorted(by_key[0][key]),
                "b_refs": sorted(by_key[1][key]),
                "records": info.records if info else 0,
                "subjects": subjects,
                "hub": bool(info and info.hub),
                "strength": round(KIND_WEIGHTS.get(key[0], 0.0) * settings.rarity(subjects), 4),
            }
        )
    out.sort(key=lambda c: (-c["strength"], c["identifier"]))
    return out


def _subject_records(conn: Connection, endpoint: Endpoint) -> dict[str, tuple[int, str]]:
    if endpoint.kind == "record":
        refs = {endpoint.value}
        # A record already resolved into a person stands for that person.
        for pid in set(persons_of(conn, refs).values()):
            refs |= {ref for ref, _ in members_of_persons(conn, [pid]).get(pid, [])}
        return current_records(conn, refs)
    if endpoint.kind == "person":
        members = members_of_persons(conn, [endpoint.value]).get(endpoint.value, [])
        return current_records(conn, {ref for ref, _ in members})
    return {}


# --- audited entry points ------------------------------------------------------------------------


def _refs_of(graph: nx.Graph, nodes: Iterable[str] | None = None) -> list[str]:
    chosen = graph.nodes if nodes is None else nodes
    return sorted({graph.nodes[n]["ref"] for n in chosen if graph.nodes[n]["kind"] == "record"})


def _touch(
    engine: Engine,
    actor: Actor,
    action: str,
    subject: str,
    endpoints: Iterable[Endpoint],
    settings: LinkSettings | None,
) -> list[dict[str, Any]]:
    from vigil.analyze.deconfliction import touch_records

    eps = list(endpoints)
    return touch_records(
        engine,
        actor,
        action,
        subject,
        refs=[e.value for e in eps if e.kind == "record"],
        person_ids=[e.value for e in eps if e.kind == "person"],
        identifiers=[e.value for e in eps if e.kind == "identifier"],
        settings=settings,
    )


def _need_purpose(actor: Actor) -> None:
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for search (--purpose or VIGIL_PURPOSE)")


def paths_between(
    engine: Engine,
    a: str,
    b: str,
    actor: Actor,
    *,
    max_paths: int = 3,
    max_hops: int = 4,
    settings: LinkSettings | None = None,
    types: Iterable[str] | None = None,
) -> tuple[dict[str, Any], nx.Graph]:
    """`vigil path A B`: {a, b, paths: [[{ref or identifier, via}]]} and the subgraph of the paths."""
    _need_purpose(actor)
    with engine.connect() as conn:
        ea, eb = resolve_endpoint(conn, a), resolve_endpoint(conn, b)
        paths, graph = find_paths(
            conn, ea, eb, max_paths=max_paths, max_hops=max_hops, settings=settings, types=types
        )
    on_paths = {n for p in paths for n in p}
    subgraph = graph.subgraph(on_paths).copy()
    document = {
        "a": ea.value,
        "b": eb.value,
        "paths": [path_steps(graph, p) for p in paths],
        "hops": [sum(1 for n in p if graph.nodes[n]["kind"] == "record") - 1 for p in paths],
    }
    audit.write(
        engine,
        actor,
        "search",
        {"command": "path", "a": ea.value, "b": eb.value, "max_paths": max_paths, "max_hops": max_hops},
        _refs_of(subgraph),
    )
    document["deconfliction"] = _touch(engine, actor, "path", f"{ea.value} ~ {eb.value}", (ea, eb), settings)
    return document, subgraph


def neighbours(
    engine: Engine,
    start: str,
    actor: Actor,
    *,
    hops: int = 2,
    types: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    include_hubs: bool = False,
    settings: LinkSettings | None = None,
    max_nodes: int = 5000,
    action: str = "search",
) -> tuple[dict[str, Any], nx.Graph]:
    """`vigil links neighbours X`: the neighbourhood graph as JSON, and the graph itself (for export)."""
    _need_purpose(actor)
    with engine.connect() as conn:
        endpoint = resolve_endpoint(conn, start)
        graph = neighbourhood(
            conn,
            endpoint,
            hops=hops,
            types=types,
            kinds=kinds,
            include_hubs=include_hubs,
            settings=settings,
            max_nodes=max_nodes,
        )
    document = {"center": endpoint.value, "center_node": endpoint.node, "hops": hops, **graph_document(graph)}
    audit.write(
        engine,
        actor,
        action,
        {"command": "neighbours", "start": endpoint.value, "hops": hops, "types": sorted(types or [])},
        _refs_of(graph),
    )
    document["deconfliction"] = _touch(engine, actor, "neighbours", endpoint.value, [endpoint], settings)
    return document, graph


def common(
    engine: Engine, a: str, b: str, actor: Actor, settings: LinkSettings | None = None
) -> dict[str, Any]:
    """`vigil links common A B`: identifiers two records / persons share."""
    _need_purpose(actor)
    with engine.connect() as conn:
        ea, eb = resolve_endpoint(conn, a), resolve_endpoint(conn, b)
        shared = common_identifiers(conn, ea, eb, settings)
    refs = sorted({r for c in shared for r in c["a_refs"] + c["b_refs"]})
    audit.write(engine, actor, "search", {"command": "common", "a": ea.value, "b": eb.value}, refs)
    return {"a": ea.value, "b": eb.value, "common": shared}
