"""Ingest throughput and peak memory, per scenario scale and backend, side by side with a baseline.

    python -m bench.ingest --scales small,medium [--backends sqlite,postgresql] [--lookups 200]

For each scale the synthetic scenario is generated once (cached under bench/.data). Each load runs
in a fresh process so its peak RSS is its own. Rows:
  - vigil ingest: validate, normalize, geocode, derive, index, audit - the real thing;
  - baseline (raw lines): the same lines stored as (source, id, raw JSON) with sqlite3.executemany or
    COPY and nothing else - what "just put the JSON in a table" costs, the floor for any loader;
  - identifier lookup: exact lookups of random phones in the loaded store (p50/p95, ms).
Results are printed as a table and written to bench/results/ingest-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"


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
        return sum(1 for _ in fh)


def _run_child(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Runs python -c code; returns (seconds, peak RSS MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    stdout, _ = proc.communicate()
    _, status, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)  # type: ignore[misc]
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"child failed ({proc.returncode}): {code[:200]}")
    peak = (usage.ru_maxrss if usage else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak, stdout


def vigil_load(files: list[Path], url: str) -> tuple[float, float]:
    code = (
        "from pathlib import Path\n"
        "from vigil.store.db import open_store\n"
        "from vigil.ingest import ingest_file\n"
        "from vigil.config import Actor\n"
        f"engine = open_store({url!r})\n"
        f"for f in {[str(f) for f in files]!r}:\n"
        "    s = ingest_file(engine, Path(f), Actor('bench', 'benchmark'))\n"
        "    assert s.rejected == 0, (f, s.rejects[:3])\n"
    )
    seconds, peak, _ = _run_child(code, dict(os.environ))
    return seconds, peak


def baseline_load(files: list[Path], url: str) -> tuple[float, float]:
    code = (
        "import gzip, orjson\n"
        f"files = {[str(f) for f in files]!r}\n"
        f"url = {url!r}\n"
        "def rows():\n"
        "    for f in files:\n"
        "        with (gzip.open(f, 'rb') if f.endswith('.gz') else open(f, 'rb')) as fh:\n"
        "            for line in fh:\n"
        "                o = orjson.loads(line)\n"
        "                yield (o['source'], o['id'], line.decode())\n"
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
    )
    seconds, peak, _ = _run_child(code, dict(os.environ))
    return seconds, peak


def lookup_latency(url: str, n: int) -> dict[str, float]:
    code = (
        "import random, time, json\n"
        "from sqlalchemy import select\n"
        "from vigil.store.db import open_store\n"
        "from vigil.store import tables as t\n"
        "from vigil.analyze.records import lookup_identifier\n"
        f"engine = open_store({url!r})\n"
        "with engine.connect() as c:\n"
        "    phones = c.execute(select(t.identifier.c.value).where(t.identifier.c.kind == 'phone')"
        ".limit(50000)).scalars().all()\n"
        "rng = random.Random(1); sample = [rng.choice(phones) for _ in range(" + str(n) + ")]\n"
        "times = []\n"
        "for v in sample:\n"
        "    t0 = time.perf_counter(); hits = lookup_identifier(engine, 'phone', v); "
        "times.append((time.perf_counter() - t0) * 1000); assert hits\n"
        "times.sort(); print(json.dumps({'p50_ms': times[len(times)//2], 'p95_ms': times[int(len(times)*.95)]}))\n"
    )
    _, _, stdout = _run_child(code, dict(os.environ))
    return json.loads(stdout.strip().splitlines()[-1])


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not os.environ.get("VIGIL_TEST_PG_URL"):
        print("postgresql skipped: set VIGIL_TEST_PG_URL (scripts/pg-tmp.sh start DIR prints one)")
        backends.remove("postgresql")
    RESULTS.mkdir(exist_ok=True)
    print(
        f"{'scale':<8}{'backend':<12}{'loader':<22}{'records':>10}{'seconds':>9}{'rec/s':>9}{'peak MiB':>10}"
        f"{'lookup p50/p95 ms':>20}"
    )
    for scale in args.scales.split(","):
        files, records = scenario(scale)
        rows = []
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
                url = _fresh_url(backend, Path(tmp), f"bench_{scale}_vigil")
                seconds, peak = vigil_load(files, url)
                latency = lookup_latency(url, args.lookups)
                rows.append(
                    {
                        "scale": scale,
                        "backend": backend,
                        "loader": "vigil ingest",
                        "records": records,
                        "seconds": seconds,
                        "peak_mib": peak,
                        **latency,
                    }
                )
                base_url = _fresh_url(backend, Path(tmp), f"bench_{scale}_raw")
                b_seconds, b_peak = baseline_load(files, base_url)
                rows.append(
                    {
                        "scale": scale,
                        "backend": backend,
                        "loader": "baseline (raw lines)",
                        "records": records,
                        "seconds": b_seconds,
                        "peak_mib": b_peak,
                    }
                )
        for row in rows:
            lookup = f"{row['p50_ms']:.2f}/{row['p95_ms']:.2f}" if "p50_ms" in row else "-"
            print(
                f"{row['scale']:<8}{row['backend']:<12}{row['loader']:<22}{row['records']:>10,}"
                f"{row['seconds']:>9.1f}{row['records'] / row['seconds']:>9,.0f}{row['peak_mib']:>10,.0f}"
                f"{lookup:>20}"
            )
        (RESULTS / f"ingest-{scale}.json").write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
