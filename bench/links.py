"""Link analysis: tip-link accuracy on the scenario's ground truth, stream matching speed, `path` latency.

    python -m bench.links [--scale small] [--store 200000] [--stream 20000] [--paths 200] [--db URL]

1. Accuracy. The synthetic scenario (vigil.demo, cached under bench/.data) is loaded into a fresh
   store and every tip's links are computed as `vigil tip-links` does:
   - direct: links of one hop; truth = consecutive records of a planted tip chain;
   - chains: links up to --hops hops; truth = every pair of records in one planted chain.
   A reported link is correct when both records belong to the same planted chain or the same
   ground-truth individual (`entities`). Recall counts truth pairs with at least one tip.
   Hubs: the store's hub identifiers against the scenario's `hub_identifiers`, and how many
   reported links rest on a hub (should be none). Routing: the share of tips whose potential
   location's state is the state of the ICAC task force the scenario referred the tip to.
2. Throughput. A synthetic store of --store tips and persons (bulk-inserted source records and
   identifier rows: matching is measured, not loading) with planted shared identifiers and hubs;
   then --stream new tips are matched in batches of 1,000 (TipMatcher: counts, then holders of
   the non-hub identifiers). Two figures: identifiers given (what ingest derived), and end to end
   from the raw JSON (validate, derive, extract narrative identifiers, match).
3. Latency. `vigil path` (the audited call) between --paths pairs of records of that store: pairs
   planted 2-4 hops apart, and random pairs (mostly no path): p50 / p95 / max.
Prints a table; writes bench/results/links-<scale>-<backend>-<store>.json.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
PLATFORMS = ("kik", "snapchat", "instagram", "discord", "tiktok", "x", "telegram", "facebook")


# --- 1. accuracy -----------------------------------------------------------------------------------


def load_scenario(
    scale: str, seed: int, url: str | None, workdir: Path
) -> tuple[Any, dict[str, Any], list[dict]]:
    from vigil.config import Actor
    from vigil.demo import generate
    from vigil.demo.generate import FILE_ORDER
    from vigil.ingest import ingest_file
    from vigil.store.db import open_store

    folder = DATA / f"links-{scale}-{seed}"
    if not (folder / "ground_truth.json").exists():
        generate(folder, scale=scale, seed=seed)
    files = []
    for name in FILE_ORDER:
        files += [p for p in (folder / f"{name}.jsonl", folder / f"{name}.jsonl.gz") if p.exists()]
    engine = open_store(url or f"sqlite:///{workdir / 'scenario.db'}")
    for path in files:
        ingest_file(engine, path, Actor("bench", "benchmark"))
    truth = orjson.loads((folder / "ground_truth.json").read_bytes())
    tips_raw = [orjson.loads(line) for path in files if "cybertipline" in path.name for line in _lines(path)]
    return engine, truth, tips_raw


def _lines(path: Path) -> Iterable[bytes]:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        yield from (line for line in fh if line.strip())


def accuracy(engine: Any, truth: dict[str, Any], tips_raw: list[dict], hops: int) -> dict[str, Any]:
    from vigil.analyze.links import LinkSettings, hub_identifiers, link_records
    from vigil.analyze.routing import current_tip_refs
    from vigil.analyze.tip_location import locate_tip

    settings = LinkSettings.from_env()
    chain_of: dict[str, set[str]] = {}
    direct_truth: set[frozenset[str]] = set()
    chain_truth: set[frozenset[str]] = set()
    for chain in truth["tip_chains"]:
        refs = chain["refs"]
        for ref in refs:
            chain_of.setdefault(ref, set()).add(chain["chain_id"])
        for a, b in itertools.pairwise(refs):
            if "cybertipline/" in a + b:
                direct_truth.add(frozenset((a, b)))
        for i, a in enumerate(refs):
            for b in refs[i + 1 :]:
                if a != b and "cybertipline/" in a + b:
                    chain_truth.add(frozenset((a, b)))
    entity_of: dict[str, set[str]] = {}
    for eid, refs in truth["entities"].items():
        for ref in refs:
            entity_of.setdefault(ref.split("#")[0], set()).add(eid)

    def correct(a: str, b: str) -> bool:
        return bool(
            chain_of.get(a, set()) & chain_of.get(b, set())
            or entity_of.get(a, set()) & entity_of.get(b, set())
        )

    hubs = {h["identifier"] for h in hub_identifiers(engine, settings)}
    planted_hubs = set(truth["hub_identifiers"])
    tips = current_tip_refs(engine)
    wanted = ("tip", "missing_case", "person")
    direct_pred: set[frozenset[str]] = set()
    chain_pred: set[frozenset[str]] = set()
    via_hub = 0
    started = time.perf_counter()
    with engine.connect() as conn:
        for ref in tips:
            result = link_records(conn, ref, hops=hops, types=wanted, settings=settings, limit=None)
            for link in result.links:
                pair = frozenset((ref, link.ref))
                chain_pred.add(pair)
                if link.hops == 1:
                    direct_pred.add(pair)
                via_hub += any(v in hubs for v in link.via.split(" > "))
    seconds = time.perf_counter() - started

    def pr(pred: set[frozenset[str]], gold: set[frozenset[str]]) -> tuple[float, float, int, int]:
        good = sum(1 for p in pred if correct(*sorted(p)))
        found = len(gold & pred)
        return (good / len(pred) if pred else 1.0), (found / len(gold) if gold else 1.0), len(pred), len(gold)

    # Routing agreement: the state of the potential location vs the state of the ICAC the tip was referred to.
    referred = {
        f"{t['source']}/{t['id']}": t["referred_to"]["ori"][:2] for t in tips_raw if t.get("referred_to")
    }
    agree = total = 0
    with engine.connect() as conn:
        for ref in tips:
            if ref in referred:
                total += 1
                agree += locate_tip(conn, ref, settings=settings)["state"] == referred[ref]
    d_p, d_r, d_n, d_g = pr(direct_pred, direct_truth)
    c_p, c_r, c_n, c_g = pr(chain_pred, chain_truth)
    return {
        "tips": len(tips),
        "chains": len(truth["tip_chains"]),
        "direct_precision": d_p,
        "direct_recall": d_r,
        "direct_links": d_n,
        "direct_truth": d_g,
        "chain_precision": c_p,
        "chain_recall": c_r,
        "chain_links": c_n,
        "chain_truth": c_g,
        "hops": hops,
        "hubs_found": sorted(hubs),
        "hub_precision": len(hubs & planted_hubs) / len(hubs) if hubs else 1.0,
        "hub_recall": len(hubs & planted_hubs) / len(planted_hubs) if planted_hubs else 1.0,
        "links_via_hub": via_hub,
        "tip_links_per_s": len(tips) / seconds if seconds else 0.0,
        "routing_state_agreement": agree / total if total else None,
    }


# --- 2. synthetic store and stream -------------------------------------------------------------------


class Synth:
    """Deterministic synthetic identifiers (555 phones, example.com, 2001:db8::/32), unique unless planted."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.n = 0
        self.hubs = [("phone", f"+1213555{9000 + i:04d}") for i in range(10)] + [
            ("ip", f"198.51.100.{200 + i}") for i in range(10)
        ]

    def _next(self) -> int:
        self.n += 1
        return self.n

    def tip_ids(self) -> list[tuple[str, str]]:
        k = self._next()
        out = [
            ("screen_name", f"{PLATFORMS[k % len(PLATFORMS)]}/u_{k}"),
            ("ip", f"2001:db8:{k >> 16:x}:{k & 0xFFFF:x}::1"),
        ]
        if self.r.random() < 0.5:
            out.append(("email", f"u{k}@example.com"))
        if self.r.random() < 0.2:
            out.append(("phone", f"+1{200 + (k // 10000) % 700}555{k % 10000:04d}"))
        return out

    def person_ids(self) -> list[tuple[str, str]]:
        k = self._next()
        return [
            ("ssn", f"9{k:08d}"),
            ("phone", f"+1{200 + (k // 10000) % 700}555{k % 10000:04d}"),
            ("email", f"p{k}@example.net"),
        ]


