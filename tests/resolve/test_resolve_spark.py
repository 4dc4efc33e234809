"""The scale path: a full resolution scored by Splink on a local Spark (`vigil resolve --engine spark`),
checked against the scenario's ground truth, against our own engine's persons, and against the
analysts' decisions, which must win whichever engine scored the pairs.

One Spark run serves the whole module (starting Spark and training take most of a minute). Skipped
only when Java or pyspark is missing and VIGIL_REQUIRE_SPARK is not set (CI sets it)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from samples import entity_of
from vigil.analyze.explain import decide
from vigil.cli.main import app
from vigil.config import Actor
from vigil.resolve.membership import person_of
from vigil.resolve.run import latest_model, resolve_incremental
from vigil.store import tables as t
from vigil.store.db import open_store

pytestmark = pytest.mark.slow
ACTOR = Actor("test-analyst", "spark resolution test")


def _require_spark() -> None:
    required = os.environ.get("VIGIL_REQUIRE_SPARK") == "1"
    try:
        import pyspark  # noqa: F401
        import splink  # noqa: F401
    except ImportError as exc:
        if required:
            pytest.fail(f"VIGIL_REQUIRE_SPARK=1 but the spark extra is missing: {exc}")
        pytest.skip("pyspark/splink not installed (pip install -e '.[spark]')")
    from vigil.resolve.spark_engine import java_available

    if not java_available():
        if required:
            pytest.fail("VIGIL_REQUIRE_SPARK=1 but no Java (install openjdk-17-jre-headless)")
        pytest.skip("no Java for a local Spark")


def pairwise(assignment: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for ref, group in assignment.items():
        groups[group].append(ref)
    return {pair for members in groups.values() for pair in itertools.combinations(sorted(members), 2)}


def assignment_of(engine: Engine) -> dict[str, str]:
    """Person of every subject party (party 0), by record reference."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.person_member).where(t.person_member.c.party == 0)).all()
    return {r.ref: r.person_id for r in rows}


@dataclass
class SparkRun:
    engine: Engine
    vigil: dict[str, str]  # our engine's persons, before the Spark run
    spark: dict[str, str]  # persons after it
    split: tuple[str, str]  # an analyst said: not the same person
    merged: tuple[str, str]  # an analyst said: the same person
    stats: dict


