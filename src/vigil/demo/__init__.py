"""Synthetic scenario generator for demos, tests and benchmarks (synthetic data only).

`generate(out_dir, scale, seed)` writes JSON Lines files in the interchange format
(shared/formats.md) plus `ground_truth.json`, which says which records are the same
individual, who absconded and where they live now, which tips form identifier
chains, which incidents form series and which unidentified children match which
missing-child cases. Every SSN is in the never-issued 900-999 area, every phone is
on the 555 exchange, every e-mail domain is example.com/.net/.org and every IP
address is in a documentation range.
"""

from vigil.demo.generate import Scenario, generate
from vigil.demo.quickhit import quickhit_sample, write_quickhit
from vigil.demo.scales import SCALES, Scale, estimated_records

__all__ = [
    "SCALES",
    "Scale",
    "Scenario",
    "estimated_records",
    "generate",
    "quickhit_sample",
    "write_quickhit",
]
