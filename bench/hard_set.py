"""The hard noisy set for bench.resolution: person records of a generated scenario plus quick-hit queries.

The store is the scenario's `person` records (registries, public-records vendors, NCIC offline): the
generator already plants nicknames, swapped given/family names, day/month swaps, one-digit errors,
missing SSNs, common-name twins, fathers and sons, moves and maiden names. When fewer records than the
scenario holds are wanted, whole entities are sampled so every true pair stays inside the store.

Queries are built here, from the ground truth: each one describes an entity the way an agency would
(its consensus name, DOB and SSN over all its records, one of its addresses - often an old one - and
sometimes a phone or registrant id), then gets its own noise (`noisy_query`). About 10% of queries
describe entities held out of the store: the right answer for them is no match, so a match is wrong.

    python -m bench.hard_set --scale small --queries 500   # writes bench/.data/hard-small-7-*/ and stops
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from vigil.demo.noise import digit_typo_date, ssn_typo, transposed_dob, typo
from vigil.demo.pools import nickname_table

HERE = Path(__file__).parent
DATA = HERE / ".data"
PERSON_FILES = ("registry_", "pubrec_", "ncic_offline")
QUERY_COLUMNS = (
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
# Per-query noise rates (independent draws). Chosen to be harder than the generator's own vendor noise.
NOISE = {
    "nickname": 0.12,
    "swap_names": 0.05,
    "typo_first": 0.05,
    "typo_last": 0.05,
    "hyphen_maiden": 0.5,  # of women with a maiden name
    "dob_day_month": 0.06,
    "dob_digit": 0.04,
    "dob_year_only": 0.02,
    "dob_missing": 0.04,
    "ssn_missing": 0.45,
    "ssn_typo": 0.06,
    "old_address": 0.35,
    "address_missing": 0.08,
    "zip_missing": 0.05,
    "phone": 0.3,
    "registrant_id": 0.3,
}
HOLDOUT_SHARE = 0.1


@dataclass
class HardSet:
    folder: Path
    store: Path  # person records, JSONL
    truth: Path  # ref -> entity, JSON
    queries: Path  # quick-hit request CSV (formats.md columns)
    query_truth: Path  # row_id, entity, in_store, noise
    records: int
    entities: int
    queries_n: int


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        yield from fh


def scenario_person_records(folder: Path) -> Iterator[dict[str, Any]]:
    files = sorted(p for p in folder.iterdir() if p.name.startswith(PERSON_FILES) and ".jsonl" in p.name)
    for path in files:
        for line in _lines(path):
            rec = orjson.loads(line)
            if rec.get("type") == "person":
                yield rec


def ref_of(rec: dict[str, Any]) -> str:
    return f"{rec['source']}/{rec['id']}"


def _name_parts(name: Any) -> dict[str, str]:
    if isinstance(name, str):
        from vigil.normalize.names import parse_name

        n = parse_name(name)
        return {
            "first": n.first.title(),
            "middle": n.middle.title(),
            "last": n.last.title(),
            "kind": "primary",
        }
    return {k: (name.get(k) or "") for k in ("first", "middle", "last", "kind")}


def _majority(values: list[str]) -> str:
    values = [v for v in values if v]
    if not values:
        return ""
    return Counter(values).most_common(1)[0][0]


def _digits(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("number")
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def entity_profile(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What the sources agree on about one entity: the closest thing to its true identity."""
    names = [_name_parts(n) for r in records for n in (r.get("names") or [])[:1]]
    firsts = [n["first"].title() for n in names]
    lasts = [n["last"].title() for n in names]
    full_dobs = [r["dob"] for r in records if isinstance(r.get("dob"), str) and len(r["dob"]) == 10]
    ssns = [_digits(r.get("ssn")) for r in records if r.get("ssn")]
    addresses = [a for r in records for a in (r.get("addresses") or []) if a.get("line1")]
    phones = [_digits(p) for r in records for p in (r.get("phones") or []) if len(_digits(p)) >= 10]
    rids = [
        r["registration"]["registrant_id"]
        for r in records
        if r.get("registration") and r["registration"].get("registrant_id")
    ]
    middles = [n["middle"].title() for n in names if len(n["middle"]) > 1]
    return {
        "first": _majority(firsts),
        "last": _majority(lasts),
        "middle": _majority(middles),
        "dob": _majority(full_dobs) or _majority([r.get("dob") or "" for r in records]),
        "ssn": _majority(ssns),
        "addresses": addresses,
        "phones": sorted(set(phones)),
        "registrant_ids": sorted(set(rids)),
        "sex": _majority([r.get("sex") or "" for r in records]),
    }


