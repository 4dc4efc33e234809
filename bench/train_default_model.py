"""Trains the model shipped for small stores (src/vigil/resolve/default_model.json) on a scenario.

    python -m bench.train_default_model [--scale small] [--seed 11]

Uses a seed other than the test suite's so tests never grade the model on its own training data.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from vigil.config import Actor
from vigil.demo import generate
from vigil.ingest import ingest_file
from vigil.resolve.run import DEFAULT_MODEL, resolve_full
from vigil.store.db import open_store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = generate(Path(tmp) / "scenario", scale=args.scale, seed=args.seed)
        engine = open_store(f"sqlite:///{tmp}/train.db")
        actor = Actor("bench", "train default model")
        for path in scenario.files:
            ingest_file(engine, path, actor)
        stats = resolve_full(engine, actor)
    model = stats.model
    DEFAULT_MODEL.write_bytes(orjson.dumps(model, option=orjson.OPT_INDENT_2))
    print(f"wrote {DEFAULT_MODEL} ({stats.parties:,} parties, {stats.candidate_pairs:,} candidate pairs)")


if __name__ == "__main__":
    main()
