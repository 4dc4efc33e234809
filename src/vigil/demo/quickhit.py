"""Quick-hit batch requests: registrants as an agency sends them, and the answers we expect.

The request carries only what a registry holds (so an absconder's row shows his
stale registered address) with some columns left blank, as agencies do.
"""

from __future__ import annotations

import csv
import gzip
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from vigil.demo.population import Reservoir

REQUEST_COLUMNS = (
    "row_id",
    "last_name",
    "first_name",
    "middle_name",
    "dob",
    "ssn",
    "address",
    "city",
    "state",
    "zip",
    "registrant_id",
    "phone",
)
TRUTH_COLUMNS = (
    "row_id",
    "expected_entity",
    "registry_ref",
    "registry_status",
    "true_address",
    "true_city",
    "true_state",
    "true_zip",
    "address_differs",
)


def _row(rng: random.Random, i: int, rec: dict, entity: str, current: dict | None) -> dict:
    name = rec["names"][0]
    if isinstance(name, str):  # registries rarely do this, but the contract allows it
        last, _, rest = name.partition(",")
        name = {"last": last.strip(), "first": rest.strip().split(" ")[0], "middle": None}
    reg = rec["registration"]
    ra = reg["registered_address"]
    line = ra["line1"] + (f" {ra['line2']}" if ra.get("line2") else "")
    phones = rec.get("phones") or []
    row = {
        "row_id": f"R{i + 1:05d}",
        "last_name": name.get("last") or "",
        "first_name": name.get("first") or "",
        "middle_name": (name.get("middle") or "") if rng.random() < 0.6 else "",
        "dob": (rec.get("dob") or "") if rng.random() > 0.03 else "",
        "ssn": (rec.get("ssn") or "") if rng.random() < 0.7 else "",
        "address": line,
        "city": ra.get("city") or "",
        "state": ra.get("state") or "",
        "zip": (ra.get("zip") or "") if rng.random() > 0.05 else "",
        "registrant_id": reg["registrant_id"] if rng.random() < 0.9 else "",
        "phone": phones[0] if phones and rng.random() < 0.5 else "",
    }
    cur = current or {}
    row["expected_entity"] = entity
    row["registry_ref"] = f"{rec['source']}/{rec['id']}"
    row["registry_status"] = reg["status"]
    row["true_address"] = (cur.get("line1") or "") + (f" {cur['line2']}" if cur.get("line2") else "")
    row["true_city"] = cur.get("city") or ""
    row["true_state"] = cur.get("state") or ""
    row["true_zip"] = cur.get("zip") or ""
    # what a quick-hit should flag: the registry's address is not where the person lives
    differs = (cur.get("line1"), cur.get("zip")) != (ra["line1"], ra.get("zip"))
    row["address_differs"] = "yes" if differs else "no"
    return row


def rows_from_pool(pool: Iterable[tuple[dict, str, dict | None]], seed: int) -> list[dict]:
    rng = random.Random(f"{seed}:quickhit")
    return [_row(rng, i, rec, entity, cur) for i, (rec, entity, cur) in enumerate(pool)]


def write_quickhit(rows: list[dict], out_dir: Path) -> tuple[Path, Path]:
    """quickhit_request.csv (what the agency sends) and quickhit_truth.csv (what should come back)."""
    req, truth = out_dir / "quickhit_request.csv", out_dir / "quickhit_truth.csv"
    for path, cols in ((req, REQUEST_COLUMNS), (truth, TRUTH_COLUMNS)):
        with open(path, "w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
            wr.writeheader()
            wr.writerows(rows)
    return req, truth


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        yield from fh


def quickhit_sample(scenario_dir: Path, n: int = 50, seed: int = 7) -> list[dict]:
    """n registrants of a generated scenario as a quick-hit request, each row with its expected answer.

    Rows hold the request columns plus expected_entity, registry_ref, registry_status and the
    true current address (true_*). Deceased registrants are left out, as an agency would.
    """
    scenario_dir = Path(scenario_dir)
    res = Reservoir(n, random.Random(f"{seed}:quickhit-sample"))
    for path in sorted(scenario_dir.glob("registry_*.jsonl*")):
        for line in _lines(path):
            rec = orjson.loads(line)
            if rec["registration"]["status"] != "deceased":
                res.offer(rec)
    truth = orjson.loads((scenario_dir / "ground_truth.json").read_bytes())
    wanted = {f"{r['source']}/{r['id']}" for r in res.items}
    owner = {ref: e for e, refs in truth["entities"].items() for ref in refs if ref in wanted}
    current = truth.get("current_address", {})
    pool = [
        (rec, owner[f"{rec['source']}/{rec['id']}"], current.get(owner[f"{rec['source']}/{rec['id']}"]))
        for rec in res.items
    ]
    return rows_from_pool(pool, seed)
