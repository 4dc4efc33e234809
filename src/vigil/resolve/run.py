"""Resolution runs: full (block, train, score, cluster everything) and incremental (new parties join
existing persons through the persistent index, without a full rerun). Analyst decisions win."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, func, insert, select, update

from vigil import audit
from vigil.config import Actor
from vigil.resolve.blocking import candidate_pairs, random_pairs
from vigil.resolve.cluster import Clusters
from vigil.resolve.compare import COMPARISONS, gamma
from vigil.resolve.features import Key, PartyFeatures, load_features, store_packed
from vigil.resolve.model import Model, train
from vigil.store import tables as t
from vigil.store.bulk import insert_rows
from vigil.store.db import analyze

Progress = Callable[[str, int, int], None]  # (stage, done, total)
RANDOM_PAIRS = 50_000
# Chosen on labelled scenario data (bench/resolution.py): probabilities are not calibrated.
DEFAULT_THRESHOLD = 0.99
MIN_PARTIES_TO_TRAIN = 2_000
MIN_PAIRS_TO_TRAIN = 500
DEFAULT_MODEL = Path(__file__).with_name("default_model.json")


def default_model(parties: int, threshold: float) -> Model:
    """m/u trained on the synthetic scenario (bench/train_default_model.py), for small stores."""
    data = orjson.loads(DEFAULT_MODEL.read_bytes())
    data["prior"] = 1.0 / max(parties, 2)  # about one other record of each person in the store
    data["threshold"] = threshold
    return Model.from_json(data)


@dataclass
class RunStats:
    run_id: int = 0
    mode: str = "full"
    parties: int = 0
    candidate_pairs: int = 0
    accepted_pairs: int = 0
    persons: int = 0
    joined: int = 0  # incremental: new parties that joined an existing person
    created: int = 0  # incremental: new persons
    model: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "model"}


def gammas_for(parties: list[PartyFeatures], pairs: np.ndarray) -> np.ndarray:
    """Comparison levels of each pair, one int8 row per pair: at 1M records there are tens of millions
    of pairs, and a Python list per pair cost ~6 GiB where the array costs ~300 MiB."""
    out = np.empty((len(pairs), len(COMPARISONS)), dtype=np.int8)
    for start in range(0, len(pairs), _GAMMA_CHUNK):
        for row, (i, j) in enumerate(pairs[start : start + _GAMMA_CHUNK].tolist(), start):
            out[row] = gamma(parties[i], parties[j])
    return out


_GAMMA_CHUNK = 100_000


def person_id_for(labels: list[str]) -> str:
    return "P-" + hashlib.sha1(min(labels).encode()).hexdigest()[:10]


def latest_model(conn: Connection) -> Model | None:
    run = t.resolution_run
    params = conn.execute(
        select(run.c.params).where(run.c.finished_at.is_not(None)).order_by(run.c.id.desc()).limit(1)
    ).scalar()
    if not params:
        return None
    data = orjson.loads(params)
    return Model.from_json(data["model"]) if "model" in data else None


def _decisions(conn: Connection) -> list[Any]:
    d = t.match_decision
    # Later decisions about the same pair replace earlier ones.
    latest: dict[tuple[str, int, str, int], Any] = {}
    for row in conn.execute(select(d).order_by(d.c.id)):
        pair = tuple(sorted([(row.left_ref, row.left_party), (row.right_ref, row.right_party)]))
        latest[(pair[0][0], pair[0][1], pair[1][0], pair[1][1])] = row
    return list(latest.values())


def resolve_full(
    engine: Engine, actor: Actor, progress: Progress | None = None, threshold: float | None = None
) -> RunStats:
    stats = RunStats(mode="full")
    started = datetime.now(UTC)
    water, parties, previous, decisions, old_model = read_full_run_inputs(engine)
    stats.parties = len(parties)
    if progress:
        progress("blocking", 0, 1)
    pairs = candidate_pairs(parties)
    stats.candidate_pairs = len(pairs)
    if progress:
        progress("comparing", 0, len(pairs))
    candidate_g = gammas_for(parties, pairs)
    sample = (
        random_pairs(len(parties), RANDOM_PAIRS) if len(parties) > 1 else np.empty((0, 2), dtype=np.int64)
    )
    random_g = gammas_for(parties, sample)
    if progress:
        progress("training", 0, 1)
    chosen = threshold if threshold is not None else (old_model.threshold if old_model else DEFAULT_THRESHOLD)
    if len(parties) >= MIN_PARTIES_TO_TRAIN and len(candidate_g) >= MIN_PAIRS_TO_TRAIN:
        total_pairs = len(parties) * (len(parties) - 1) / 2
        model = train(candidate_g, random_g, total_pairs=total_pairs, threshold=chosen)
    else:  # too little data to learn from: the shipped model, its prior scaled to this store
        model = default_model(len(parties), chosen)
    weights = model.weights(candidate_g) if len(candidate_g) else np.empty(0)
    probabilities = model.probability(weights) if len(weights) else weights
    accepted = np.nonzero(probabilities >= model.threshold)[0]
    stats.accepted_pairs = len(accepted)

    ranked = (
        ScoredPair(
            int(pairs[pos][0]),
            int(pairs[pos][1]),
            float(weights[pos]),
            float(probabilities[pos]),
            partial(model.evidence, candidate_g[pos].tolist()),
        )
        for pos in accepted[np.argsort(-weights[accepted], kind="stable")]
    )
    write_full_run(
        engine,
        actor,
        stats,
        parties,
        ranked,
        decisions=decisions,
        previous=previous,
        started=started,
        params={"model": model.to_json(), "high_water": water},
    )
    return stats


class FullRunInputs(NamedTuple):
    water: int  # the high-water mark the run covers
    parties: list[PartyFeatures]  # every party, in a stable order (ref, party)
    previous: dict[tuple[str, int], str]  # (ref, party) -> person id before the run
    decisions: list[Any]  # the analysts' latest decision per pair
    model: Model | None  # the last trained model, None when none fits today's comparisons


def read_full_run_inputs(engine: Engine) -> FullRunInputs:
    """What every full-run engine starts from, read in one transaction."""
    with engine.connect() as conn:
        water = high_water(conn)
        features = load_features(conn)
        previous = {(r.ref, r.party): r.person_id for r in conn.execute(select(t.person_member))}
        decisions = _decisions(conn)
        model = latest_model_safe(conn)
    parties = sorted(features.values(), key=lambda p: (p.ref, p.key[1]))
    return FullRunInputs(water, parties, previous, decisions, model)


class ScoredPair(NamedTuple):
    """An accepted pair of indexes into the run's parties; evidence is built only for joins."""

    i: int
    j: int
    weight: float
    probability: float
    evidence: Callable[[], list[dict[str, Any]]]


