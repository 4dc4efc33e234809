"""The packed copy of party features (party_feature): identical to the derived tables' reading,
written by resolution runs, and never trusted for a record it does not hold."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from vigil.config import Actor
from vigil.ingest.rebuild import rebuild_derived
from vigil.resolve.features import load_features, load_features_packed, pack, unpack
from vigil.resolve.run import resolve_full
from vigil.store import tables as t
from vigil.store.db import open_store

ACTOR = Actor("test-analyst", "packed features test")


def test_pack_round_trip_and_runs_write_it(demo_store_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_store(demo_store_url)
    with engine.connect() as conn:
        truth = load_features(conn)
    assert truth
    assert all(unpack(key, pack(p)) == p for key, p in truth.items())
    assert unpack((1, 0), b'[0,"older"]') is None

    resolve_full(engine, ACTOR)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.party_feature)).scalar_one() == len(truth)
        ids = sorted({key[0] for key in truth})[:1500]  # over the IN-list size: the temp-table path
        wanted = {key: p for key, p in truth.items() if key[0] in set(ids)}
        assert load_features_packed(conn, ids) == wanted
        assert load_features_packed(conn, ids[:10]) == {k: p for k, p in wanted.items() if k[0] in ids[:10]}

    # A record the packed copy lacks is read from the derived tables.
    with engine.begin() as conn:
        conn.execute(delete(t.party_feature).where(t.party_feature.c.record_id == ids[0]))
    with engine.connect() as conn:
        assert load_features_packed(conn, ids[:3]) == {k: p for k, p in wanted.items() if k[0] in ids[:3]}

    # Rows packed by another version of Vigil are not trusted either.
    with engine.begin() as conn:
        conn.execute(
            t.party_feature.update()
            .where(t.party_feature.c.record_id == ids[1])
            .values(data=b'[0,"packed","by","another","version"]')
        )
    with engine.connect() as conn:
        assert load_features_packed(conn, ids[:3]) == {k: p for k, p in wanted.items() if k[0] in ids[:3]}

    # Rebuilding the derived tables drops the copy packed from them.
    rebuild_derived(engine, ACTOR)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.party_feature)).scalar_one() == 0
        assert load_features_packed(conn, ids[:3]) == {k: p for k, p in wanted.items() if k[0] in ids[:3]}
    engine.dispose()
