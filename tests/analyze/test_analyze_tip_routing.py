"""A tip's potential location (addresses, reported place, phones, IPs, linked records) and routing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from links_samples import T1, T2, ip_ranges, load
from vigil import audit
from vigil.analyze.links import LinkSettings
from vigil.analyze.routing import route_location, route_tips
from vigil.analyze.tip_location import (
    IpRangeTable,
    county_fips_of_zip,
    get_ip_locator,
    locate_tip,
    phone_state,
)
from vigil.config import Actor

SETTINGS = LinkSettings(hub_min=5)
ANALYST = Actor("analyst", "routing")


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    load(engine, tmp_path)
    return engine


def test_ip_range_table_most_specific_network_wins(tmp_path: Path) -> None:
    table = IpRangeTable.from_csv(ip_ranges(tmp_path))
    assert table.locate("203.0.113.5").city == "Miami"
    assert table.locate("203.0.113.200").city == "Tampa"
    assert table.locate("2001:db8:e4::1").state == "CA"
    assert table.locate("10.1.2.3") is None and table.locate("not an ip") is None
    assert get_ip_locator(str(ip_ranges(tmp_path))) is not None and get_ip_locator("") is None


def test_offline_place_helpers() -> None:
    assert phone_state("+19185550101") == ("OK", None)
    assert phone_state("+12125550100") == ("NY", "New York")
    assert county_fips_of_zip("74103") == "40143"


def test_location_from_an_address_in_the_tip(store: Engine, tmp_path: Path) -> None:
    load(
        store,
        tmp_path,
        [
            {
                "type": "tip",
                "source": "cybertipline",
                "id": "T-ADDR",
                "suspect": {
                    "addresses": [
                        {"line1": "5 Congress Ave", "city": "Austin", "state": "TX", "zip": "78701"}
                    ]
                },
                "ips": ["203.0.113.9"],
            }
        ],
        "addr",
    )
    with store.connect() as conn:
        location = locate_tip(
            conn, "cybertipline/T-ADDR", ip_locator=IpRangeTable.from_csv(ip_ranges(tmp_path))
        )
    assert (location["state"], location["zip"], location["county_fips"]) == ("TX", "78701", "48453")
    assert [c["source"] for c in location["clues"]] == ["address", "ip"]
    assert location["clues"][1]["reason"].startswith("IP 203.0.113.9 is in 203.0.113.0/24 (Miami, FL")
    assert 0.5 < location["confidence"] < 1


def test_location_from_phone_ip_and_linked_records(store: Engine, tmp_path: Path) -> None:
    with store.connect() as conn:
        bare = locate_tip(conn, T2, settings=SETTINGS)
        located = locate_tip(
            conn, T2, ip_locator=IpRangeTable.from_csv(ip_ranges(tmp_path)), settings=SETTINGS
        )
        linked = locate_tip(conn, T1, settings=SETTINGS)
    # T2: the phone's area code says Oklahoma; the IP range says Miami, FL, and outweighs it.
    assert bare["state"] == "OK" and bare["zip"] is None
    assert (located["state"], located["zip"], located["city"]) == ("FL", "33101", "Miami")
    # T1 links to the registry record of a man now living in Tulsa (his open-ended address).
    clue = next(c for c in linked["clues"] if c["source"] == "linked_address")
    assert (clue["state"], clue["zip"], clue["ref"]) == ("OK", "74103", "registry:TX/TX-L1")
    assert linked["state"] == "OK" and linked["zip"] == "74103"


def test_routing_zip_then_county_then_icac(store: Engine) -> None:
    with store.connect() as conn:
        by_zip = route_location(
            conn, {"state": "TX", "zip": "78701", "county_fips": "48453", "confidence": 1.0}
        )
        by_county = route_location(
            conn, {"state": "OK", "zip": "74103", "county_fips": "40143", "confidence": 0.7}
        )
        fallback = route_location(
            conn, {"state": "FL", "zip": "33101", "county_fips": "12086", "confidence": 0.5}
        )
        nowhere = route_location(conn, {"state": None, "zip": None, "county_fips": None, "confidence": 0.0})
    assert by_zip["agency"]["name"] == "Austin Police Department"
    assert [a["name"] for a in by_zip["alternatives"]] == ["Travis County Sheriff's Office"]
    assert by_zip["reasons"][-1] == "ZIP 78701 is in the jurisdiction of Austin Police Department (TX2270100)"
    assert by_county["agency"]["ori"] == "OK0720000"
    assert by_county["reasons"][1:] == [
        "no agency lists ZIP 74103",
        "county 40143 is in the jurisdiction of Tulsa County Sheriff's Office (OK0720000)",
    ]
    assert fallback["agency"]["ori"] == "FLICAC000" and "ICAC task force" in fallback["reasons"][-1]
    assert nowhere["agency"] is None


def test_route_tips_is_audited(store: Engine, tmp_path: Path) -> None:
    with pytest.raises(audit.PurposeRequired):
        route_tips(store, [T1], Actor("analyst"))
    document = route_tips(store, [T1, T2], ANALYST, ip_locator=IpRangeTable.from_csv(ip_ranges(tmp_path)))
    routes = {r["ref"]: r for r in document["routes"]}
    assert routes[T1]["agency"]["ori"] == "OK0720000"
    assert routes[T2]["agency"]["ori"] == "FLICAC000"
    assert routes[T2]["location"]["basis"].startswith("IP 203.0.113.9")
    entry = next(audit.entries(store, limit=1))
    assert entry.query["command"] == "tips route" and "agencies/OK0720000" in entry.result_refs
