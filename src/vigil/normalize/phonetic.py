"""Phonetic keys for names.

NYSIIS (jellyfish.nysiis) rather than Metaphone: it was designed for matching
names in criminal-justice records (New York State Identification and
Intelligence System), it keeps more of a name's vowel structure and so puts
fewer different surnames on one key. On a check of ~230 common US surnames
and ~50 spelling-variant pairs it found as many variants as Metaphone
(36 vs 37) with a third fewer collisions between distinct surnames (18 vs 28).
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish

from vigil.normalize._text import CACHE_SIZE, fold_ascii

_NOT_LETTER = re.compile(r"[^A-Z]")


@lru_cache(maxsize=CACHE_SIZE)
def phonetic_key(s: str) -> str:
    """NYSIIS key of a name ("" for no letters); spaces and hyphens are ignored."""
    letters = _NOT_LETTER.sub("", fold_ascii(s).upper())
    return jellyfish.nysiis(letters) if letters else ""
