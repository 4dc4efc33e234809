"""Batch matching (quick-hit): skipping the name-only search for settled queries changes no answer."""

from __future__ import annotations

from vigil.analyze.quickhit import CLEAR_MARGIN_BITS, read_requests, row_query
from vigil.config import Actor
from vigil.resolve.batch import full_dob, match_many, name_only_ceiling
from vigil.resolve.run import ensure_resolved, latest_model
from vigil.store.db import open_store


def rivals(matches: list) -> set[str | None]:  # type: ignore[type-arg]
    best = matches[0].best.weight
    return {m.person_id for m in matches[1:] if best - m.best.weight < CLEAR_MARGIN_BITS}


def test_settled_queries_keep_their_answer(demo_store_url: str, demo_scenario) -> None:  # type: ignore[no-untyped-def]
    engine = open_store(demo_store_url)
    ensure_resolved(engine, Actor("test-analyst", "batch test"))
    queries = [row_query(r) for r in read_requests(demo_scenario.out_dir / "quickhit_request.csv")]
    with engine.connect() as conn:
        model = latest_model(conn)
        assert model is not None
        full = match_many(conn, model, queries)
        settled = match_many(conn, model, queries, settled_margin=CLEAR_MARGIN_BITS)
    engine.dispose()
    skipped = 0
    for query, everything, quick in zip(queries, full, settled, strict=True):
        assert bool(everything) == bool(quick)
        if not everything:
            continue
        best, best_quick = everything[0], quick[0]
        assert (best.person_id, best.best.ref, best.best.weight) == (
            best_quick.person_id,
            best_quick.best.ref,
            best_quick.best.weight,
        )
        # Rivals within the margin are the same persons either way.
        assert rivals(everything) == rivals(quick)
        # No candidate found only by name outweighs the ceiling computed for the query.
        ceiling = name_only_ceiling(model, full_dob(query) is not None)
        strong = {c.key for m in quick for c in m.candidates}
        for m in everything:
            for c in m.candidates:
                if c.key not in strong:
                    assert c.weight <= ceiling + 1e-9
        skipped += len({c.key for m in everything for c in m.candidates} - strong) > 0
    assert skipped > 0  # the test exercised the skip
