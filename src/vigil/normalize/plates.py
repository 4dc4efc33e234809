"""License plates, including partial plates from witnesses ("7K?2").

Wildcards: "?" is one unknown character, "*" any run of characters (also
none). SQL-style "_" and "%" in input are read as the same wildcards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vigil.normalize._text import CACHE_SIZE, fold_ascii

# Spaces, dashes, dots and the like are decoration on a plate, not characters.
_DROP = re.compile(r"[^A-Z0-9?*]")
_STARS = re.compile(r"\*+")
_TO_LIKE = str.maketrans({"?": "_", "*": "%"})


@dataclass(frozen=True, slots=True)
class Plate:
    value: str
    partial: bool
    like: str


@lru_cache(maxsize=CACHE_SIZE)
def normalize_plate(value: str) -> Plate:
    """Upper-case plate without separators; ValueError when no character is known."""
    text = fold_ascii(str(value)).upper().replace("_", "?").replace("%", "*")
    text = _STARS.sub("*", _DROP.sub("", text))
    if not any(ch.isalnum() for ch in text):
        raise ValueError(f"plate has no known character: {value!r}")
    partial = "?" in text or "*" in text
    return Plate(value=text, partial=partial, like=text.translate(_TO_LIKE) if partial else text)


@lru_cache(maxsize=CACHE_SIZE)
def plate_matches(pattern: str, plate: str) -> bool:
    """True when the two plates can be the same plate; wildcards may be on either side.

    Two partial plates match when some real plate fits both ("7K?2" and "7*2").
    Unusable input (no known character) matches nothing.
    """
    try:
        a = normalize_plate(pattern).value
        b = normalize_plate(plate).value
    except ValueError:
        return False
    if a == b:
        return True
    return _globs_intersect(a, b)


def _globs_intersect(a: str, b: str) -> bool:
    # reach[i][j]: a[:i] and b[:j] can spell the same string. A "*" may absorb
    # any symbol of the other side (including the other side's wildcards).
    n, m = len(a), len(b)
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[0][0] = True
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            ok = False
            if i > 0 and a[i - 1] == "*":
                ok = reach[i - 1][j] or (j > 0 and reach[i][j - 1])
            if not ok and j > 0 and b[j - 1] == "*":
                ok = reach[i][j - 1] or (i > 0 and reach[i - 1][j])
            if not ok and i > 0 and j > 0 and a[i - 1] != "*" and b[j - 1] != "*":
                x, y = a[i - 1], b[j - 1]
                ok = reach[i - 1][j - 1] and (x == y or x == "?" or y == "?")
            reach[i][j] = ok
    return reach[n][m]
