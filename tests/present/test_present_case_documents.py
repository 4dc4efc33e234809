"""The agency summary (PDF checked with pdftotext, HTML), maps (GeoJSON, KML, PNG) and grid-search sheets."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date

import orjson
import pytest
from typer.testing import CliRunner

from vigil.analyze.gridsearch import grid
from vigil.analyze.incidents import load_incidents
from vigil.analyze.series import find_series
from vigil.cli.main import app
from vigil.config import Actor
from vigil.ingest import ingest_file
from vigil.normalize.geocode import haversine_miles
from vigil.present import maps
from vigil.present.documents import grid_pdf
from vigil.store.db import open_store

KML = "{http://www.opengis.net/kml/2.2}"


def _pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: apt-get install poppler-utils (.ci/run installs it)")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_summary_pdf_and_html(tmp_path, demo_scenario) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    path = next(f for f in demo_scenario.files if f.name.startswith("attempted_abductions"))
    ingest_file(engine, path, Actor("test", "setup"))
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    # A period holding the last incident of a planted series the model finds: the summary must show it.
    found = {frozenset(s.refs) for s in find_series(engine, Actor("test", "setup")).series}
    planted = max((s for s in truth["series"] if frozenset(s["refs"]) in found), key=lambda s: s["last"])
    last = max(x.at for x in load_incidents(engine, refs=planted["refs"]))
    end = last.date()
    start = date.fromordinal(end.toordinal() - 13)
    runner = CliRunner()
    env = {"VIGIL_PURPOSE": "bi-weekly summary"}
    out = tmp_path / "summary.pdf"
    args = ["incidents", "summary", "--from", start.isoformat(), "--to", end.isoformat(), "--db", url]
    result = runner.invoke(app, [*args, "--format", "pdf", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = _pdf_text(out)
    assert "Attempted abductions and related incidents" in text
    assert f"Period {start.isoformat()} to {end.isoformat()}" in text
    assert "Possible series" in text and "SER-" in text
    assert "Trends" in text and "LAW ENFORCEMENT SENSITIVE" in text
    assert all(ref.split("/", 1)[1] in text for ref in planted["refs"])
    as_json = runner.invoke(app, [*args, "--format", "json"], env=env)
    summary = orjson.loads(as_json.stdout)
    assert any(set(planted["refs"]) == set(s["refs"]) for s in summary["series"])
    assert sum(summary["trends"]["by_week"].values()) == len(summary["incidents"])
    html_out = tmp_path / "summary.html"
    result = runner.invoke(app, [*args, "--format", "html", "--out", str(html_out)], env=env)
    assert result.exit_code == 0
    page = html_out.read_text()
    assert "data:image/png;base64," in page and all(ref in page for ref in planted["refs"])
    engine.dispose()


def test_grid_cells_cover_the_radius_and_number_outward(tmp_path) -> None:
    g = grid(36.15, -95.99, 1.0, 0.25, "test grid")
    cells = g["cells"]
    assert [c["number"] for c in cells] == list(range(1, len(cells) + 1))
    assert cells[0]["distance_mi"] <= 0.2 and cells[-1]["distance_mi"] >= cells[0]["distance_mi"]
    # Every point within the radius lies in some cell; no cell lies wholly outside it.
    for k in range(200):
        lat = 36.15 + (k % 20 - 10) * 0.0014
        lon = -95.99 + (k // 20 - 5) * 0.0035
        if haversine_miles(36.15, -95.99, lat, lon) <= 1.0:
            assert any(
                c["corners"][2][0] <= lat <= c["corners"][0][0]
                and c["corners"][0][1] <= lon <= c["corners"][1][1]
                for c in cells
            )
    side = haversine_miles(*cells[0]["corners"][0], *cells[0]["corners"][1])
    assert abs(side - 0.25) < 0.01
    fc = maps.grid_features(g)
    kml = ET.fromstring(maps.to_kml(fc).split("\n", 1)[1])
    names = [pm.find(f"{KML}name").text for pm in kml.iter(f"{KML}Placemark")]
    assert "1" in names and str(len(cells)) in names
    out = tmp_path / "grid.pdf"
    out.write_bytes(grid_pdf(g))
    text = _pdf_text(out)
    assert "test grid" in text and "Cells" in text and cells[-1]["grid_ref"] in text


def test_nearby_map_exports(tmp_path, engine, demo_scenario) -> None:
    for f in demo_scenario.files:
        if f.name.startswith(("registry", "missing_cases", "attempted_abductions", "lpr")):
            ingest_file(engine, f, Actor("test", "setup"))
    from vigil.analyze.nearby import nearby

    case = orjson.loads(
        next(f for f in demo_scenario.files if f.name.startswith("missing_cases"))
        .read_bytes()
        .split(b"\n")[0]
    )
    doc = nearby(engine, Actor("test", "map test"), case["case_number"], 25, 365)
    fc = maps.nearby_features(doc)
    kinds = [f["properties"]["category"] for f in fc["features"]]
    assert kinds[:2] == ["case", "radius"] and kinds.count("person") == len(doc["persons"])
    kml = ET.fromstring(maps.to_kml(fc).split("\n", 1)[1])
    assert len(list(kml.iter(f"{KML}Placemark"))) == len(fc["features"])
    png = maps.map_png(fc, "test")
    assert png.startswith(b"\x89PNG")
    page = maps.map_html(fc, "Near test")
    assert "<table>" in page and doc["case"] in page