def build_store(
    url: str, size: int, seed: int
) -> tuple[Any, list[str], list[list[tuple[str, str]]], list[tuple[str, str, int]]]:
    """`size` records (60% tips, 40% persons) with 5% of tips sharing an identifier with an earlier one
    (planted chains) and 20 hub identifiers in 100-400 records each. Returns the engine, each record's
    refs, each record's identifiers, and planted pairs (ref a, ref b, hops)."""
    from vigil.store import tables as t
    from vigil.store.bulk import insert_rows
    from vigil.store.db import open_store

    engine = open_store(url)
    synth = Synth(seed)
    r = synth.r
    now = datetime.now(UTC)
    with engine.begin() as conn:
        load_id = conn.execute(
            t.load.insert()
            .values(
                file_name="bench-links",
                file_sha256="0" * 64,
                user="bench",
                purpose="benchmark",
                started_at=now,
            )
            .returning(t.load.c.id)
        ).scalar_one()
    ids_of: list[list[tuple[str, str]]] = []
    refs: list[str] = []
    planted: list[tuple[str, str, int]] = []
    chain_len: dict[int, tuple[int, int]] = {}  # record index -> (chain head index, hops from head)
    hub_slots = {i: [] for i in range(size)}
    for kind, value in synth.hubs:
        for i in r.sample(range(size), r.randrange(100, 400)):
            hub_slots[i].append((kind, value))
    chunk = 20_000
    for start in range(0, size, chunk):
        sources, identifiers = [], []
        for i in range(start, min(size, start + chunk)):
            tip = r.random() < 0.6
            held = synth.tip_ids() if tip else synth.person_ids()
            if tip and i > 10 and r.random() < 0.05:
                j = r.randrange(max(0, i - 5000), i)  # share one identifier with a recent record
                held.append(r.choice(ids_of[j]))
                head, hops = chain_len.get(j, (j, 0))
                chain_len[i] = (head, hops + 1)
                planted.append((refs[head], f"bench-{'tip' if tip else 'person'}/R{i}", hops + 1))
            held += hub_slots[i]
            ref = f"bench-{'tip' if tip else 'person'}/R{i}"
            refs.append(ref)
            ids_of.append(held)
            sources.append(
                {
                    "id": i + 1,
                    "ref": ref,
                    "source": ref.split("/")[0],
                    "record_id": f"R{i}",
                    "version": 1,
                    "type": "tip" if tip else "person",
                    "raw": "{}",
                    "content_hash": f"{i:064x}",
                    "is_current": True,
                    "load_id": load_id,
                    "line_no": i + 1,
                    "loaded_at": now,
                }
            )
            identifiers += [
                {"kind": k, "value": v, "record_id": i + 1, "party": 0, "detail": None} for k, v in held
            ]
        with engine.begin() as conn:
            insert_rows(conn, t.source_record, sources)
            insert_rows(conn, t.identifier, identifiers)
    with engine.begin() as conn:
        from vigil.store.bulk import sync_id_sequence

        sync_id_sequence(conn, t.source_record)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE identifier")
            conn.exec_driver_sql("ANALYZE source_record")
        else:
            conn.exec_driver_sql("ANALYZE")
    return engine, refs, ids_of, planted


