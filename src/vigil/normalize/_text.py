"""Shared text helpers: ASCII folding and whitespace cleanup.

Identifiers are compared as upper-case ASCII so that "José Núñez" from one
source and "JOSE NUNEZ" from another meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CACHE_SIZE = 100_000

# Letters NFKD does not decompose into base letter + combining mark; without
# these they would simply vanish from names like "Øyvind" or "Łukasz".
_NON_DECOMPOSING = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "‘": "'",
        "’": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=CACHE_SIZE)
def fold_ascii(value: str) -> str:
    """Drop accents and non-ASCII characters ("Núñez" -> "Nunez")."""
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value.translate(_NON_DECOMPOSING))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def squash_spaces(value: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return _SPACES.sub(" ", value).strip()


def as_text(value: object) -> str:
    """Turn a JSON scalar (None, number, string) into a stripped string."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # JSON numbers like 78701.0 (spreadsheets) should read as "78701".
        value = int(value)
    return str(value).strip()
