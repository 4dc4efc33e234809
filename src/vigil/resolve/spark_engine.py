"""Scale path: a full resolution run scored by Splink on its Spark backend (`vigil resolve --full
--engine spark`), for stores too big for one process.

Only the scoring moves to Spark: the party features are our own (features.py), the blocking keys are
our own (blocking.py, hubs dropped the same way), the comparisons are ours written as Spark SQL over
the same precomputed columns (nickname groups, phonetic keys, surname parts), and the accepted pairs
are clustered and written by the same writer as our engine (run.write_full_run), so analyst
decisions win and person ids stay stable whichever engine ran. Splink trains u by random sampling and
m by EM; its model is kept in the run's params next to the vigil model that incremental runs use.

pyspark and splink are the optional `spark` extra: nothing else imports this module.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine

from vigil.config import Actor
from vigil.normalize.names import nickname_variants
from vigil.resolve.blocking import MAX_BLOCK, blocking_keys
from vigil.resolve.compare import _GENERATION
from vigil.resolve.features import PartyFeatures
from vigil.resolve.model import FIXED_M
from vigil.resolve.run import (
    DEFAULT_THRESHOLD,
    Progress,
    RunStats,
    ScoredPair,
    default_model,
    read_full_run_inputs,
    write_full_run,
)

ENGINE_NAME = "splink-spark"
# Splink's probabilities are not calibrated (linkage-notes), so the cut-off is checked on labelled data:
# at 0.99 the small scenario gives the same persons as our engine and the medium hard set P 0.9939
# R 0.9977 (bench/resolution.py --engines spark). Not swept yet: each medium run is minutes.
SPARK_THRESHOLD = 0.99
U_PAIRS = 1e6  # random pairs for u: enough for every common level, seconds on two cores
SPARK_MEMORY = "2g"


# ---- the table Spark scores ---------------------------------------------------------------------------
NAME_TYPE = pa.struct(
    [
        ("first", pa.string()),
        ("last", pa.string()),
        ("first_group", pa.string()),
        ("first_key", pa.string()),
        ("last_key", pa.string()),
        ("parts", pa.list_(pa.string())),
        ("nicks", pa.list_(pa.string())),  # nickname variants of first (compare._first_close)
        ("last_nicks", pa.list_(pa.string())),  # ... of last, for the swapped level
    ]
)
STRINGS = pa.list_(pa.string())
SCHEMA = pa.schema(
    [
        ("uid", pa.int64()),
        ("names", pa.list_(NAME_TYPE)),
        ("dob", pa.string()),
        ("ssns", STRINGS),
        ("phones", STRINGS),
        ("emails", STRINGS),
        ("screen_names", STRINGS),
        ("plates", STRINGS),
        ("zips", STRINGS),
        ("lines", STRINGS),
        ("cities", STRINGS),
        ("sex", pa.string()),
        ("generations", STRINGS),
        ("registrant_ids", STRINGS),
        ("bkeys", STRINGS),
    ]
)


def _strings(values: set[str] | list[str]) -> list[str] | None:
    # NULL, not [], for "no value": Splink's null levels and our compare's None mean the same.
    return sorted(values) if values else None


def usable_keys(parties: list[PartyFeatures], max_block: int = MAX_BLOCK) -> list[list[str]]:
    """Each party's blocking keys without hubs and singletons: blocking.candidate_pairs' blocks exactly,
    and a smaller explode for Spark."""
    keys = [sorted(blocking_keys(p)) for p in parties]
    counts = Counter(k for ks in keys for k in ks)
    return [[k for k in ks if 1 < counts[k] <= max_block] for ks in keys]


def party_row(uid: int, p: PartyFeatures, keys: list[str]) -> dict[str, Any]:
    names = [
        {
            "first": n.first,
            "last": n.last,
            "first_group": n.first_group,
            "first_key": n.first_key,
            "last_key": n.last_key,
            "parts": list(n.last_parts),
            "nicks": sorted(nickname_variants(n.first)) if n.first else [],
            "last_nicks": sorted(nickname_variants(n.last)) if n.last else [],
        }
        for n in p.names
    ]
    gens = {_GENERATION.get(n.suffix.replace(".", ""), n.suffix) for n in p.names if n.suffix}
    return {
        "uid": uid,
        "names": names or None,
        "dob": p.dob,
        "ssns": _strings(p.ssns),
        "phones": _strings(p.phones),
        "emails": _strings(p.emails),
        "screen_names": _strings(p.screen_names),
        "plates": _strings(p.plates),
        "zips": _strings(p.zips),
        "lines": _strings(p.lines),
        "cities": _strings({f"{city}|{state}" for city, state in p.cities}),
        "sex": p.sex,
        "generations": _strings(gens),
        "registrant_ids": _strings(p.registrant_ids),
        "bkeys": keys or None,
    }


def party_table(parties: list[PartyFeatures]) -> pa.Table:
    """The parties as Arrow: row `uid` is index `uid` of `parties`, as the writer expects."""
    keys = usable_keys(parties)
    return pa.Table.from_pylist([party_row(i, p, keys[i]) for i, p in enumerate(parties)], schema=SCHEMA)


# ---- comparisons: compare.py as Spark SQL -------------------------------------------------------------
# Levels are tested in order and the first that holds wins, so a level tested as "some pair of the two
# parties' names satisfies it" gives the minimum over name pairs, as compare_name does.
def _any_names(condition: str) -> str:
    return f"exists(names_l, a -> exists(names_r, b -> {condition}))"


def _first_close(a_first: str, a_group: str, a_nicks: str, b: str = "b") -> str:
    return (
        f"({a_first} <> '' AND {b}.first <> '' AND ({a_first} = {b}.first OR {a_group} = {b}.first_group"
        f" OR CASE WHEN length({a_first}) = 1 OR length({b}.first) = 1"
        f" THEN substr({a_first}, 1, 1) = substr({b}.first, 1, 1)"
        f" ELSE array_contains({a_nicks}, {b}.first) OR jaro_winkler({a_first}, {b}.first) >= 0.9 END))"
    )


def _last_close(a_last: str, a_key: str, b: str = "b") -> str:
    return (
        f"({a_last} <> '' AND {b}.last <> '' AND ({a_last} = {b}.last OR {a_key} = {b}.last_key"
        f" OR jaro_winkler({a_last}, {b}.last) >= 0.92))"
    )


FIRST_CLOSE = _first_close("a.first", "a.first_group", "a.nicks")
LAST_CLOSE = _last_close("a.last", "a.last_key")
# compare._name_level swaps a's given and family names and tests both closeness rules again.
SWAPPED_CLOSE = (
    _first_close("a.last", "a.last", "a.last_nicks") + " AND " + _last_close("a.first", "a.first_key")
)


def _null(*columns: str) -> dict[str, Any]:
    either = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return {"sql_condition": either, "label_for_charts": "no data", "is_null_level": True}


def _level(sql: str, label: str, fixed_m: float | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if fixed_m is not None:  # model.FIXED_M: an informative prior EM must not unlearn
        level.update(m_probability=fixed_m, fix_m_probability=True)
    return level


def _overlap(column: str, labels: tuple[str, str]) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_levels": [
            _null(column),
            _level(f"arrays_overlap({column}_l, {column}_r)", labels[0]),
            _level("ELSE", labels[1]),
        ],
    }


def _dob_levels() -> list[dict[str, Any]]:
    full = "length(dob_l) = 10 AND length(dob_r) = 10"
    year_l, year_r = "cast(substr(dob_l, 1, 4) AS int)", "cast(substr(dob_r, 1, 4) AS int)"
    short = "least(length(dob_l), length(dob_r))"
    fixed = FIXED_M["dob"]
    return [
        _null("dob"),
        _level("dob_l = dob_r AND length(dob_l) = 10", "exact"),
        _level(
            f"{full} AND substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
            " AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
            "day_month_swapped",
        ),
        # one digit keyed wrong or two adjacent digits transposed (across the dash too)
        _level(
            f"{full} AND damerau_levenshtein(replace(dob_l, '-', ''), replace(dob_r, '-', '')) <= 1",
            "one_digit",
        ),
        _level(
            f"dob_l = dob_r OR ({short} < 10 AND substr(dob_l, 1, {short}) = substr(dob_r, 1, {short}))",
            "partial_agrees",
        ),
        _level(
            f"substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
            f" OR (abs({year_l} - {year_r}) <= 1 AND substr(dob_l, 5) = substr(dob_r, 5))",
            "same_year",
        ),
        _level(f"abs({year_l} - {year_r}) >= 10", "decade_apart", fixed["decade_apart"]),
        _level("ELSE", "different", fixed["different"]),
    ]


def comparisons() -> list[dict[str, Any]]:
    """One Splink comparison per compare.COMPARISONS entry, same names and level labels."""
    name = [
        _null("names"),
        _level(
            _any_names("a.first <> '' AND a.last <> '' AND a.first = b.first AND a.last = b.last"), "exact"
        ),
        _level(_any_names(f"a.last <> '' AND a.last = b.last AND {FIRST_CLOSE}"), "same_surname_close_given"),
        _level(
            _any_names(
                "a.first <> '' AND a.last <> ''"
                f" AND ((a.first = b.last AND a.last = b.first) OR ({SWAPPED_CLOSE}))"
            ),
            "swapped",
        ),
        _level(
            _any_names(f"{FIRST_CLOSE} AND ({LAST_CLOSE} OR arrays_overlap(a.parts, b.parts))"), "both_close"
        ),
        _level(_any_names(FIRST_CLOSE), "given_only"),
        _level(_any_names(LAST_CLOSE), "surname_only"),
        _level("ELSE", "different"),
    ]
    ssn = [
        _null("ssns"),
        _level("arrays_overlap(ssns_l, ssns_r)", "exact"),
        _level("exists(ssns_l, x -> exists(ssns_r, y -> damerau_levenshtein(x, y) <= 1))", "one_digit"),
        _level("ELSE", "different", FIXED_M["ssn"]["different"]),
    ]
    address = [
        {
            "sql_condition": "(zips_l IS NULL AND cities_l IS NULL) OR (zips_r IS NULL AND cities_r IS NULL)",
            "label_for_charts": "no data",
            "is_null_level": True,
        },
        _level("arrays_overlap(lines_l, lines_r)", "same_line"),
        _level("arrays_overlap(zips_l, zips_r)", "same_zip"),
        _level("arrays_overlap(cities_l, cities_r)", "same_city"),
        _level("ELSE", "different"),
    ]
    sex = [
        _null("sex"),
        _level("sex_l = sex_r", "same"),
        _level("ELSE", "different", FIXED_M["sex"]["different"]),
    ]
    generation = [
        _null("generations"),
        _level("arrays_overlap(generations_l, generations_r)", "same"),
        _level("ELSE", "conflict", FIXED_M["generation"]["conflict"]),
    ]
    # Different registrant ids are normal (one per state): EM learns that "different" is next to no
    # evidence (compare.py says none); a level that never occurs would leave Splink's defaults in place.
    registrant = [
        _null("registrant_ids"),
        _level("arrays_overlap(registrant_ids_l, registrant_ids_r)", "same"),
        _level("ELSE", "never"),
    ]
    return [
        {"output_column_name": "name", "comparison_levels": name},
        {"output_column_name": "dob", "comparison_levels": _dob_levels()},
        {"output_column_name": "ssn", "comparison_levels": ssn},
        _overlap("phones", ("shared", "different")) | {"output_column_name": "phone"},
        _overlap("emails", ("shared", "different")) | {"output_column_name": "email"},
        {"output_column_name": "address", "comparison_levels": address},
        _overlap("screen_names", ("shared", "different")) | {"output_column_name": "screen_name"},
        # plate wildcards ("7K?2") are written by queries, not by the records a batch run resolves
        _overlap("plates", ("shared", "different")) | {"output_column_name": "plate"},
        {"output_column_name": "sex", "comparison_levels": sex},
        {"output_column_name": "generation", "comparison_levels": generation},
        {"output_column_name": "registrant_id", "comparison_levels": registrant},
    ]


def settings() -> Any:
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="uid",
        # blocking.py's keys, one rule: `select distinct` over the exploded keys is candidate_pairs
        blocking_rules_to_generate_predictions=[block_on("bkeys", arrays_to_explode=["bkeys"])],
        comparisons=comparisons(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # mw_*: the evidence
        additional_columns_to_retain=[],
        # Each EM iteration is a Spark job: stop at a change no threshold decision notices.
        em_convergence=0.001,
        max_iterations=15,
    )


# ---- training and scoring -----------------------------------------------------------------------------
# Rules name the first element of an array column so Splink sees which comparison a rule uses up
# (it reads the `_l`/`_r` columns): EM must not estimate a comparison on pairs chosen for agreeing on it.
SAME_FULL_NAME = (
    "l.names[0].last_key = r.names[0].last_key AND l.names[0].first_group = r.names[0].first_group"
)
SAME_SSN = "l.ssns[0] = r.ssns[0]"
SAME_NAME_AND_DOB = (
    "l.names[0].first = r.names[0].first AND l.names[0].last = r.names[0].last AND l.dob = r.dob"
)


def train(linker: Any, u_pairs: float) -> None:
    """Prior from deterministic rules, u from random pairs, m by EM on two high-precision blocks
    (linkage-notes: single-key blocks such as DOB alone let EM degenerate at scale)."""
    linker.training.estimate_probability_two_random_records_match([SAME_SSN, SAME_NAME_AND_DOB], recall=0.7)
    # One chunk: rare levels (swapped names, a decade apart) never reach Splink's early-stop count anyway.
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1, num_chunks=1)
    # Without term frequencies (we use none) EM iterates over the counts of each agreement pattern, a
    # table of a few hundred rows, instead of re-scoring every blocked pair in every iteration.
    for rule in (SAME_FULL_NAME, SAME_SSN):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def level_table(linker: Any) -> dict[str, list[tuple[float, str]]]:
    """comparison -> [(weight in bits, level label)], null level first. Read from the linker's live
    settings, not the saved JSON: levels never observed in training have no m/u there, while
    predict weighs them with Splink's defaults."""
    out: dict[str, list[tuple[float, str]]] = {}
    for comparison in linker._settings_obj.comparisons:
        levels = [(0.0, "no data")]
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                levels.append((math.log2(level.m_probability / level.u_probability), level.label_for_charts))
        out[comparison.output_column_name] = levels
    return out


