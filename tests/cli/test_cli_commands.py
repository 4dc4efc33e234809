"""The `vigil` command line: JSON on stdout, exit codes, audit entries, progress on stderr."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from samples import EVENT, PERSON, records, write_jsonl
from vigil.cli.main import app

runner = CliRunner()


def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_json_summary_then_idempotent(store_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "all.jsonl", records())
    _, stdout, _ = run("ingest", str(path), "--db", store_url, "--format", "json")
    load = orjson.loads(stdout)["loads"][0]
    assert (load["inserted"], load["rejected"], load["committed"]) == (8, 0, True)
    _, stdout, _ = run("ingest", str(path), "--db", store_url, "--format", "json")
    assert orjson.loads(stdout)["loads"][0]["unchanged"] == 8


def test_strict_ingest_exits_nonzero_and_names_the_line(store_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [PERSON, {**EVENT, "at": "2026-02-30"}])
    code, stdout, _ = run("ingest", str(path), "--strict", "--db", store_url, "--format", "json", ok=False)
    assert code == 2
    load = orjson.loads(stdout)["loads"][0]
    assert load["committed"] is False
    assert load["rejects"] == [{"line": 2, "field": "at", "reason": load["rejects"][0]["reason"]}]
    _, stdout, _ = run("stats", "--db", store_url, "--format", "json")
    assert orjson.loads(stdout)["records"] == 0


def test_table_output_names_file_line_and_field(store_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [PERSON, {**PERSON, "id": "Z", "dob": "1980-02-31"}])
    _, stdout, _ = run("ingest", str(path), "--db", store_url)
    assert f"{path}:2: dob: impossible date" in stdout.replace("\n", "")


def test_stats_lookup_record_and_audit(store_url: str, tmp_path: Path) -> None:
    run("ingest", str(write_jsonl(tmp_path / "all.jsonl", records())), "--db", store_url)
    _, stdout, _ = run("stats", "--db", store_url, "--format", "json")
    stats = orjson.loads(stdout)
    assert stats["records_by_type"]["person"] == 1 and stats["registrations_by_state"] == {
        "TX": {"compliant": 1}
    }

    code, _, stderr = run("lookup", "phone", "(918) 555-0101", "--db", store_url, ok=False)
    assert code != 0 and "purpose" in stderr  # searches need a stated purpose

    _, stdout, _ = run(
        "lookup", "phone", "(918) 555-0101", "--db", store_url, "--purpose", "case MC-1", "--format", "json"
    )
    found = orjson.loads(stdout)
    assert found["identifier"] == "phone:+19185550101"
    assert {r["ref"] for r in found["results"]} == {
        "missing_cases/MC-1",
        "call_center/L-1",
        "cybertipline/T-2026-118",
    }

    _, stdout, _ = run(
        "record", "registry:TX/TX-004211", "--db", store_url, "--purpose", "check", "--format", "json"
    )
    assert orjson.loads(stdout)["versions"][0]["record"] == PERSON

    _, stdout, _ = run("audit", "list", "--db", store_url, "--format", "json")
    entries = orjson.loads(stdout)["entries"]
    assert [e["action"] for e in entries] == ["view", "search", "stats", "load"]
    assert entries[1]["purpose"] == "case MC-1"
    assert set(entries[1]["result_refs"]) == {
        "missing_cases/MC-1",
        "call_center/L-1",
        "cybertipline/T-2026-118",
    }
    _, stdout, _ = run("audit", "verify", "--db", store_url, "--format", "json")
    assert orjson.loads(stdout)["ok"] is True


def test_unknown_reference_is_a_clear_error(store_url: str) -> None:
    code, _, stderr = run("record", "registry:TX/NOPE", "--db", store_url, "--purpose", "x", ok=False)
    assert code == 1 and "no record registry:TX/NOPE" in stderr


def test_rebuild_reproduces_the_derived_tables(store_url: str, tmp_path: Path) -> None:
    run("ingest", str(write_jsonl(tmp_path / "all.jsonl", records())), "--db", store_url)
    _, before, _ = run("stats", "--db", store_url, "--format", "json")
    run("rebuild", "--db", store_url)
    _, after, _ = run("stats", "--db", store_url, "--format", "json")
    strip = lambda doc: {k: v for k, v in orjson.loads(doc).items() if k != "audit_entries"}  # noqa: E731
    assert strip(before) == strip(after)