def stream_tips(ids_of: list[list[tuple[str, str]]], n: int, seed: int) -> list[dict[str, Any]]:
    """New raw tips: 10% reuse a stored identifier (some in the narrative), 5% write a hub's phone."""
    r = random.Random(seed + 1)
    synth = Synth(seed + 1)
    synth.n = 10_000_000
    tips = []
    for i in range(n):
        held = synth.tip_ids()
        screen = next(v for k, v in held if k == "screen_name").split("/")
        suspect: dict[str, Any] = {"screen_names": [{"platform": screen[0], "handle": screen[1]}]}
        suspect["emails"] = [v for k, v in held if k == "email"]
        suspect["phones"] = [v for k, v in held if k == "phone"]
        narrative = "The reporting ESP reports a user who uploaded apparent child sexual abuse material."
        if r.random() < 0.1:
            kind, value = r.choice(ids_of[r.randrange(len(ids_of))])
            if kind == "phone":
                narrative += f" The suspect texted the victim from ({value[2:5]}) {value[5:8]}-{value[8:]}."
            elif kind == "email":
                suspect["emails"].append(value)
            elif kind == "screen_name":
                plat, handle = value.split("/", 1)
                narrative += f" The suspect asked the victim to add him on {plat} as @{handle}."
        if r.random() < 0.05:
            narrative += " The victim called from the shelter line (213) 555-9001."
        tips.append(
            {
                "type": "tip",
                "source": "stream",
                "id": f"S{i}",
                "reporter": {"kind": "esp", "esp_name": screen[0]},
                "incident_type": "csam",
                "suspect": suspect,
                "ips": [v for k, v in held if k == "ip"],
                "narrative": narrative,
            }
        )
    return tips


