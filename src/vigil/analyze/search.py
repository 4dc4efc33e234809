"""`vigil search`: persons ranked against any mix of name, DOB, SSN, phone, e-mail, screen name, plate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.deconfliction import touch_records
from vigil.analyze.facts import person_facts
from vigil.config import Actor
from vigil.normalize.ssn import mask_ssn
from vigil.resolve.match import PersonMatch, build_query, match_query, reasons
from vigil.resolve.membership import split_member
from vigil.resolve.run import ensure_resolved, latest_model_safe

DECONFLICT_SCORE = 0.9


def _members(match: PersonMatch) -> list[tuple[str, int]]:
    return [split_member(ref) for ref in match.refs]


def search(
    engine: Engine,
    actor: Actor,
    *,
    limit: int = 20,
    min_score: float = 0.01,
    show_ssn: bool = False,
    **fields: str | None,
) -> dict[str, Any]:
    query = build_query(**fields)  # BadQuery before anything is audited or resolved
    asked = {k: v for k, v in fields.items() if v}
    if not asked:
        raise ValueError(
            "give at least one of --name, --dob, --ssn, --phone, --email, --screen-name, --plate"
        )
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for search (--purpose or VIGIL_PURPOSE)")
    ensure_resolved(engine, actor)
    results: list[dict[str, Any]] = []
    with engine.connect() as conn:
        model = latest_model_safe(conn)
        matches = match_query(conn, model, query) if model else []
        for match in matches:
            if match.probability < min_score or len(results) >= limit:
                break
            facts = person_facts(conn, _members(match))
            ssn = facts.ssn.value if facts.ssn else None
            results.append(
                {
                    "person_id": match.person_id,
                    "score": round(match.probability, 4),
                    "match_weight": round(match.best.weight, 2),
                    "refs": match.refs,
                    "matched_ref": match.best.ref,
                    "name": facts.name.value if facts.name else None,
                    "dob": facts.dob.value if facts.dob else None,
                    "ssn": (ssn if show_ssn and actor.may_see_ssn else mask_ssn(ssn)) if ssn else None,
                    "address": facts.address.value if facts.address else None,
                    "registration": facts.registration,
                    "reasons": reasons(model, match.best.gamma) if model else [],
                }
            )
    audited_query = {k: ("***" if k == "ssn" else v) for k, v in asked.items()}
    audit.write(engine, actor, "search", audited_query, [ref for r in results for ref in r["refs"]])
    # Deconfliction: the persons this agency clearly found are now "being worked" by it.
    confident = [r["person_id"] for r in results if r["person_id"] and r["score"] >= DECONFLICT_SCORE]
    subject = ", ".join(f"{k}={v}" for k, v in audited_query.items())
    conflicts = touch_records(engine, actor, "search", subject, person_ids=confident) if confident else []
    return {"query": audited_query, "results": results, "deconfliction": conflicts}