def level_of(levels: list[tuple[float, str]], weight: float) -> str:
    """The level a pair reached, from its weight: Splink 5 drops gamma_* from predictions unless every
    input column comes along too (retain_matching_columns), and each level's weight is its own
    constant in the SQL. Levels with equal weights carry equal evidence, so either label is true."""
    bits, label = min(levels, key=lambda level: abs(level[0] - weight))
    return label if abs(bits - weight) < 1e-6 else "?"


def evidence(
    prior_bits: float, levels: dict[str, list[tuple[float, str]]], weights: dict[str, float]
) -> list[dict[str, Any]]:
    """The rows Model.evidence writes (prior, then one per comparison), from Splink's match weight parts."""
    rows: list[dict[str, Any]] = [{"field": "prior", "level": "", "weight": round(prior_bits, 3)}]
    for name, table in levels.items():
        weight = weights[name]
        rows.append({"field": name, "level": level_of(table, weight), "weight": round(weight, 3)})
    return rows


def scored_pairs(linker: Any, threshold: float) -> list[ScoredPair]:
    """Pairs at or above the threshold, strongest first (the order the writer clusters them in)."""
    levels = level_table(linker)
    prior = linker.misc.save_model_to_json()["probability_two_random_records_match"]
    prior_bits = math.log2(prior / (1 - prior))
    parts = [f"mw_{name}" for name in levels]
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    frame = predictions.as_spark_dataframe().select(
        "uid_l", "uid_r", "match_weight", "match_probability", *parts
    )
    out = []
    for row in frame.toLocalIterator():  # streamed partition by partition, not collected at once
        weights = {name: float(row[f"mw_{name}"]) for name in levels}
        out.append(
            ScoredPair(
                int(row.uid_l),
                int(row.uid_r),
                float(row.match_weight),
                float(row.match_probability),
                partial(evidence, prior_bits, levels, weights),
            )
        )
    out.sort(key=lambda pair: (-pair.weight, pair.i, pair.j))
    return out


