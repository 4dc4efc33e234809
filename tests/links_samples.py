"""A small synthetic link scenario (555 phones, example.* e-mail, documentation IPs) for link-analysis tests.

One suspect seen through a chain: tip T1 -phone- tip T2 -snapchat handle- tip T3 -e-mail- case MC-L1,
and his registry record sharing T1's kik handle. A youth shelter's intake line is written in T1 and
in six unrelated tips: with hub_min 5 it is a hub and must link nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from samples import write_jsonl
from vigil.config import Actor
from vigil.ingest import ingest_file

HUB_PHONE = "+12135556020"
SUSPECT_PHONE = "+19185550101"
REGISTRY = "registry:TX/TX-L1"
T1, T2, T3 = "cybertipline/T-L1", "cybertipline/T-L2", "cybertipline/T-L3"
CASE = "missing_cases/MC-L1"
HUB_TIPS = [f"cybertipline/T-H{i}" for i in range(1, 7)]
LONE_TIP = "cybertipline/T-LONE"


def _tip(tid: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "tip",
        "source": "cybertipline",
        "id": tid,
        "received_at": "2026-09-02T10:00:00+00:00",
        "reporter": {"kind": "public"},
        "incident_type": "enticement",
        **fields,
    }


def records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "person",
            "source": "registry:TX",
            "id": "TX-L1",
            "names": [{"first": "Dan", "last": "Linkperson"}],
            "dob": "1980-01-02",
            "ssn": "912-11-2233",
            "screen_names": [{"platform": "kik", "handle": "xx_dan"}],
            "addresses": [
                {
                    "line1": "1 Old Rd",
                    "city": "Austin",
                    "state": "TX",
                    "zip": "78701",
                    "from": "2019",
                    "to": "2024",
                },
                {"line1": "88 Elm St", "city": "Tulsa", "state": "OK", "zip": "74103", "from": "2025-03"},
            ],
        },
        _tip(
            "T-L1",
            suspect={"screen_names": [{"platform": "kik", "handle": "xx_dan"}]},
            narrative="He said call me at (918) 555-0101. The victim called from the youth shelter"
            " intake line, (213) 555-6020.",
        ),
        _tip(
            "T-L2",
            suspect={"phones": ["918.555.0101"]},
            ips=["203.0.113.9"],
            narrative="The suspect asked the victim to add him on Snapchat as @lil_bob99.",
        ),
        _tip(
            "T-L3",
            suspect={"screen_names": [{"platform": "snapchat", "handle": "Lil_Bob99"}]},
            narrative="His account was registered to Dan.L@Example.net.",
        ),
        {
            "type": "missing_case",
            "source": "missing_cases",
            "id": "MC-L1",
            "case_number": "MC-L1",
            "category": "endangered_runaway",
            "child": {"names": [{"first": "Ada", "last": "Sample"}], "age": 15, "sex": "F"},
            "missing_since": "2026-08-30",
            "missing_from": {"city": "Tulsa", "state": "OK", "zip": "74103"},
            "emails": ["dan.l@example.net"],
            "status": "open",
        },
        _tip("T-LONE", suspect={"emails": ["nobody.else@example.org"]}, narrative="Nothing shared."),
    ]
    for i in range(1, 7):
        out.append(
            _tip(
                f"T-H{i}",
                suspect={"screen_names": [{"platform": "discord", "handle": f"unrelated_{i}"}]},
                narrative=f"Victim {i} called from the shelter line 213-555-6020.",
            )
        )
    out += [
        {
            "type": "agency",
            "source": "agencies",
            "id": ori,
            "ori": ori,
            "name": name,
            "kind": kind,
            "state": state,
            "counties": counties,
            "zips": zips,
        }
        for ori, name, kind, state, counties, zips in (
            ("TX2270100", "Austin Police Department", "police", "TX", ["48453"], ["78701", "78702"]),
            ("TX2270000", "Travis County Sheriff's Office", "sheriff", "TX", ["48453"], ["78701", "78702"]),
            ("TXICAC000", "Texas ICAC Task Force", "icac", "TX", [], []),
            ("OK0720000", "Tulsa County Sheriff's Office", "sheriff", "OK", ["40143"], []),
            ("OKICAC000", "Oklahoma ICAC Task Force", "icac", "OK", [], []),
            ("FLICAC000", "Florida ICAC Task Force", "icac", "FL", [], []),
        )
    ]
    return out


def load(
    engine: Engine, tmp_path: Path, items: list[dict[str, Any]] | None = None, name: str = "links"
) -> None:
    path = write_jsonl(tmp_path / f"{name}.jsonl", items if items is not None else records())
    summary = ingest_file(engine, path, Actor("test-loader", "test"))
    assert summary.rejected == 0, summary.rejects


IP_RANGES_CSV = """network,state,city,zip,county_fips,lat,lon,label
192.0.2.0/24,TX,Austin,78701,48453,30.27,-97.74,documentation range A
198.51.100.0/24,OK,Tulsa,74103,40143,36.15,-95.99,documentation range B
203.0.113.0/24,FL,Miami,33101,12086,25.77,-80.19,documentation range C
203.0.113.128/25,FL,Tampa,33602,12057,27.95,-82.46,upper half of C
2001:db8::/32,CA,Los Angeles,90012,06037,34.05,-118.24,IPv6 documentation prefix
"""


def ip_ranges(tmp_path: Path) -> Path:
    path = tmp_path / "ip_ranges.csv"
    path.write_text(IP_RANGES_CSV, encoding="utf-8")
    return path


# A case naming two different suspects: one the chain's man (T2's phone), one another man whose
# phone is in an unrelated vendor record. A chain in through one suspect must not leave through the other.
TWO_SUSPECTS = [
    {
        "type": "missing_case",
        "source": "missing_cases",
        "id": "MC-TWO",
        "case_number": "MC-TWO",
        "child": {"names": ["Bea Sample"], "age": 14, "phones": ["(305) 555-0177"]},
        "suspects": [
            {"names": ["Dan L"], "phones": ["918-555-0101"]},
            {"names": ["Other Man"], "phones": ["(702) 555-0123"]},
        ],
    },
    {
        "type": "person",
        "source": "pubrec:acme",
        "id": "A-OTHER",
        "names": ["Other Man"],
        "phones": ["702-555-0123"],
    },
    {"type": "lead", "source": "call_center", "id": "L-CHILD", "text": "The girl texted from 305-555-0177."},
]
