"""Why two records are, or are not, the same person: the comparison levels, their weights in bits,
the analyst's decision if there is one, and the persons they sit in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, or_, select, update

from vigil import audit
from vigil.analyze.records import UnknownReference
from vigil.config import Actor
from vigil.resolve.compare import gamma
from vigil.resolve.features import PartyFeatures, load_features
from vigil.resolve.membership import person_of, split_member
from vigil.resolve.run import latest_model_safe, resolve_full
from vigil.store import tables as t


@dataclass(frozen=True, slots=True)
class PartyRef:
    ref: str
    party: int

    @classmethod
    def parse(cls, text: str) -> PartyRef:
        return cls(*split_member(text))

    @property
    def label(self) -> str:
        return self.ref if self.party == 0 else f"{self.ref}#{self.party}"


def _features(engine: Engine, target: PartyRef) -> PartyFeatures:
    sr = t.source_record
    with engine.connect() as conn:
        record_id = conn.execute(
            select(sr.c.id).where(sr.c.ref == target.ref, sr.c.is_current.is_(True))
        ).scalar()
        if record_id is None:
            raise UnknownReference(f"no record {target.ref}")
        found = load_features(conn, [record_id]).get((record_id, target.party))
    if found is None:
        raise UnknownReference(f"{target.ref} has no person at index {target.party}")
    return found


def explain(engine: Engine, actor: Actor, a: str, b: str) -> dict[str, Any]:
    left, right = PartyRef.parse(a), PartyRef.parse(b)
    fa, fb = _features(engine, left), _features(engine, right)
    with engine.connect() as conn:
        model = latest_model_safe(conn)
        decision = conn.execute(
            select(t.match_decision)
            .where(
                or_(
                    (t.match_decision.c.left_ref == left.ref) & (t.match_decision.c.right_ref == right.ref),
                    (t.match_decision.c.left_ref == right.ref) & (t.match_decision.c.right_ref == left.ref),
                )
            )
            .order_by(t.match_decision.c.id.desc())
            .limit(1)
        ).first()
    if model is None:
        raise LookupError("no resolution model yet: run `vigil resolve`")
    g = gamma(fa, fb)
    weight = model.weight(g)
    person_a, person_b = person_of(engine, left.ref, left.party), person_of(engine, right.ref, right.party)
    document = {
        "left": left.label,
        "right": right.label,
        "match_weight": round(weight, 3),
        "probability": round(float(model.probability(weight)), 6),
        "threshold": model.threshold,
        "model_says": "same" if model.probability(weight) >= model.threshold else "different",
        "same_person": bool(person_a and person_a == person_b),
        "persons": {left.label: person_a, right.label: person_b},
        "decision": None
        if decision is None
        else {
            "decision": decision.decision,
            "reason": decision.reason,
            "user": decision.user,
            "at": decision.at.isoformat() if decision.at else None,
        },
        "evidence": model.evidence(g),
        "values": {left.label: _values(fa), right.label: _values(fb)},
    }
    audit.write(engine, actor, "view", {"explain": [left.label, right.label]}, [left.ref, right.ref])
    return document


def _values(p: PartyFeatures) -> dict[str, Any]:
    return {
        "names": [" ".join(x for x in (n.first, n.middle, n.last, n.suffix) if x) for n in p.names],
        "dob": p.dob,
        "ssn": sorted("***-**-" + s[-4:] for s in p.ssns),
        "phones": sorted(p.phones),
        "emails": sorted(p.emails),
        "zips": sorted(p.zips),
        "sex": p.sex,
    }


def decide(engine: Engine, actor: Actor, a: str, b: str, decision: str, reason: str) -> dict[str, Any]:
    """Records an analyst's same / not-same decision and applies it now; it wins over every rerun."""
    if decision not in ("same", "not_same"):
        raise ValueError("decision must be 'same' or 'not_same'")
    if not reason.strip():
        raise ValueError("a decision needs a reason")
    left, right = PartyRef.parse(a), PartyRef.parse(b)
    _features(engine, left), _features(engine, right)  # both must exist
    with engine.begin() as conn:
        conn.execute(
            insert(t.match_decision),
            {
                "left_ref": left.ref,
                "left_party": left.party,
                "right_ref": right.ref,
                "right_party": right.party,
                "decision": decision,
                "reason": reason,
                "user": actor.user,
                "at": datetime.now(UTC),
            },
        )
        audit.write(
            conn,
            actor,
            "decide",
            {"left": left.label, "right": right.label, "decision": decision, "reason": reason},
            [left.ref, right.ref],
        )
    person_a, person_b = person_of(engine, left.ref, left.party), person_of(engine, right.ref, right.party)
    if decision == "same" and person_a and person_b and person_a != person_b:
        with engine.begin() as conn:  # merging needs no rerun: move b's members into a
            conn.execute(
                update(t.person_member)
                .where(t.person_member.c.person_id == person_b)
                .values(person_id=person_a)
            )
            conn.execute(
                update(t.match_evidence)
                .where(t.match_evidence.c.person_id == person_b)
                .values(person_id=person_a)
            )
            conn.execute(t.person.delete().where(t.person.c.person_id == person_b))
            count = (
                select(func.count())
                .select_from(t.person_member)
                .where(t.person_member.c.person_id == person_a)
                .scalar_subquery()
            )
            conn.execute(update(t.person).where(t.person.c.person_id == person_a).values(members=count))
    elif decision == "not_same" and person_a and person_a == person_b:
        resolve_full(engine, actor)  # splitting re-clusters with the new cannot-link constraint
    return {
        "left": left.label,
        "right": right.label,
        "decision": decision,
        "persons": {
            left.label: person_of(engine, left.ref, left.party),
            right.label: person_of(engine, right.ref, right.party),
        },
    }
