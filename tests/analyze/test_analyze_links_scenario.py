"""The synthetic scenario's planted tip chains are found and its hubs detected (precision, recall >= 0.95)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from bench.links import accuracy

from vigil.config import Actor
from vigil.demo import generate
from vigil.demo.generate import FILE_ORDER
from vigil.ingest import ingest_file
from vigil.store.db import open_store


@pytest.mark.slow
def test_small_scenario_tip_chains_and_hubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIL_HUB_MIN", raising=False)
    scenario = generate(tmp_path / "scenario", scale="small", seed=7)
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    tips_raw = []
    for name in FILE_ORDER:
        path = scenario.out_dir / f"{name}.jsonl"
        if path.exists():
            ingest_file(engine, path, Actor("test", "test"))
            if name == "cybertipline":
                tips_raw = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    truth = orjson.loads(scenario.ground_truth.read_bytes())
    result = accuracy(engine, truth, tips_raw, hops=8)
    assert result["direct_precision"] >= 0.95 and result["direct_recall"] >= 0.95
    assert result["chain_precision"] >= 0.95 and result["chain_recall"] >= 0.95
    assert result["hub_recall"] == 1.0 and result["hub_precision"] == 1.0
    assert result["links_via_hub"] == 0
    engine.dispose()