def throughput(engine: Any, tips: list[dict[str, Any]], batch: int = 1000) -> dict[str, Any]:
    from vigil.analyze.links import LinkSettings, TipMatcher, held_from_rows
    from vigil.derive import derive
    from vigil.model.records import validate_record

    settings = LinkSettings.from_env()
    started = time.perf_counter()
    derived = [
        (f"stream/{t['id']}", held_from_rows(derive(validate_record(t)).rows.get("identifier", [])))
        for t in tips
    ]
    derive_s = time.perf_counter() - started
    linked = links = 0
    with engine.connect() as conn:
        matcher = TipMatcher(conn, settings)
        matcher.match(derived[:batch])  # warm the connection and the hub cache as a long stream would
        started = time.perf_counter()
        for i in range(0, len(derived), batch):
            for found in matcher.match(derived[i : i + batch]):
                linked += bool(found)
                links += len(found)
        match_s = time.perf_counter() - started
    return {
        "stream_tips": len(tips),
        "match_tips_per_s": len(tips) / match_s,
        "end_to_end_tips_per_s": len(tips) / (match_s + derive_s),
        "tips_linked": linked,
        "links": links,
        "identifiers_per_tip": statistics.mean(len(h) for _, h in derived),
    }


def path_latency(
    engine: Any, planted: list[tuple[str, str, int]], refs: list[str], n: int, seed: int
) -> dict[str, Any]:
    from vigil.analyze.graph import paths_between
    from vigil.config import Actor

    r = random.Random(seed + 2)
    who = Actor("bench", "benchmark")
    chained = [p for p in planted if 2 <= p[2] <= 4]
    pairs = [r.choice(chained)[:2] for _ in range(n // 2)] if chained else []
    pairs += [(r.choice(refs), r.choice(refs)) for _ in range(n - len(pairs))]
    times, found = [], 0
    for a, b in pairs:
        started = time.perf_counter()
        document, _ = paths_between(engine, a, b, who, max_paths=3, max_hops=4)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(document["paths"])
    times.sort()
    return {
        "paths_asked": len(times),
        "paths_found": found,
        "path_p50_ms": statistics.median(times),
        "path_p95_ms": times[int(0.95 * (len(times) - 1))],
        "path_max_ms": times[-1],
    }


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="small", help="scenario scale for accuracy (small, medium)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hops", type=int, default=8, help="chain depth for chain precision/recall")
    parser.add_argument(
        "--store", type=int, default=200_000, help="synthetic tips+persons in the matching store"
    )
    parser.add_argument("--stream", type=int, default=20_000, help="new tips matched against it")
    parser.add_argument("--paths", type=int, default=200, help="path queries timed")
    parser.add_argument(
        "--db", default=None, help="an empty database URL (default: SQLite files in a temp dir)"
    )
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"scale": args.scale, "seed": args.seed, "store": args.store}
    with tempfile.TemporaryDirectory(prefix="vigil-bench-links-") as tmp:
        work = Path(tmp)
        if not args.skip_accuracy:
            started = time.perf_counter()
            engine, truth, tips_raw = load_scenario(args.scale, args.seed, args.db, work)
            print(f"scenario {args.scale} loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            results["accuracy"] = accuracy(engine, truth, tips_raw, args.hops)
            engine.dispose()
        if not args.skip_speed:
            url = args.db if args.db and args.skip_accuracy else f"sqlite:///{work / 'stream.db'}"
            started = time.perf_counter()
            engine, refs, ids_of, planted = build_store(url, args.store, args.seed)
            build_s = time.perf_counter() - started
            print(f"synthetic store of {args.store:,} records built in {build_s:.1f}s", file=sys.stderr)
            results["store_build_s"] = build_s
            results["backend"] = engine.dialect.name
            results["throughput"] = throughput(engine, stream_tips(ids_of, args.stream, args.seed))
            results["latency"] = path_latency(engine, planted, refs, args.paths, args.seed)
            engine.dispose()
    _print(results)
    RESULTS.mkdir(exist_ok=True)
    parts = [] if args.skip_accuracy else [args.scale]
    if not args.skip_speed:
        parts += [results["backend"], str(args.store)]
    name = "-".join(["links", *parts])
    (RESULTS / f"{name}.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    return 0


def _print(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="vigil link analysis")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    acc = results.get("accuracy")
    if acc:
        rows = [
            ("tips / planted chains", f"{acc['tips']} / {acc['chains']}", ""),
            ("direct links: precision", f"{acc['direct_precision']:.3f}", ">= 0.95"),
            ("direct links: recall", f"{acc['direct_recall']:.3f} of {acc['direct_truth']}", ">= 0.95"),
            (f"chains (<= {acc['hops']} hops): precision", f"{acc['chain_precision']:.3f}", ">= 0.95"),
            ("chains: recall", f"{acc['chain_recall']:.3f} of {acc['chain_truth']}", ">= 0.95"),
            (
                "hub identifiers: precision / recall",
                f"{acc['hub_precision']:.2f} / {acc['hub_recall']:.2f}",
                "1 / 1",
            ),
            ("links resting on a hub", str(acc["links_via_hub"]), "0"),
            ("tip-links calls per second", f"{acc['tip_links_per_s']:.0f}", ""),
            ("routing: state = referred ICAC's", f"{acc['routing_state_agreement']:.3f}", ""),
        ]
        for row in rows:
            table.add_row(*row)
    tp = results.get("throughput")
    if tp:
        size = f"{results['store']:,}"
        table.add_row(f"store ({results['backend']}) built in", f"{results['store_build_s']:.0f} s", "")
        table.add_row(f"matching vs {size} records: tips/s", f"{tp['match_tips_per_s']:,.0f}", ">= 5,000")
        table.add_row("  end to end from raw JSON: tips/s", f"{tp['end_to_end_tips_per_s']:,.0f}", "")
        table.add_row("  tips linked / links", f"{tp['tips_linked']:,} / {tp['links']:,}", "")
        lat = results["latency"]
        table.add_row(
            f"path p50 / p95 / max ({lat['paths_asked']} asked)",
            f"{lat['path_p50_ms']:.1f} / {lat['path_p95_ms']:.1f} / {lat['path_max_ms']:.0f} ms",
            "p95 <= 100 ms",
        )
        table.add_row("  paths found", f"{lat['paths_found']}", "")
    Console().print(table)


if __name__ == "__main__":
    raise SystemExit(main())
