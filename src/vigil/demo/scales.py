"""Scenario sizes. Person-like records (registry + vendor + NCIC-offline) are about 2.6 per anchor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scale:
    anchors: int  # individuals drawn directly; relatives and look-alikes come on top
    offender_share: float
    cases: int
    tips: int
    incidents: int
    series: int
    unidentified: int
    leads: int
    chains: int
    hubs: int
    hub_min: int  # records each hub identifier appears in, at least
    quickhit: int
    gz: bool
    # measured records of all kinds per anchor, for progress bars (see estimated_records)
    records_per_anchor: float = 3.3


SCALES: dict[str, Scale] = {
    "small": Scale(
        anchors=1150,
        offender_share=0.33,
        cases=120,
        tips=220,
        incidents=170,
        series=8,
        unidentified=30,
        leads=100,
        chains=12,
        hubs=3,
        hub_min=30,
        quickhit=50,
        gz=False,
    ),
    "medium": Scale(
        anchors=38_500,
        offender_share=0.33,
        cases=3_000,
        tips=6_000,
        incidents=3_500,
        series=60,
        unidentified=600,
        leads=3_000,
        chains=150,
        hubs=10,
        hub_min=40,
        quickhit=500,
        gz=True,
    ),
    "large": Scale(
        anchors=390_000,
        offender_share=0.33,
        cases=30_000,
        tips=60_000,
        incidents=35_000,
        series=300,
        unidentified=5_000,
        leads=30_000,
        chains=600,
        hubs=25,
        hub_min=60,
        quickhit=2_000,
        gz=True,
    ),
}


def estimated_records(scale: str) -> int:
    """About how many records `generate(scale=...)` writes (for sizing a progress bar)."""
    s = SCALES[scale]
    return int(s.anchors * s.records_per_anchor) + s.cases + s.tips + s.incidents + s.unidentified + s.leads