# ---- a local Spark ------------------------------------------------------------------------------------
LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def java_available() -> bool:
    """pyspark starts its JVM with $JAVA_HOME/bin/java, else `java` on PATH."""
    home = os.environ.get("JAVA_HOME")
    return bool(home and Path(home, "bin", "java").exists()) or shutil.which("java") is not None


@contextmanager
def local_spark(workdir: Path, cores: int = 2, memory: str = SPARK_MEMORY) -> Iterator[Any]:
    """A quiet single-machine Spark whose scratch files all live under `workdir`, stopped on exit.
    A cluster deployment builds its own session and passes it to resolve_full_spark(spark=...)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    (workdir / "log4j2.properties").write_text(LOG4J)
    java_options = (
        f"-Dlog4j2.configurationFile=file:{workdir / 'log4j2.properties'} -Djava.io.tmpdir={workdir}"
    )
    # The JVM's Python workers (if any) must be this interpreter, not whatever `python3` is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("vigil-resolve")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.default.parallelism", str(cores * 2))
        .config("spark.local.dir", str(workdir / "local"))
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .config("spark.jars", similarity_jar_location())  # Splink's jaro_winkler, damerau_levenshtein
        .config("spark.sql.adaptive.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(workdir / "checkpoints"))
    try:
        yield spark
    finally:
        spark.stop()


def score(
    spark: Any, parties: Any, threshold: float, u_pairs: float
) -> tuple[list[ScoredPair], dict[str, Any], dict[str, float]]:
    """Train and predict with Splink on `spark` over `parties` (a Spark DataFrame of party_table): the
    accepted pairs, Splink's model, seconds per stage."""
    import logging

    from splink import Linker, SparkAPI

    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 1)
        clock = now

    # persist: cached in executor memory; the default writes parquet checkpoints, for lineages a
    # cluster cannot afford to recompute
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    # Splink narrates every training step at INFO (on stderr); warnings are what an operator needs.
    linker = Linker(db_api.register(parties), settings(), log_level=logging.WARNING)
    lap("load")
    train(linker, u_pairs)
    lap("train")
    pairs = scored_pairs(linker, threshold)
    lap("predict")
    return pairs, linker.misc.save_model_to_json(), seconds


