"""Quick-hit batches: "here are 400 registrants - where are they now?".

Each input row is a query, never a record: nothing from it enters the store. For each row the best
person is picked with a status (matched / ambiguous / no_match), a confidence, the most recent
name, DOB, SSN, address and phone with their sources and dates, and flags an analyst acts on.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from vigil import audit
from vigil.analyze.facts import Facts, facts_from, load_fact_rows
from vigil.analyze.search import _members
from vigil.config import Actor
from vigil.ingest.tabular import map_headers, read_rows
from vigil.normalize.ssn import mask_ssn
from vigil.resolve.batch import match_many
from vigil.resolve.candidates import Query
from vigil.resolve.match import BadQuery, PersonMatch, build_query, reasons
from vigil.resolve.model import Model
from vigil.resolve.run import ensure_resolved, latest_model_safe
from vigil.store.db import open_store

OUTPUT_COLUMNS = (
    "row_id",
    "match_status",
    "confidence",
    "person_id",
    "refs",
    "name",
    "dob",
    "ssn",
    "address",
    "address_as_of",
    "address_source",
    "phone",
    "phone_as_of",
    "phone_source",
    "sources",
    "flags",
    "registry_state",
    "registry_status",
    "registry_address",
    "matched_ref",
    "reasons",
    "error",
)
# Between two persons this many bits apart, the better one is clearly the answer.
CLEAR_MARGIN_BITS = 6.0
AMBIGUOUS_FLOOR = 0.5


@dataclass(frozen=True, slots=True)
class QuickhitRow:
    line: int
    row_id: str
    cells: dict[str, str]


def read_requests(path: Path) -> Iterator[QuickhitRow]:
    """Input rows with canonical column names (formats.md 'Quick-hit batch input')."""
    mapping: dict[str, str] | None = None
    for n, (line, row) in enumerate(read_rows(path), start=1):
        if mapping is None:
            mapping = map_headers(list(row))
        cells = {mapping[h]: _text(v) for h, v in row.items() if h in mapping and _text(v)}
        yield QuickhitRow(line, cells.get("id") or f"{n}", cells)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def status_of(matches: list[PersonMatch], model: Model) -> tuple[str, list[str]]:
    if not matches or matches[0].probability < AMBIGUOUS_FLOOR:
        return "no_match", []
    best = matches[0]
    rivals = [
        m
        for m in matches[1:]
        if m.probability >= AMBIGUOUS_FLOOR and best.best.weight - m.best.weight < CLEAR_MARGIN_BITS
    ]
    if best.probability >= model.threshold and not rivals:
        return "matched", []
    return "ambiguous", ["multiple_candidates"] if rivals else []


def row_query(row: QuickhitRow) -> Query:
    c = row.cells
    return build_query(
        first=c.get("first_name"),
        middle=c.get("middle_name"),
        last=c.get("last_name"),
        name=c.get("name"),
        dob=_iso(c.get("dob")),
        ssn=c.get("ssn"),
        phone=c.get("phone"),
        address=c.get("address"),
        city=c.get("city"),
        state=c.get("state"),
        zip_code=c.get("zip"),
        registrant_id=c.get("registrant_id"),
    )


def answer(
    row: QuickhitRow,
    matches: list[PersonMatch],
    facts: Facts | None,
    model: Model,
    actor: Actor,
    show_ssn: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS, "")
    out["row_id"] = row.row_id
    status, flags = status_of(matches, model)
    out["match_status"] = status
    if status == "no_match" or facts is None:
        out["confidence"] = round(matches[0].probability, 4) if matches else 0.0
        return out
    best = matches[0]
    ssn = facts.ssn.value if facts.ssn else None
    registration = facts.registration or {}
    if registration.get("address") and facts.address and registration["address"] != facts.address.value:
        flags.append("address_differs_from_registry")
    if facts.deceased or registration.get("status") == "deceased":
        flags.append("deceased")
    if registration.get("status") == "incarcerated":
        flags.append("incarcerated")
    if registration.get("status") == "absconded":
        flags.append("absconded")
    if facts.ssn_not_issued:
        flags.append("ssn_not_issued")
    flags.extend(f"conflicting_{c}" for c in facts.conflicts)
    out.update(
        confidence=round(best.probability, 4),
        person_id=best.person_id or "",
        refs=";".join(best.refs),
        name=facts.name.value if facts.name else "",
        dob=facts.dob.value if facts.dob else "",
        ssn=(ssn if show_ssn and actor.may_see_ssn else mask_ssn(ssn)) if ssn else "",
        address=facts.address.value if facts.address else "",
        address_as_of=facts.address.as_of.isoformat() if facts.address and facts.address.as_of else "",
        address_source=facts.address.ref if facts.address else "",
        phone=facts.phone.value if facts.phone else "",
        phone_as_of=facts.phone.as_of.isoformat() if facts.phone and facts.phone.as_of else "",
        phone_source=facts.phone.ref if facts.phone else "",
        sources=facts.sources,
        flags=";".join(dict.fromkeys(flags)),
        registry_state=registration.get("state") or "",
        registry_status=registration.get("status") or "",
        registry_address=registration.get("address") or "",
        matched_ref=best.best.ref,
        reasons="; ".join(reasons(model, best.best.gamma)[:4]),
    )
    return out


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    from vigil.ingest.tabular import iso_date

    return iso_date(value)


BATCH = 1000  # rows matched together: big enough for set-based lookups, small enough for memory
WORKERS = min(2, os.cpu_count() or 1)


def run_quickhit(
    engine: Engine,
    actor: Actor,
    rows: list[QuickhitRow],
    *,
    show_ssn: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    if not actor.purpose.strip():
        raise audit.PurposeRequired("a purpose is required for quickhit (--purpose or VIGIL_PURPOSE)")
    if show_ssn and not actor.may_see_ssn:
        raise PermissionError(f"role {actor.role!r} may not unmask SSNs")
    ensure_resolved(engine, actor)
    with engine.connect() as conn:
        if latest_model_safe(conn) is None:
            raise LookupError("the store holds no person records to match against")
    batches = [rows[start : start + BATCH] for start in range(0, len(rows), BATCH)]
    url = engine.url.render_as_string(hide_password=False)
    results: list[dict[str, Any]] = []
    if len(batches) > 1 and WORKERS > 1:
        # Matching is CPU-bound Python: one process per core, each with its own connection. "spawn",
        # not "fork": the web server calls this from a worker thread, and forking a threaded process
        # can copy a lock some other thread holds.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            for answered in pool.map(_answer_in_worker, [(url, b, actor, show_ssn) for b in batches]):
                results.extend(answered)
                if progress:
                    progress(len(answered))
    else:
        for batch in batches:
            results.extend(_answer_in_worker((url, batch, actor, show_ssn), engine))
            if progress:
                progress(len(batch))
    audit.write(
        engine,
        actor,
        "quickhit",
        {
            "rows": len(rows),
            "show_ssn": show_ssn,
            "matched": sum(r["match_status"] == "matched" for r in results),
        },
        [r["person_id"] for r in results if r["person_id"]],
    )
    return results


def _answer_in_worker(
    job: tuple[str, list[QuickhitRow], Actor, bool], engine: Engine | None = None
) -> list[dict[str, Any]]:
    url, batch, actor, show_ssn = job
    if engine is None:
        # One engine per worker process for all its batches: the connection keeps its page cache warm.
        engine = _WORKER_ENGINES.get(url) or _WORKER_ENGINES.setdefault(url, open_store(url, migrate=False))
    with engine.connect() as conn:
        model = latest_model_safe(conn)
        assert model is not None
        return _answer_batch(conn, model, batch, actor, show_ssn)


_WORKER_ENGINES: dict[str, Engine] = {}  # in a worker process: the store it answers from


def _answer_batch(
    conn,
    model: Model,
    rows: list[QuickhitRow],
    actor: Actor,  # type: ignore[no-untyped-def]
    show_ssn: bool,
) -> list[dict[str, Any]]:
    queries: list[Query | None] = []
    errors: dict[int, str] = {}
    for i, row in enumerate(rows):
        try:
            queries.append(row_query(row))
        except BadQuery as exc:
            queries.append(None)
            errors[i] = f"line {row.line}: {exc}"
    good = [q for q in queries if q is not None]
    matched_iter = iter(match_many(conn, model, good, settled_margin=CLEAR_MARGIN_BITS))
    matches = [next(matched_iter) if q is not None else [] for q in queries]
    wanted = {i: _members(m[0]) for i, m in enumerate(matches) if m and status_of(m, model)[0] != "no_match"}
    fact_rows = load_fact_rows(conn, (ref for members in wanted.values() for ref, _ in members))
    out = []
    for i, row in enumerate(rows):
        answer_row = answer(
            row, matches[i], facts_from(fact_rows, wanted[i]) if i in wanted else None, model, actor, show_ssn
        )
        if i in errors:
            answer_row.update(match_status="no_match", confidence=0.0, error=errors[i])
        out.append(answer_row)
    return out
