"""Spreadsheet person lists (CSV, XLSX): header synonyms, US dates, original cells kept, bad rows named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select

from vigil.analyze.records import lookup_identifier, record_history
from vigil.config import Actor
from vigil.ingest import TabularError, ingest_file
from vigil.ingest.tabular import map_headers
from vigil.store import tables as t

ACTOR = Actor("test-analyst", "registry export")
HEADERS = [
    "Offender ID",
    "Surname",
    "Given Name",
    "DOB",
    "SSN",
    "Street",
    "City",
    "ST",
    "Zip Code",
    "Tier",
    "Status",
    "Last Verification",
    "Notes",
]
ROWS = [
    [
        "OK-000101",
        "Testperson",
        "William",
        "04/12/1979",
        "912-34-5678",
        "1423 North Maple Avenue",
        "Tulsa",
        "OK",
        "74103",
        "2",
        "Absconded",
        "2026-01-15",
        "synthetic",
    ],
    [
        "OK-000102",
        "Sampleman",
        "Joe",
        "1982-13-01",
        "",
        "88 Elm St",
        "Tulsa",
        "OK",
        "74103",
        "3",
        "compliant",
        "",
        "",
    ],
]


def test_headers_map_by_synonym_and_override() -> None:
    mapping = map_headers(HEADERS, {"Notes": "offense"})
    assert mapping["Surname"] == "last_name" and mapping["Given Name"] == "first_name"
    assert mapping["Zip Code"] == "zip" and mapping["ST"] == "state" and mapping["Offender ID"] == "id"
    assert mapping["Notes"] == "offense"


def _check_loaded(engine: Engine, path: Path) -> None:
    summary = ingest_file(engine, path, ACTOR, source="registry:OK")
    assert summary.inserted == 1 and summary.rejected == 1
    assert summary.rejects[0].line == 3 and summary.rejects[0].field == "dob"
    record = record_history(engine, "registry:OK/OK-000101")[0].record
    assert record["dob"] == "1979-04-12"
    assert record["registration"]["tier"] == "II" and record["registration"]["status"] == "absconded"
    assert record["source_row"]["Notes"] == "synthetic"  # every original cell is kept
    assert lookup_identifier(engine, "ssn", "912345678")
    with engine.connect() as conn:
        reg = conn.execute(select(t.registration)).one()
    assert reg.state == "OK" and reg.last_verified == date(2026, 1, 15)
    # the same sheet again changes nothing
    assert ingest_file(engine, path, ACTOR, source="registry:OK").unchanged == 1


def test_csv_person_list(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ok_registry.csv"
    lines = [",".join(HEADERS)] + [",".join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _check_loaded(engine, path)


def test_xlsx_person_list(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ok_registry.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    _check_loaded(engine, path)


def test_sheet_without_id_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "no_id.csv"
    path.write_text("last_name,first_name\nTestperson,William\n")
    with pytest.raises(TabularError, match="no id column"):
        ingest_file(engine, path, ACTOR, source="registry:OK")


def test_sheet_needs_a_source(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,last_name\n1,Testperson\n")
    with pytest.raises(TabularError, match="--source"):
        ingest_file(engine, path, ACTOR)