def _score_parties(
    spark: Any, table: pa.Table, threshold: float, u_pairs: float
) -> tuple[list[ScoredPair], dict[str, Any], dict[str, float]]:
    """On a given session (a cluster) the table goes through the driver (Arrow batches: no path the
    executors must share); locally, through parquet in the run's scratch folder, read in parallel."""
    if spark is not None:
        return score(spark, spark.createDataFrame(table), threshold, u_pairs)
    workdir = Path(tempfile.mkdtemp(prefix="vigil-spark-"))
    try:
        pq.write_table(table, workdir / "parties.parquet")
        started = time.perf_counter()
        with local_spark(workdir) as session:
            seconds = {"start": round(time.perf_counter() - started, 1)}
            parties = session.read.parquet(str(workdir / "parties.parquet"))
            pairs, splink_model, stages = score(session, parties, threshold, u_pairs)
        return pairs, splink_model, seconds | stages
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # after the session stopped: its scratch is in here


def resolve_full_spark(
    engine: Engine,
    actor: Actor,
    progress: Progress | None = None,
    threshold: float | None = None,
    u_pairs: float = U_PAIRS,
    spark: Any = None,
) -> RunStats:
    """resolve_full with Splink on Spark doing the scoring. `spark`: an existing session (a cluster);
    None starts a local one for the run."""
    stats = RunStats(mode="full")
    started = datetime.now(UTC)
    chosen = threshold if threshold is not None else SPARK_THRESHOLD
    water, parties, previous, decisions, vigil_model = read_full_run_inputs(engine)
    stats.parties = len(parties)
    # Incremental runs place new records with our own model: keep the last trained one (or the shipped one).
    if vigil_model is None:
        vigil_model = default_model(len(parties), DEFAULT_THRESHOLD)
    if len(parties) < 2:  # nothing to pair: Splink cannot even sample u
        pairs, splink_model, seconds = [], {}, {}
    else:
        if progress:
            progress("scoring on spark", 0, 1)
        pairs, splink_model, seconds = _score_parties(spark, party_table(parties), chosen, u_pairs)
    stats.candidate_pairs = -1  # Splink does not report how many pairs its blocking produced
    stats.accepted_pairs = len(pairs)
    if progress:
        progress("clustering", 0, 1)
    write_full_run(
        engine,
        actor,
        stats,
        parties,
        pairs,
        decisions=decisions,
        previous=previous,
        started=started,
        params={
            "model": vigil_model.to_json(),
            "high_water": water,
            "splink_model": splink_model,
            "splink_threshold": chosen,
            "splink_seconds": seconds,
        },
        engine_name=ENGINE_NAME,
    )
    return stats