def noisy_query(
    rng: random.Random, row_id: str, prof: dict[str, Any], nicks: dict[str, list[str]]
) -> tuple[dict[str, str], list[str]]:
    """A quick-hit row describing `prof`, with noise; returns (row, names of the noise applied)."""
    applied: list[str] = []
    first, last, middle = prof["first"], prof["last"], prof["middle"]
    if first in nicks and rng.random() < NOISE["nickname"]:
        first = rng.choice(nicks[first])
        applied.append("nickname")
    if first and rng.random() < NOISE["typo_first"]:
        first = typo(rng, first)
        applied.append("typo_first")
    if last and rng.random() < NOISE["typo_last"]:
        last = typo(rng, last)
        applied.append("typo_last")
    if rng.random() < NOISE["swap_names"]:
        first, last = last, first
        applied.append("swap_names")
    if middle and rng.random() < 0.5:
        middle = middle[0]
    elif rng.random() < 0.4:
        middle = ""
    dob = prof["dob"] or ""
    u = rng.random()
    if len(dob) == 10:
        day = date.fromisoformat(dob).toordinal()
        if u < NOISE["dob_day_month"]:
            swapped = transposed_dob(day)
            if swapped:
                dob = swapped
                applied.append("dob_day_month")
        elif (u := u - NOISE["dob_day_month"]) < NOISE["dob_digit"]:
            dob = digit_typo_date(rng, day)
            applied.append("dob_digit")
        elif (u := u - NOISE["dob_digit"]) < NOISE["dob_year_only"]:
            dob = dob[:4]
            applied.append("dob_year_only")
        elif u - NOISE["dob_year_only"] < NOISE["dob_missing"]:
            dob = ""
            applied.append("dob_missing")
    ssn = prof["ssn"] or ""
    if ssn:
        if rng.random() < NOISE["ssn_missing"]:
            ssn = ""
            applied.append("ssn_missing")
        elif len(ssn) == 9 and rng.random() < NOISE["ssn_typo"]:
            ssn = ssn_typo(rng, ssn)
            applied.append("ssn_typo")
    if len(ssn) == 9 and rng.random() < 0.5:
        ssn = f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"
    addr: dict[str, Any] = {}
    addresses = prof["addresses"]
    if addresses and rng.random() >= NOISE["address_missing"]:
        current = [a for a in addresses if not a.get("to")]
        older = [a for a in addresses if a.get("to")]
        if older and rng.random() < NOISE["old_address"]:
            addr = rng.choice(older)
            applied.append("old_address")
        else:
            addr = rng.choice(current or addresses)
    zip_code = str(addr.get("zip") or "")[:5]
    if zip_code and rng.random() < NOISE["zip_missing"]:
        zip_code = ""
    phone = ""
    if prof["phones"] and rng.random() < NOISE["phone"]:
        digits = rng.choice(prof["phones"])[-10:]
        phone = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    rid = ""
    if prof["registrant_ids"] and rng.random() < NOISE["registrant_id"]:
        rid = rng.choice(prof["registrant_ids"])
    line = " ".join(x for x in (addr.get("line1"), addr.get("line2")) if x)
    row = {
        "row_id": row_id,
        "last_name": last,
        "first_name": first,
        "middle_name": middle,
        "dob": dob,
        "ssn": ssn,
        "address": line,
        "city": addr.get("city") or "",
        "state": addr.get("state") or "",
        "zip": zip_code,
        "registrant_id": rid,
        "phone": phone,
    }
    return row, applied


