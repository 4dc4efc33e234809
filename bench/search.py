"""Latency of one `vigil search` against a loaded, resolved store, and of the quick-hit batch path.

    python -m bench.search --db sqlite:///path/store.db [--queries 200] [--quickhit-rows 10000]

Queries are drawn from the store's own registry and vendor records and made noisy the way agencies
type them (a nickname or a typo, day and month swapped, no SSN). Each search runs end to end as a
user sees it (normalize, candidate lookup, scoring, facts, audit). Prints p50/p95/max in ms, the
top-1 hit rate (the queried record's person ranked first), and quick-hit rows/s.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import orjson
from sqlalchemy import func, select

from vigil.analyze.quickhit import QuickhitRow, run_quickhit
from vigil.analyze.search import search
from vigil.config import Actor
from vigil.resolve.membership import person_of
from vigil.resolve.run import ensure_resolved
from vigil.store import tables as t
from vigil.store.db import open_store

ACTOR = Actor("bench", "latency benchmark")


def sample_records(engine, n: int, seed: int) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    sr = t.source_record
    with engine.connect() as conn:
        total = conn.execute(select(func.max(sr.c.id))).scalar_one()
        rng = random.Random(seed)
        out: list[dict] = []  # type: ignore[type-arg]
        while len(out) < n:
            ids = [rng.randint(1, total) for _ in range(n * 3)]
            for raw in conn.execute(
                select(sr.c.raw).where(sr.c.id.in_(ids), sr.c.type == "person", sr.c.is_current.is_(True))
            ).scalars():
                record = orjson.loads(raw)
                if record.get("names") and record.get("dob"):
                    out.append(record)
    return out[:n]


def _first_last(record: dict) -> tuple[str, str]:  # type: ignore[type-arg]
    name = record["names"][0]
    if isinstance(name, str):
        last, _, first = name.partition(",")
        return (first.strip().split() or [""])[0], last.strip()
    return name.get("first") or "", name.get("last") or ""


def noisy(record: dict, rng: random.Random) -> dict[str, str]:  # type: ignore[type-arg]
    first, last = _first_last(record)
    dob = record["dob"]
    if len(dob) == 10 and int(dob[8:10]) <= 12 and rng.random() < 0.3:
        dob = f"{dob[:4]}-{dob[8:10]}-{dob[5:7]}"
    if rng.random() < 0.3 and len(last) > 3:
        i = rng.randrange(1, len(last) - 1)
        last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
    return {"name": f"{first} {last}", "dob": dob}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--quickhit-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    engine = open_store(args.db)
    ensure_resolved(engine, ACTOR)
    rng = random.Random(args.seed)
    records = sample_records(engine, args.queries, args.seed)
    times, hits = [], 0
    search(engine, ACTOR, **noisy(records[0], rng))  # warm caches (nickname tables, geocoder)
    for record in records:
        fields = noisy(record, rng)
        started = time.perf_counter()
        document = search(engine, ACTOR, limit=5, **fields)
        times.append((time.perf_counter() - started) * 1000)
        target = person_of(engine, f"{record['source']}/{record['id']}")
        hits += bool(document["results"]) and document["results"][0]["person_id"] == target
    times.sort()
    with engine.connect() as conn:
        size = conn.execute(select(func.count()).select_from(t.party)).scalar_one()
    print(f"store: {size:,} parties ({args.db})")
    print(
        f"search: {len(times)} queries  p50 {times[len(times) // 2]:.1f} ms  "
        f"p95 {times[int(len(times) * 0.95)]:.1f} ms  max {times[-1]:.1f} ms  top-1 {hits / len(times):.3f}"
    )

    rows = []
    for i, record in enumerate(sample_records(engine, args.quickhit_rows, args.seed + 1)):
        fields = noisy(record, rng)
        first, _, last = fields["name"].partition(" ")
        rows.append(
            QuickhitRow(i + 2, f"R{i:05d}", {"first_name": first, "last_name": last, "dob": fields["dob"]})
        )
    started = time.perf_counter()
    results = run_quickhit(engine, ACTOR, rows)
    seconds = time.perf_counter() - started
    matched = sum(r["match_status"] == "matched" for r in results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"quick-hit: {len(rows):,} rows in {seconds:.1f} s ({len(rows) / seconds:,.0f} rows/s), "
        f"{matched:,} matched, peak RSS {peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
