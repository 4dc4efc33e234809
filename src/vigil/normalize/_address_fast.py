"""Fast path for the plain street lines that make up most source data.

usaddress costs ~0.2 ms a line. Lines of the unambiguous shape
``NUMBER [DIRECTION] NAME... SUFFIX [DIRECTION] [UNIT ID]``, where no word of
the name is itself a suffix, direction or unit word, are standardized here
with the same tables instead. Anything else returns None and goes to the
tagger. tests/normalize/test_normalize_addresses.py checks on a generated
corpus that both paths give identical results wherever this one answers.
"""

from __future__ import annotations

import re

from vigil.normalize._states import state_code
from vigil.normalize._usps import DIRECTIONALS, STREET_SUFFIXES, UNIT_DESIGNATORS

_NUMBER = re.compile(r"\d{1,6}")
_NAME_WORD = re.compile(r"[A-Z]{2,}|\d{1,3}(?:ST|ND|RD|TH)")
_UNIT_ID = re.compile(r"[A-Z]?\d{1,5}[A-Z]?|[A-Z]")
_CITY = re.compile(r"[A-Z]{2,}(?: [A-Z]{2,}){0,3}")
_STATE_ZIP = re.compile(r"(?P<state>[A-Z]{2}|[A-Z]{4,}(?: [A-Z]{4,})?) (?P<zip>\d{5})(?:-\d{4})?")

_RESERVED = frozenset(STREET_SUFFIXES) | frozenset(DIRECTIONALS) | frozenset(UNIT_DESIGNATORS)


def fast_street(cleaned: str) -> tuple[str, str] | None:
    """(line1, line2) of a cleaned, upper-case street line of the plain shape; else None."""
    words = cleaned.split()
    if len(words) < 3 or not _NUMBER.fullmatch(words[0]):
        return None
    line2 = ""
    if len(words) >= 5 and words[-2] in UNIT_DESIGNATORS and _UNIT_ID.fullmatch(words[-1]):
        designator = UNIT_DESIGNATORS[words[-2]]
        if designator not in ("APT", "STE", "UNIT", "RM", "LOT", "#"):
            return None  # rarer designators: let the tagger decide
        line2 = f"{designator} {words[-1]}"
        words = words[:-2]
    out = [words[0]]
    post_dir = ""
    if words[-1] in DIRECTIONALS and len(words) >= 4:
        post_dir = DIRECTIONALS[words[-1]]
        words = words[:-1]
    suffix = STREET_SUFFIXES.get(words[-1])
    if suffix is None or words[-1] in UNIT_DESIGNATORS:
        return None  # KEY and TRAILER are also unit designators: ambiguous
    middle = words[1:-1]
    if middle and middle[0] in DIRECTIONALS:
        out.append(DIRECTIONALS[middle[0]])
        middle = middle[1:]
    if not 1 <= len(middle) <= 3:
        return None
    for word in middle:
        if word in _RESERVED or not _NAME_WORD.fullmatch(word):
            return None
    out.extend(middle)
    out.append(suffix)
    if post_dir:
        out.append(post_dir)
    return " ".join(out), line2


def split_formatted(cleaned: str) -> tuple[str, str, str, str] | None:
    """Split "LINE1, CITY, ST 12345" (the usual one-line form) into its parts; else None."""
    parts = [p.strip() for p in cleaned.split(",")]
    if len(parts) != 3 or not _CITY.fullmatch(parts[1]):
        return None
    tail = _STATE_ZIP.fullmatch(parts[2])
    if tail is None:
        return None
    state = state_code(tail.group("state"))
    if state is None:
        return None
    return parts[0], parts[1], state, tail.group("zip")
