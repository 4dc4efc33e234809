"""Ingest throughput and peak memory, per scenario scale and backend, side by side with a baseline.

    python -m bench.ingest --scales small,medium [--backends sqlite,postgresql] [--lookups 200]
                           [--workers N]

For each scale the synthetic scenario is generated once (cached under bench/.data). Each load runs
in a fresh process, which reports its own time and peak RSS. Rows:
  - vigil ingest: validate, normalize, geocode, derive, index, audit - the real thing, file by file as
    `vigil ingest` does it (big files are prepared by worker processes, see vigil.ingest.jsonl);
  - baseline (raw lines): the same lines stored as (source, id, raw JSON) with sqlite3.executemany or
    COPY and nothing else - what "just put the JSON in a table" costs, the floor for any loader;
  - identifier lookup: exact lookups of phones sampled across the loaded store (p50/p95, ms), through
    vigil.analyze.records.lookup_identifier on a fresh connection pool.
Columns: records/s over the load itself (store already opened and migrated); "wall" also counts the
process start (imports, migrations); "peak" is the loading process's ru_maxrss, "workers" the largest
worker's (they share the loader's tables copy-on-write, so the two do not simply add up); "CPU us/rec"
is the CPU time of the loading process plus its workers per record (whole process, start included):
on a shared machine it moves much less than records/s does.
Results are printed as a table and written to bench/results/ingest-<scale>.json (the rows of the
backends run replace theirs; other backends' rows stay). bench/results/ingest.md discusses them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"

# The child's last stdout line: its own measurements.
_REPORT = (
    "import json, resource\n"
    "def report(**values):\n"
    "    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    values |= {'peak_mib': me.ru_maxrss / 1024, 'worker_peak_mib': kids.ru_maxrss / 1024}\n"
    "    values |= {'cpu_seconds': me.ru_utime + me.ru_stime}\n"
    "    values |= {'worker_cpu_seconds': kids.ru_utime + kids.ru_stime}\n"
    "    print(json.dumps(values))\n"
)


def scenario(scale: str, seed: int = 7) -> tuple[list[Path], int]:
    from vigil.demo import generate

    folder = DATA / f"{scale}-{seed}"
    marker = folder / "files.json"
    if not marker.exists():
        made = generate(folder, scale=scale, seed=seed)
        marker.write_text(json.dumps([str(p) for p in made.files]))
    files = [Path(p) for p in json.loads(marker.read_text())]
    lines = sum(_count_lines(p) for p in files)
    return files, lines


def _count_lines(path: Path) -> int:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        return sum(1 for line in fh if line.strip())


def _run_child(code: str) -> dict[str, float]:
    """Runs python -c code; returns the child's report plus the process's wall seconds."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _REPORT + code], stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise RuntimeError(f"child failed ({proc.returncode}): {code[:300]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**report, "wall_seconds": time.perf_counter() - started}


def vigil_load(files: list[Path], url: str, workers: int | None) -> dict[str, float]:
    extra = "" if workers is None else f", workers={workers}"
    code = (
        "import time\n"
        "from pathlib import Path\n"
        "from vigil.store.db import open_store\n"
        "from vigil.ingest import ingest_file\n"
        "from vigil.config import Actor\n"
        f"engine = open_store({url!r})\n"
        "started = time.perf_counter()\n"
        "records = 0\n"
        f"for f in {[str(f) for f in files]!r}:\n"
        f"    s = ingest_file(engine, Path(f), Actor('bench', 'benchmark'){extra})\n"
        "    assert s.rejected == 0, (f, s.rejects[:3])\n"
        "    records += s.read\n"
        "report(seconds=time.perf_counter() - started, records=records)\n"
    )
    return _run_child(code)


def baseline_load(files: list[Path], url: str) -> dict[str, float]:
    code = (
        "import gzip, time, orjson\n"
        f"files = {[str(f) for f in files]!r}\n"
        f"url = {url!r}\n"
        "def rows():\n"
        "    for f in files:\n"
        "        with (gzip.open(f, 'rb') if f.endswith('.gz') else open(f, 'rb')) as fh:\n"
        "            for line in fh:\n"
        "                o = orjson.loads(line)\n"
        "                yield (o['source'], o['id'], line.decode())\n"
        "started = time.perf_counter()\n"
        "if url.startswith('sqlite'):\n"
        "    import sqlite3\n"
        "    db = sqlite3.connect(url.removeprefix('sqlite:///'))\n"
        "    db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA synchronous=NORMAL')\n"
        "    db.execute('CREATE TABLE raw (source TEXT, id TEXT, raw TEXT, PRIMARY KEY (source, id))')\n"
        "    db.executemany('INSERT OR REPLACE INTO raw VALUES (?, ?, ?)', rows()); db.commit()\n"
        "else:\n"
        "    import psycopg\n"
        "    with psycopg.connect(url.replace('+psycopg', '')) as db:\n"
        "        db.execute('CREATE TABLE raw (source TEXT, id TEXT, raw TEXT, PRIMARY KEY (source, id))')\n"
        "        with db.cursor().copy('COPY raw FROM STDIN') as cp:\n"
        "            for r in rows(): cp.write_row(r)\n"
        "report(seconds=time.perf_counter() - started)\n"
    )
    return _run_child(code)


