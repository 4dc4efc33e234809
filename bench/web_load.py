"""Load on the web API: N analysts searching at once for S seconds against a real `vigil serve`.

    python -m bench.web_load [--users 20] [--seconds 60] [--db URL] [--scale small]

Without --db the small synthetic scenario is generated, loaded and resolved once into
bench/.data/web-<scale>/store.db (reused by later runs). Accounts analyst01..NN are created (or
their passwords reset), `vigil serve` is started on 127.0.0.1 on a free port, and each simulated
analyst logs in as a browser does, then runs person searches (`GET /api/search`, name + DOB drawn
from the store's own person records, some by phone) back to back until time is up. Traffic goes to
loopback only; every loop is bounded by time and by a request cap. Prints and writes
bench/results/web_load.json: requests, errors (any non-200 answer or transport failure), throughput
and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from vigil.config import Actor
from vigil.store import tables as t
from vigil.store.db import open_store
from vigil.web import accounts

HERE = Path(__file__).parent
PASSWORD = "load test password 2026"
PURPOSE = "web load benchmark"
HOST = "127.0.0.1"  # loopback only
MAX_REQUESTS_PER_USER = 200_000  # a hard cap besides the clock


def prepare_store(scale: str) -> str:
    from vigil.demo import generate
    from vigil.ingest import ingest_file
    from vigil.resolve.run import resolve_full

    folder = HERE / ".data" / f"web-{scale}"
    db = folder / "store.db"
    url = f"sqlite:///{db}"
    if db.exists():
        return url
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating and loading the {scale} scenario into {db} (once)...", flush=True)
    scenario = generate(folder / "scenario", scale=scale, seed=7)
    engine = open_store(url)
    actor = Actor("bench", "web load setup")
    for file in scenario.files:
        ingest_file(engine, file, actor)
    resolve_full(engine, actor)
    engine.dispose()
    return url


def queries(url: str, n: int = 500, seed: int = 7) -> list[dict[str, str]]:
    """Search forms as analysts fill them: name + DOB of real person records, some phones."""
    from vigil.resolve.run import ensure_resolved

    engine = open_store(url)
    ensure_resolved(engine, Actor("bench", "web load setup"))  # no resolution inside the timed run
    sr = t.source_record
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    with engine.connect() as conn:
        raws = conn.execute(
            select(sr.c.raw).where(sr.c.type == "person", sr.c.is_current.is_(True)).limit(20 * n)
        ).scalars()
        for raw in raws:
            record = orjson.loads(raw)
            names, dob, phones = record.get("names") or [], record.get("dob"), record.get("phones") or []
            if not names or not dob:
                continue
            name = names[0]
            text = name if isinstance(name, str) else f"{name.get('first') or ''} {name.get('last') or ''}"
            query = {"name": text.strip(), "dob": dob, "purpose": PURPOSE}
            if phones and rng.random() < 0.2:
                phone = phones[0]
                query = {
                    "phone": phone if isinstance(phone, str) else phone.get("number", ""),
                    "purpose": PURPOSE,
                }
            out.append(query)
    engine.dispose()
    rng.shuffle(out)
    return out[:n]


def make_users(url: str, n: int) -> list[str]:
    engine = open_store(url)
    actor = Actor("bench", "web load setup")
    names = []
    for i in range(1, n + 1):
        name = f"analyst{i:02d}"
        if accounts.get_user(engine, name) is None:
            accounts.create_user(engine, actor, name, PASSWORD, "analyst", "Load Test Unit")
        else:
            accounts.set_password(engine, actor, name, PASSWORD)
        names.append(name)
    engine.dispose()
    return names


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VIGIL_SECRET_KEY": "web-load-bench", "VIGIL_DATA_DIR": str(data_dir)}
    log = (data_dir / "server.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "vigil.cli.main",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--db",
        url,
    ]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError((data_dir / "server.log").read_text())


async def analyst(
    base: str,
    username: str,
    pool: list[dict[str, str]],
    until: float,
    latencies: list[float],
    errors: list[str],
) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.get("/login")
        login = await client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": client.cookies["vigil_csrf"]},
        )
        if login.status_code != 303:
            errors.append(f"{username}: login answered {login.status_code}")
            return 0
        rng = random.Random(username)
        done = 0
        while time.monotonic() < until and done < MAX_REQUESTS_PER_USER:
            params = pool[rng.randrange(len(pool))]
            started = time.perf_counter()
            try:
                response = await client.get("/api/search", params=params)
                ok = response.status_code == 200 and "results" in response.json()
                if not ok:
                    errors.append(f"{username}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{username}: {type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - started)
            done += 1
        return done


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(base: str, users: list[str], pool: list[dict[str, str]], seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    until = started + seconds
    counts = await asyncio.gather(*(analyst(base, u, pool, until, latencies, errors) for u in users))
    elapsed = time.monotonic() - started
    ms = [x * 1000 for x in latencies]
    return {
        "users": len(users),
        "seconds": round(elapsed, 1),
        "requests": sum(counts),
        "errors": len(errors),
        "error_samples": errors[:10],
        "requests_per_second": round(sum(counts) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(ms, 0.50), 1) if ms else None,
            "p95": round(percentile(ms, 0.95), 1) if ms else None,
            "p99": round(percentile(ms, 0.99), 1) if ms else None,
            "max": round(max(ms), 1) if ms else None,
            "mean": round(statistics.fmean(ms), 1) if ms else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--db", help="an existing store (default: the generated scenario)")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "web_load.json")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 0 < args.seconds <= 3600:
        parser.error("--users 1..200, --seconds up to 3600")
    url = args.db or prepare_store(args.scale)
    pool = queries(url)
    users = make_users(url, args.users)
    with tempfile.TemporaryDirectory(prefix="vigil-web-load-") as tmp:
        port = free_port()
        server = start_server(url, port, Path(tmp))
        try:
            result = asyncio.run(run(f"http://{HOST}:{port}", users, pool, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
            log = (Path(tmp) / "server.log").read_text(errors="replace")
            kept = HERE / ".data" / "web_load-server.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(log)
            if "Traceback" in log:
                print(f"the server logged errors: see {kept}", file=sys.stderr)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    document = {"bench": "web_load", "backend": backend, "endpoint": "GET /api/search", **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    lat = result["latency_ms"]
    print(
        f"{result['users']} analysts x {result['seconds']} s on {backend}: {result['requests']:,} searches, "
        f"{result['errors']} errors, {result['requests_per_second']} req/s, "
        f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms -> {args.out}"
    )
    if result["errors"]:
        for sample in result["error_samples"]:
            print("  ", sample)


if __name__ == "__main__":
    main()