def build_hard_set(
    scale: str, records: int = 0, queries: int = 10_000, seed: int = 7, folder: Path | None = None
) -> HardSet:
    """Builds (or reuses, cached by its arguments) the store file, truth and queries."""
    from bench.ingest import scenario

    scenario_files, _ = scenario(scale, seed)
    scenario_dir = scenario_files[0].parent
    folder = folder or DATA / f"hard-{scale}-{seed}-{records or 'all'}-{queries}"
    done = folder / "done.json"
    if done.exists():
        meta = orjson.loads(done.read_bytes())
        return HardSet(
            folder,
            folder / "store.jsonl",
            folder / "truth.json",
            folder / "queries.csv",
            folder / "query_truth.csv",
            meta["records"],
            meta["entities"],
            meta["queries"],
        )
    folder.mkdir(parents=True, exist_ok=True)
    gt = orjson.loads((scenario_dir / "ground_truth.json").read_bytes())
    owner = {ref: eid for eid, refs in gt["entities"].items() for ref in refs}
    del gt
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for rec in scenario_person_records(scenario_dir):
        eid = owner.get(ref_of(rec))
        if eid is None:  # a person the truth does not place (none expected): its own entity
            eid = "X:" + ref_of(rec)
        by_entity.setdefault(eid, []).append(rec)
    rng = random.Random(f"{seed}:hard-set")
    eids = sorted(by_entity)
    rng.shuffle(eids)
    n_holdout = min(max(1, round(queries * HOLDOUT_SHARE)), len(eids) // 10)
    holdout, pool = eids[:n_holdout], eids[n_holdout:]
    kept: list[str] = []
    total = 0
    for eid in pool:
        if records and total >= records:
            break
        kept.append(eid)
        total += len(by_entity[eid])
    kept.sort()
    truth: dict[str, str] = {}
    with open(folder / "store.jsonl", "wb") as fh:
        for eid in kept:
            for rec in by_entity[eid]:
                truth[ref_of(rec)] = eid
                fh.write(orjson.dumps(rec) + b"\n")
    (folder / "truth.json").write_bytes(orjson.dumps(truth))
    nicks = nickname_table()
    n_out = min(len(holdout), round(queries * HOLDOUT_SHARE))
    targets = [(eid, True) for eid in rng.sample(kept, min(len(kept), queries - n_out))]
    targets += [(eid, False) for eid in holdout[:n_out]]
    rng.shuffle(targets)
    with (
        open(folder / "queries.csv", "w", newline="", encoding="utf-8") as qf,
        open(folder / "query_truth.csv", "w", newline="", encoding="utf-8") as tf,
    ):
        qw = csv.DictWriter(qf, fieldnames=QUERY_COLUMNS, lineterminator="\n")
        tw = csv.DictWriter(tf, fieldnames=("row_id", "entity", "in_store", "noise"), lineterminator="\n")
        qw.writeheader()
        tw.writeheader()
        for i, (eid, in_store) in enumerate(targets):
            row_id = f"Q{i + 1:06d}"
            row, applied = noisy_query(rng, row_id, entity_profile(by_entity[eid]), nicks)
            qw.writerow(row)
            tw.writerow(
                {"row_id": row_id, "entity": eid, "in_store": int(in_store), "noise": ";".join(applied)}
            )
    meta = {"records": total, "entities": len(kept), "queries": len(targets), "scale": scale, "seed": seed}
    done.write_bytes(orjson.dumps(meta))
    return HardSet(
        folder,
        folder / "store.jsonl",
        folder / "truth.json",
        folder / "queries.csv",
        folder / "query_truth.csv",
        total,
        len(kept),
        len(targets),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    hs = build_hard_set(args.scale, args.records, args.queries, args.seed)
    print(f"{hs.folder}: {hs.records:,} records of {hs.entities:,} entities, {hs.queries_n:,} queries")


if __name__ == "__main__":
    main()