def lookup_latency(url: str, n: int) -> dict[str, float]:
    code = (
        "import random, time\n"
        "from sqlalchemy import func, select\n"
        "from vigil.store.db import open_store\n"
        "from vigil.store import tables as t\n"
        "from vigil.analyze.records import lookup_identifier\n"
        f"engine = open_store({url!r})\n"
        "with engine.connect() as c:\n"
        "    phones = c.execute(select(t.identifier.c.value).where(t.identifier.c.kind == 'phone')"
        ".order_by(func.random()).limit(5000)).scalars().all()\n"
        "engine.dispose()\n"
        "rng = random.Random(1); sample = [rng.choice(phones) for _ in range(" + str(n) + ")]\n"
        "times = []\n"
        "for v in sample:\n"
        "    t0 = time.perf_counter(); hits = lookup_identifier(engine, 'phone', v)\n"
        "    times.append((time.perf_counter() - t0) * 1000); assert hits\n"
        "times.sort()\n"
        "report(p50_ms=times[len(times) // 2], p95_ms=times[int(len(times) * .95)], lookups=len(times))\n"
    )
    report = _run_child(code)
    return {"p50_ms": report["p50_ms"], "p95_ms": report["p95_ms"]}


def _fresh_url(backend: str, tmp: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = os.environ["VIGIL_TEST_PG_URL"]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop(backend: str, name: str) -> None:
    """PostgreSQL keeps a bench's databases otherwise (SQLite's go with the temporary folder)."""
    if backend != "postgresql":
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ["VIGIL_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def _store_bytes(backend: str, url: str) -> int:
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="0 = no worker processes; default: by size")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not os.environ.get("VIGIL_TEST_PG_URL"):
        print("postgresql skipped: set VIGIL_TEST_PG_URL (scripts/pg-tmp.sh start DIR prints one)")
        backends.remove("postgresql")
    RESULTS.mkdir(exist_ok=True)
    print(
        f"{'scale':<8}{'backend':<12}{'loader':<22}{'records':>10}{'load s':>8}{'rec/s':>8}{'wall s':>8}"
        f"{'peak MiB':>10}{'workers':>9}{'CPU us/rec':>11}{'store MiB':>11}{'lookup p50/p95 ms':>19}",
        flush=True,
    )
    for scale in args.scales.split(","):
        files, records = scenario(scale)
        rows = []
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
                name = f"bench_{scale}_vigil"
                url = _fresh_url(backend, Path(tmp), name)
                load = vigil_load(files, url, args.workers)
                assert load["records"] == records, (load["records"], records)
                row = {
                    "scale": scale,
                    "backend": backend,
                    "loader": "vigil ingest",
                    "records": records,
                    **load,
                    "store_mib": _store_bytes(backend, url) / 2**20,
                    **lookup_latency(url, args.lookups),
                }
                _print(row)
                rows.append(row)
                _drop(backend, name)
                if not args.no_baseline:
                    name = f"bench_{scale}_raw"
                    base = baseline_load(files, _fresh_url(backend, Path(tmp), name))
                    row = {"scale": scale, "backend": backend, "loader": "baseline (raw lines)"}
                    row |= {"records": records, **base}
                    _print(row)
                    rows.append(row)
                    _drop(backend, name)
        _save(RESULTS / f"ingest-{scale}.json", rows, backends)


def _save(path: Path, rows: list[dict], backends: list[str]) -> None:
    """Replaces this run's backends in the scale's results and keeps the others (run one at a time)."""
    kept = (
        [r for r in orjson.loads(path.read_bytes()) if r["backend"] not in backends] if path.exists() else []
    )
    path.write_bytes(orjson.dumps(kept + rows, option=orjson.OPT_INDENT_2))


def _print(row: dict) -> None:
    lookup = f"{row['p50_ms']:.2f}/{row['p95_ms']:.2f}" if "p50_ms" in row else "-"
    store = f"{row['store_mib']:,.0f}" if "store_mib" in row else "-"
    workers = f"{row['worker_peak_mib']:,.0f}" if row.get("worker_peak_mib") else "-"
    cpu = 1e6 * (row["cpu_seconds"] + row["worker_cpu_seconds"]) / row["records"]
    print(
        f"{row['scale']:<8}{row['backend']:<12}{row['loader']:<22}{row['records']:>10,}"
        f"{row['seconds']:>8.1f}{row['records'] / row['seconds']:>8,.0f}{row['wall_seconds']:>8.1f}"
        f"{row['peak_mib']:>10,.0f}{workers:>9}{cpu:>11,.0f}{store:>11}{lookup:>19}",
        flush=True,
    )


if __name__ == "__main__":
    main()
