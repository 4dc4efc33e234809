"""The link-analysis commands: formats.md keys for tip-links and path, routing, watches, exports."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import orjson
import pytest
from typer.testing import CliRunner

from links_samples import CASE, REGISTRY, SUSPECT_PHONE, T1, T2, T3, ip_ranges, records
from samples import write_jsonl
from vigil.cli.main import app

runner = CliRunner()


def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIGIL_HUB_MIN", "5")
    run("ingest", str(write_jsonl(tmp_path / "links.jsonl", records())), "--db", store_url)
    return store_url


def test_tip_links_json_keys(db: str) -> None:
    code, _, stderr = run("tip-links", T2, "--db", db, ok=False)
    assert code != 0 and "purpose" in stderr
    _, stdout, _ = run("tip-links", T2, "--hops", "1", "--db", db, "--purpose", "case 7", "--format", "json")
    document = orjson.loads(stdout)
    assert {(lk["ref"], lk["via"]) for lk in document["links"]} == {
        (T1, f"phone:{SUSPECT_PHONE}"),
        (T3, "screen_name:snapchat/lil_bob99"),
    }
    assert all(set(lk) >= {"ref", "via", "score"} for lk in document["links"])
    _, stdout, _ = run(
        "tip-links", T1, "--hops", "3", "--types", "missing_case", "--db", db, "--purpose", "p", "-f", "json"
    )
    assert [lk["ref"] for lk in orjson.loads(stdout)["links"]] == [CASE]
    _, stdout, _ = run("tip-links", T1, "--db", db, "--purpose", "case 7")
    assert "hub, not used as evidence: phone:+12135556020" in stdout


def test_path_json_and_export(db: str, tmp_path: Path) -> None:
    out = tmp_path / "chain.graphml"
    _, stdout, _ = run(
        "path", REGISTRY, CASE, "--db", db, "--purpose", "p", "--format", "json", "--export", str(out)
    )
    document = orjson.loads(stdout)
    [path] = document["paths"]
    assert [s["ref"] for s in path] == [REGISTRY, T1, T2, T3, CASE]
    assert [s["via"] for s in path][1:] == [
        "screen_name:kik/xx_dan",
        f"phone:{SUSPECT_PHONE}",
        "screen_name:snapchat/lil_bob99",
        "email:dan.l@example.net",
    ]
    assert nx.read_graphml(out).number_of_nodes() == 9
    _, stdout, _ = run("path", REGISTRY, CASE, "--max-hops", "2", "--db", db, "--purpose", "p")
    assert "No chain of at most 2 hops" in stdout


def test_links_subcommands(db: str, tmp_path: Path) -> None:
    _, stdout, _ = run("links", "hubs", "--db", db, "--format", "json")
    assert [h["identifier"] for h in orjson.loads(stdout)["hubs"]] == ["phone:+12135556020"]
    _, stdout, _ = run("links", "neighbours", T2, "--hops", "1", "--db", db, "--purpose", "p", "-f", "json")
    assert {n["ref"] for n in orjson.loads(stdout)["nodes"] if n["kind"] == "record"} == {T1, T2, T3}
    _, stdout, _ = run("links", "common", T1, REGISTRY, "--db", db, "--purpose", "p", "-f", "json")
    assert [c["identifier"] for c in orjson.loads(stdout)["common"]] == ["screen_name:kik/xx_dan"]
    _, stdout, _ = run(
        "links", "export", T1, "-o", str(tmp_path / "c.anx"), "--to", "anx", "--db", db, "--purpose", "p"
    )
    assert (tmp_path / "c.anx").read_bytes().startswith(b"<?xml")
    _, stdout, _ = run("audit", "list", "--action", "export", "--db", db, "--format", "json")
    assert len(orjson.loads(stdout)["entries"]) == 2  # the neighbourhood read for export, and the file


def test_tips_route_and_location(db: str, tmp_path: Path) -> None:
    csv_path = ip_ranges(tmp_path)
    _, stdout, _ = run(
        "tips",
        "route",
        T1,
        T2,
        "--ip-ranges",
        str(csv_path),
        "--db",
        db,
        "--purpose",
        "p",
        "--format",
        "json",
    )
    routes = {r["ref"]: r for r in orjson.loads(stdout)["routes"]}
    assert routes[T1]["agency"]["ori"] == "OK0720000" and routes[T2]["agency"]["ori"] == "FLICAC000"
    assert all(r["reasons"] for r in routes.values())
    _, stdout, _ = run("tips", "route", "--all", "--db", db, "--purpose", "p", "--format", "json")
    assert len(orjson.loads(stdout)["routes"]) == 10
    _, stdout, _ = run(
        "tips", "location", T2, "--ip-ranges", str(csv_path), "--db", db, "--purpose", "p", "-f", "json"
    )
    assert orjson.loads(stdout)["zip"] == "33101"


def test_watch_alerts_and_deconflict(db: str, tmp_path: Path) -> None:
    _, stdout, _ = run(
        "watch",
        "add",
        "--identifier",
        "email:Dan.L@example.net",
        "--agency",
        "OK ICAC",
        "--db",
        db,
        "--purpose",
        "p",
        "-f",
        "json",
    )
    assert orjson.loads(stdout)["target"] == "email:dan.l@example.net"
    new_tip = {"type": "tip", "source": "cybertipline", "id": "T-W", "narrative": "mail dan.l@example.net"}
    _, stdout, _ = run(
        "ingest", str(write_jsonl(tmp_path / "new.jsonl", [new_tip])), "--db", db, "-f", "json"
    )
    assert orjson.loads(stdout)["alerts_raised"] == 1  # the load itself checks the watches
    _, stdout, _ = run("alerts", "--agency", "OK ICAC", "--db", db, "--purpose", "p", "--format", "json")
    document = orjson.loads(stdout)
    assert document["raised"] == 0 and document["alerts"][0]["ref"] == "cybertipline/T-W"
    _, stdout, _ = run("watch", "list", "--db", db, "--format", "json")
    assert len(orjson.loads(stdout)["watches"]) == 1
    code, _, stderr = run("deconflict", "check", CASE, "--db", db, "--purpose", "p", ok=False)
    assert code != 0 and "agency" in stderr
    _, stdout, _ = run(
        "deconflict", "check", CASE, "--agency", "Tulsa PD", "--db", db, "--purpose", "p", "-f", "json"
    )
    assert [c["agency"] for c in orjson.loads(stdout)["conflicts"]] == ["OK ICAC"]
    _, stdout, _ = run("deconflict", "list", "--db", db, "--format", "json")
    assert [t["agency"] for t in orjson.loads(stdout)["touches"]] == ["Tulsa PD", "OK ICAC"]
