"""`vigil report` and `vigil operation` on the demo store: one JSON document on stdout, files written."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import orjson
from typer.testing import CliRunner

from vigil.cli.main import app

ENV = {"VIGIL_PURPOSE": "cli report test"}


def test_report_json_and_files(demo_store_url: str, demo_scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    ref = truth["absconders"][0]["registry_ref"]
    runner = CliRunner()
    base = ["report", ref, "--db", demo_store_url, "--as-of", truth["now"]]
    result = runner.invoke(
        app, [*base, "--format", "json", "--sections", "identity,compliance,timeline"], env=ENV
    )
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    for key in ("person_id", "refs", "names", "dob", "current_address", "compliance", "timeline", "links"):
        assert key in doc
    assert doc["compliance"]["status"] in ("noncompliant", "possibly_absconded", "absconded")
    exports = {
        "--timeline-csv": tmp_path / "t.csv",
        "--timeline-jsonl": tmp_path / "t.jsonl",
        "--geojson": tmp_path / "m.geojson",
        "--kml": tmp_path / "m.kml",
    }
    args = [*base, "--format", "pdf", "-o", str(tmp_path / "r.pdf")]
    for flag, path in exports.items():
        args += [flag, str(path)]
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert all(path.stat().st_size > 200 for path in exports.values())
    assert next(csv.reader((tmp_path / "t.csv").open()))[:2] == ["message", "datetime"]
    result = runner.invoke(app, [*base, "--format", "html", "-o", str(tmp_path / "r.html")], env=ENV)
    assert result.exit_code == 0 and "<img" in (tmp_path / "r.html").read_text()
    result = runner.invoke(app, base, env=ENV)  # the console summary
    assert result.exit_code == 0 and "compliance:" in result.stdout


def test_report_errors(demo_store_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", "registry:TX/NOPE", "--db", demo_store_url], env=ENV)
    assert result.exit_code == 1 and "no current record" in result.output
    result = runner.invoke(app, ["report", "P-x", "--db", demo_store_url, "--sections", "horoscope"], env=ENV)
    assert result.exit_code == 1 and "unknown section" in result.output
    result = runner.invoke(app, ["report", "P-x", "--db", demo_store_url], env={"VIGIL_PURPOSE": ""})
    assert result.exit_code == 1 and "purpose" in result.output


def test_operation_bundle(demo_store_url: str, demo_scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    requests = tmp_path / "list.csv"
    lines = (demo_scenario.out_dir / "quickhit_request.csv").read_text().splitlines()
    requests.write_text("\n".join(lines[:13]) + "\n")  # a short list keeps the test quick
    out = tmp_path / "bundle.zip"
    args = ["operation", str(requests), "-o", str(out), "--db", demo_store_url, "--as-of", truth["now"]]
    result = runner_invoke([*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["rows"] == 12 and summary["output"] == str(out)
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
    assert {"summary.pdf", "index.csv", "index.xlsx"} <= names
    assert len([n for n in names if n.startswith("reports/")]) == summary["flagged"]
    assert runner_invoke(["operation", str(requests), "-o", str(tmp_path / "x.txt")]).exit_code == 1


def runner_invoke(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args, env=ENV)