@pytest.fixture(scope="module")
def spark_run(_demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> SparkRun:
    """The resolved small scenario; two analyst decisions the model alone would overturn; then a full
    run on Spark."""
    _require_spark()
    target = tmp_path_factory.mktemp("spark") / "demo.db"
    for suffix in ("", "-wal"):
        if Path(f"{_demo_db_template}{suffix}").exists():
            shutil.copy(f"{_demo_db_template}{suffix}", f"{target}{suffix}")
    url = f"sqlite:///{target}"
    engine = open_store(url)
    vigil = assignment_of(engine)
    groups: dict[str, list[str]] = defaultdict(list)
    for ref, person in sorted(vigil.items()):
        groups[person].append(ref)
    big = sorted((m for m in groups.values() if len(m) >= 3), key=lambda m: m[0])[0]
    split = (big[0], big[1])
    others = sorted((m for m in groups.values() if m is not big), key=lambda m: m[0])
    merged = (others[0][0], others[1][0])
    decide(engine, ACTOR, *split, "not_same", "different tattoos in booking photos")
    decide(engine, ACTOR, *merged, "same", "confirmed by registry caseworker")
    # Through the command line, as an operator runs it; u from fewer pairs: seconds, not minutes.
    result = CliRunner().invoke(
        app,
        ["resolve", "--engine", "spark", "--u-pairs", "50000", "--db", url, "--format", "json"],
        env={"VIGIL_USER": ACTOR.user},
    )
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    stats = orjson.loads(result.stdout)  # exactly one JSON document: Splink and Spark log elsewhere
    with engine.connect() as conn:  # seconds per stage, shown with `pytest -s`
        params = conn.execute(
            select(t.resolution_run.c.params).order_by(t.resolution_run.c.id.desc())
        ).first()
        print("spark stages (s):", orjson.loads(params[0])["splink_seconds"])
    return SparkRun(engine, vigil, assignment_of(engine), split, merged, stats)


def test_spark_persons_match_ground_truth(spark_run: SparkRun, demo_scenario) -> None:  # type: ignore[no-untyped-def]
    truth = entity_of(demo_scenario.ground_truth)
    decided = {*spark_run.split, *spark_run.merged}  # the analysts' two pairs are not the model's
    predicted = {ref: p for ref, p in spark_run.spark.items() if ref in truth and ref not in decided}
    assert len(predicted) == len(truth) - len(decided & truth.keys())
    true_pairs = pairwise({ref: truth[ref] for ref in predicted})
    found_pairs = pairwise(predicted)
    precision = len(true_pairs & found_pairs) / len(found_pairs)
    recall = len(true_pairs & found_pairs) / len(true_pairs)
    assert precision >= 0.98, precision
    assert recall >= 0.97, recall


def test_spark_agrees_with_our_engine(spark_run: SparkRun) -> None:
    decided = {*spark_run.split, *spark_run.merged}
    ours = pairwise({r: p for r, p in spark_run.vigil.items() if r not in decided})
    theirs = pairwise({r: p for r, p in spark_run.spark.items() if r not in decided})
    agreement = len(ours & theirs) / len(ours | theirs)
    assert agreement >= 0.97, agreement


def test_spark_run_honours_analyst_decisions(spark_run: SparkRun) -> None:
    a, b = spark_run.split
    assert person_of(spark_run.engine, a) != person_of(spark_run.engine, b)
    a, b = spark_run.merged
    assert person_of(spark_run.engine, a) == person_of(spark_run.engine, b)


def test_spark_run_keeps_person_ids(spark_run: SparkRun) -> None:
    """Same writer, same rule: a person found by both engines keeps its id."""
    kept = [ref for ref in spark_run.vigil if spark_run.spark.get(ref) == spark_run.vigil[ref]]
    assert len(kept) / len(spark_run.vigil) >= 0.97


def test_spark_run_is_recorded_with_evidence(spark_run: SparkRun) -> None:
    engine = spark_run.engine
    with engine.connect() as conn:
        run = conn.execute(select(t.resolution_run).order_by(t.resolution_run.c.id.desc()).limit(1)).one()
        persons = conn.execute(select(t.person.c.person_id, t.person.c.members)).all()
        edges = dict(
            conn.execute(
                select(t.match_evidence.c.person_id, func.count()).group_by(t.match_evidence.c.person_id)
            ).all()
        )
        evidence = orjson.loads(
            conn.execute(select(t.match_evidence.c.evidence).where(t.match_evidence.c.match_weight < 99))
            .scalars()
            .first()
        )
    assert run.engine == "splink-spark" and run.finished_at is not None
    params = orjson.loads(run.params)
    assert params["splink_model"]["comparisons"] and params["high_water"] > 0
    # a spanning tree per person, as with our engine
    assert all(edges.get(pid, 0) == n - 1 for pid, n in persons)
    fields = [row["field"] for row in evidence]
    assert fields[:4] == ["prior", "name", "dob", "ssn"]
    assert all(row["level"] != "?" for row in evidence), evidence  # every weight mapped back to its level
    assert spark_run.stats["mode"] == "full" and spark_run.stats["accepted_pairs"] > 0
    assert spark_run.stats["run_id"] == run.id


def test_incremental_runs_after_a_spark_run(spark_run: SparkRun) -> None:
    """Incremental placement still has our model to score with."""
    with spark_run.engine.connect() as conn:
        assert latest_model(conn) is not None
    stats = resolve_incremental(spark_run.engine, ACTOR)
    assert stats.parties == 0


def test_spark_engine_without_java_says_so(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Spark to start: a clear error, not a JVM stack trace (runs wherever the extra is installed)."""
    pytest.importorskip("pyspark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing named java on it
    result = CliRunner().invoke(app, ["resolve", "--engine", "spark", "--db", store_url])
    assert result.exit_code == 1
    assert "Java 17" in result.stderr