def write_full_run(
    engine: Engine,
    actor: Actor,
    stats: RunStats,
    parties: list[PartyFeatures],
    ranked: Iterable[ScoredPair],
    *,
    decisions: list[Any],
    previous: dict[tuple[str, int], str],
    started: datetime,
    params: dict[str, Any],
    engine_name: str = "vigil-fs",
) -> RunStats:
    """Clusters accepted pairs (strongest first) under the analysts' decisions and replaces persons,
    members and evidence. Every batch engine writes through here, so decisions win and ids stay stable
    whichever engine scored the pairs. `params` must hold "model" (a vigil Model for incremental runs)
    and "high_water"."""
    index = {(p.ref, p.key[1]): i for i, p in enumerate(parties)}
    clusters = Clusters(len(parties))
    edges: list[dict[str, Any]] = []
    for decision in decisions:
        a = index.get((decision.left_ref, decision.left_party))
        b = index.get((decision.right_ref, decision.right_party))
        if a is None or b is None:
            continue
        if decision.decision == "not_same":
            clusters.forbid(a, b)
    for decision in decisions:
        a = index.get((decision.left_ref, decision.left_party))
        b = index.get((decision.right_ref, decision.right_party))
        if a is not None and b is not None and decision.decision == "same" and clusters.union(a, b):
            edges.append(
                _edge(
                    parties[a],
                    parties[b],
                    99.0,
                    1.0,
                    [
                        {
                            "field": "analyst",
                            "level": "same",
                            "weight": None,
                            "reason": decision.reason,
                            "user": decision.user,
                        }
                    ],
                )
            )
    for pair in ranked:
        if clusters.union(pair.i, pair.j):
            edges.append(
                _edge(parties[pair.i], parties[pair.j], pair.weight, pair.probability, pair.evidence())
            )

    assignment = _stable_ids(clusters, parties, previous)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(t.resolution_run).returning(t.resolution_run.c.id),
            {"started_at": started, "mode": "full", "engine": engine_name, "params": "{}"},
        ).scalar_one()
        for table in (t.match_evidence, t.person_member, t.person):
            conn.execute(table.delete())
        store_packed(conn, parties, replace_all=True)  # what search and quick-hit read per candidate
        sizes = Counter(assignment.values())
        insert_rows(
            conn,
            t.person,
            [
                {"person_id": pid, "created_at": now, "updated_at": now, "members": n}
                for pid, n in sizes.items()
            ],
        )
        insert_rows(
            conn,
            t.person_member,
            [
                {"ref": p.ref, "party": p.key[1], "person_id": assignment[i], "run_id": run_id}
                for i, p in enumerate(parties)
            ],
        )
        for edge in edges:
            edge["person_id"] = assignment[index[(edge["left_ref"], edge["left_party"])]]
            edge["run_id"] = run_id
        insert_rows(conn, t.match_evidence, edges)
        stats.run_id = run_id
        stats.persons = len(sizes)
        stats.model = params["model"]
        conn.execute(
            update(t.resolution_run)
            .where(t.resolution_run.c.id == run_id)
            .values(
                finished_at=datetime.now(UTC),
                params=orjson.dumps(params).decode(),
                stats=orjson.dumps(stats.document()).decode(),
            )
        )
        audit.write(conn, actor, "resolve", stats.document())
    analyze(engine)
    return stats


