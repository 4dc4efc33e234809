"""Social Security numbers: cleaning, never-issued flags and masking.

Numbers the SSA never issues are flagged, not rejected: demo data uses area
900-999 on purpose, and a real record carrying such a number is itself a fact
worth showing (flag ``ssn_not_issued`` in quick-hit output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vigil.normalize._text import CACHE_SIZE

_STRIP = re.compile(r"[\s.\-]")

# Printed on a sample card in wallets sold by Woolworth (1938) and used by
# thousands of people since; the SSA voided it.
_VOIDED = {"078051120": "voided advertising number"}


@dataclass(frozen=True, slots=True)
class SSN:
    digits: str
    not_issued: bool
    reason: str


@lru_cache(maxsize=CACHE_SIZE)
def normalize_ssn(value: str) -> SSN:
    """Strip spaces, dashes and dots; require exactly 9 digits; flag never-issued numbers."""
    digits = _STRIP.sub("", str(value))
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"SSN must have 9 digits: {value!r}")
    reasons = []
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area == "000":
        reasons.append("area 000 never issued")
    elif area == "666":
        reasons.append("area 666 never issued")
    elif area[0] == "9":
        reasons.append("area 9xx never issued")
    if group == "00":
        reasons.append("group 00")
    if serial == "0000":
        reasons.append("serial 0000")
    if digits in _VOIDED:
        reasons.append(_VOIDED[digits])
    reason = "; ".join(reasons)
    return SSN(digits=digits, not_issued=bool(reason), reason=reason)


def mask_ssn(digits: str) -> str:
    """Mask as "***-**-1234": only the last four digits are shown."""
    clean = _STRIP.sub("", str(digits))
    if len(clean) < 4 or not clean[-4:].isdigit():
        raise ValueError("SSN too short to mask")
    return f"***-**-{clean[-4:]}"