def _edge(
    a: PartyFeatures, b: PartyFeatures, weight: float, probability: float, evidence: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "left_ref": a.ref,
        "left_party": a.key[1],
        "right_ref": b.ref,
        "right_party": b.key[1],
        "match_weight": weight,
        "probability": probability,
        "evidence": orjson.dumps(evidence).decode(),
    }


def _stable_ids(
    clusters: Clusters, parties: list[PartyFeatures], previous: dict[tuple[str, int], str]
) -> dict[int, str]:
    """Person ids survive reruns: a cluster keeps the id most of its members had, biggest first."""
    assignment: dict[int, str] = {}
    taken: set[str] = set()
    for members in sorted(clusters.groups(), key=len, reverse=True):
        votes = Counter(
            previous[(parties[i].ref, parties[i].key[1])]
            for i in members
            if (parties[i].ref, parties[i].key[1]) in previous
        )
        person_id = next((pid for pid, _ in votes.most_common() if pid not in taken), None)
        if person_id is None:
            person_id = person_id_for([parties[i].label for i in members])
            while person_id in taken:
                person_id = person_id_for([person_id])
        taken.add(person_id)
        for i in members:
            assignment[i] = person_id
    return assignment


def high_water(conn: Connection) -> int:
    """The newest source record row id: every record above a run's high water is new to it."""
    return conn.execute(select(func.max(t.source_record.c.id))).scalar() or 0


def resolved_high_water(conn: Connection) -> int:
    run = t.resolution_run
    params = conn.execute(
        select(run.c.params).where(run.c.finished_at.is_not(None)).order_by(run.c.id.desc()).limit(1)
    ).scalar()
    return int(orjson.loads(params).get("high_water", 0)) if params else 0


def unresolved_record_ids(conn: Connection) -> list[int]:
    """Current records loaded since the last resolution run (an index range scan, not a join)."""
    sr = t.source_record
    stmt = select(sr.c.id).where(sr.c.id > resolved_high_water(conn), sr.c.is_current.is_(True))
    return list(conn.execute(stmt).scalars())


def features_by_key(features: dict[Key, PartyFeatures]) -> dict[tuple[str, int], PartyFeatures]:
    return {(p.ref, p.key[1]): p for p in features.values()}


def resolve_incremental(engine: Engine, actor: Actor, progress: Progress | None = None) -> RunStats:
    """New parties join the best existing person through the index, or start a new one.

    Parties are placed one at a time, so two new records of the same man loaded together end up
    together. A new record that would bridge two existing persons is only placed with the best one:
    merging persons is left to the next full run, which sees all the evidence at once.
    """
    from vigil.resolve.candidates import Query
    from vigil.resolve.match import match_query

    stats = RunStats(mode="incremental")
    started = datetime.now(UTC)
    with engine.begin() as conn:
        model = latest_model(conn)
        if model is None:
            raise LookupError("no resolution model yet: run a full resolution first")
        water = high_water(conn)
        record_ids = unresolved_record_ids(conn)
        features = load_features(conn, record_ids)
        store_packed(conn, features.values())
        known = {
            (r.ref, r.party)
            for r in conn.execute(
                select(t.person_member.c.ref, t.person_member.c.party).where(
                    t.person_member.c.ref.in_(sorted({p.ref for p in features.values()}) or [""])
                )
            )
        }
        new = [p for p in features.values() if (p.ref, p.key[1]) not in known]
        new.sort(key=lambda p: (p.ref, p.key[1]))
        stats.parties = len(new)
        run_id = conn.execute(
            insert(t.resolution_run).returning(t.resolution_run.c.id),
            {
                "started_at": started,
                "mode": "incremental",
                "engine": "vigil-fs",
                "params": orjson.dumps({"model": model.to_json(), "high_water": water}).decode(),
            },
        ).scalar_one()
        now = datetime.now(UTC)
        for done, party in enumerate(new, start=1):
            matches = [
                m
                for m in match_query(conn, model, Query(features=party))
                if m.person_id and m.best.ref != party.ref
            ]
            best = matches[0] if matches and matches[0].probability >= model.threshold else None
            if best:
                person_id = best.person_id
                stats.joined += 1
                conn.execute(
                    update(t.person)
                    .where(t.person.c.person_id == person_id)
                    .values(members=t.person.c.members + 1, updated_at=now)
                )
                conn.execute(
                    insert(t.match_evidence),
                    {
                        **_edge(
                            party,
                            _stub(best.best.ref, best.best.party),
                            best.best.weight,
                            best.best.probability,
                            model.evidence(best.best.gamma),
                        ),
                        "person_id": person_id,
                        "run_id": run_id,
                    },
                )
            else:
                person_id = person_id_for([party.label])
                stats.created += 1
                conn.execute(
                    insert(t.person),
                    {"person_id": person_id, "created_at": now, "updated_at": now, "members": 1},
                )
            conn.execute(
                insert(t.person_member),
                {"ref": party.ref, "party": party.key[1], "person_id": person_id, "run_id": run_id},
            )
            if progress:
                progress("placing", done, len(new))
        stats.run_id = run_id
        conn.execute(
            update(t.resolution_run)
            .where(t.resolution_run.c.id == run_id)
            .values(finished_at=datetime.now(UTC), stats=orjson.dumps(stats.document()).decode())
        )
        audit.write(conn, actor, "resolve", stats.document())
    return stats


def _stub(ref: str, party: int) -> PartyFeatures:
    return PartyFeatures(key=(0, party), ref=ref, source="", type="", role="")


def ensure_resolved(engine: Engine, actor: Actor, progress: Progress | None = None) -> RunStats | None:
    """Brings persons up to date before a command reads them: never silently stale."""
    with engine.connect() as conn:
        has_model = latest_model_safe(conn) is not None
        pending = high_water(conn) > resolved_high_water(conn)
    if not has_model:
        with engine.connect() as conn:
            empty = conn.execute(select(t.party.c.id).limit(1)).first() is None
        return None if empty else resolve_full(engine, actor, progress)
    return resolve_incremental(engine, actor, progress) if pending else None


def latest_model_safe(conn: Connection) -> Model | None:
    try:
        return latest_model(conn)
    except ValueError:
        return None
