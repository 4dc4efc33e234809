"""How witnesses say things: races, hair, facial hair, builds, vehicle colours, bodies and makes.

Witness descriptions are free words ("navy", "dark blue", "salt and pepper"). Each word maps to a set
of canonical families; two words agree when their families intersect ("dark" hair is black or brown,
"navy" is blue). Unknown words map to themselves so nothing is silently dropped.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s_\-/]+")


def _key(value: str | None) -> str:
    return _SPACES.sub(" ", value.strip().upper()) if value else ""


RACES: dict[str, str] = {
    "W": "WHITE",
    "WHITE": "WHITE",
    "CAUCASIAN": "WHITE",
    "B": "BLACK",
    "BLACK": "BLACK",
    "AFRICAN AMERICAN": "BLACK",
    "H": "HISPANIC",
    "HISPANIC": "HISPANIC",
    "LATINO": "HISPANIC",
    "LATINA": "HISPANIC",
    "A": "ASIAN",
    "ASIAN": "ASIAN",
    "I": "AMERICAN INDIAN",
    "AMERICAN INDIAN": "AMERICAN INDIAN",
    "NATIVE AMERICAN": "AMERICAN INDIAN",
}
_UNKNOWN = frozenset({"", "U", "UNK", "UNKNOWN", "NONE", "N/A", "NA", "OTHER", "?"})


def race(value: str | None) -> str | None:
    """Canonical race, or None when unknown (an unknown never agrees or disagrees)."""
    key = _key(value)
    if key in _UNKNOWN:
        return None
    return RACES.get(key, key)


HAIR: dict[str, frozenset[str]] = {
    "BROWN": frozenset({"BROWN"}),
    "DARK BROWN": frozenset({"BROWN"}),
    "LIGHT BROWN": frozenset({"BROWN", "BLONDE"}),
    "BLACK": frozenset({"BLACK"}),
    "DARK": frozenset({"BLACK", "BROWN"}),
    "BLONDE": frozenset({"BLONDE"}),
    "BLOND": frozenset({"BLONDE"}),
    "LIGHT": frozenset({"BLONDE"}),
    "SANDY": frozenset({"BLONDE", "BROWN"}),
    "GRAY": frozenset({"GRAY"}),
    "GREY": frozenset({"GRAY"}),
    "GRAYING": frozenset({"GRAY"}),
    "SALT AND PEPPER": frozenset({"GRAY"}),
    "WHITE": frozenset({"GRAY"}),
    "BALD": frozenset({"BALD"}),
    "SHAVED": frozenset({"BALD"}),
    "RED": frozenset({"RED"}),
    "REDDISH": frozenset({"RED"}),
    "AUBURN": frozenset({"RED", "BROWN"}),
}

FACIAL_HAIR: dict[str, str] = {
    "BEARD": "BEARD",
    "FULL BEARD": "BEARD",
    "MUSTACHE": "MUSTACHE",
    "MOUSTACHE": "MUSTACHE",
    "GOATEE": "GOATEE",
    "STUBBLE": "STUBBLE",
    "UNSHAVEN": "STUBBLE",
    "NONE": "NONE",
    "CLEAN SHAVEN": "NONE",
    "CLEAN-SHAVEN": "NONE",
}

BUILD: dict[str, int] = {  # an ordinal scale: adjacent builds are plausible confusions
    "THIN": 0,
    "SLIM": 0,
    "SKINNY": 0,
    "LANKY": 0,
    "SLENDER": 0,
    "MEDIUM": 1,
    "AVERAGE": 1,
    "ATHLETIC": 1,
    "MUSCULAR": 1,
    "HEAVY": 2,
    "HEAVYSET": 2,
    "STOCKY": 2,
    "LARGE": 2,
    "OVERWEIGHT": 2,
}

# Vehicle colours: what people call a colour -> the canonical paint families it may be.
COLORS: dict[str, frozenset[str]] = {
    "WHITE": frozenset({"WHITE"}),
    "OFF WHITE": frozenset({"WHITE"}),
    "CREAM": frozenset({"WHITE", "TAN"}),
    "BLACK": frozenset({"BLACK"}),
    "DARK": frozenset({"BLACK", "NAVY", "GRAY"}),
    "SILVER": frozenset({"SILVER", "GRAY"}),
    "GRAY": frozenset({"GRAY", "SILVER"}),
    "GREY": frozenset({"GRAY", "SILVER"}),
    "LIGHT GRAY": frozenset({"SILVER", "GRAY"}),
    "CHARCOAL": frozenset({"GRAY", "BLACK"}),
    "BLUE": frozenset({"BLUE", "NAVY"}),
    "NAVY": frozenset({"NAVY", "BLUE"}),
    "NAVY BLUE": frozenset({"NAVY", "BLUE"}),
    "DARK BLUE": frozenset({"NAVY", "BLUE"}),
    "LIGHT BLUE": frozenset({"BLUE"}),
    "RED": frozenset({"RED", "MAROON"}),
    "MAROON": frozenset({"MAROON", "RED"}),
    "BURGUNDY": frozenset({"MAROON", "RED"}),
    "DARK RED": frozenset({"MAROON", "RED"}),
    "GREEN": frozenset({"GREEN"}),
    "DARK GREEN": frozenset({"GREEN"}),
    "TEAL": frozenset({"GREEN", "BLUE"}),
    "TAN": frozenset({"TAN", "BROWN"}),
    "BEIGE": frozenset({"TAN"}),
    "GOLD": frozenset({"TAN"}),
    "CHAMPAGNE": frozenset({"TAN"}),
    "BROWN": frozenset({"BROWN", "TAN"}),
    "BRONZE": frozenset({"BROWN"}),
}

BODIES: dict[str, str] = {
    "VAN": "VAN",
    "MINIVAN": "VAN",
    "MINI VAN": "VAN",
    "CARGO VAN": "VAN",
    "SUV": "SUV",
    "CROSSOVER": "SUV",
    "SEDAN": "CAR",
    "CAR": "CAR",
    "COUPE": "CAR",
    "HATCHBACK": "CAR",
    "PICKUP": "PICKUP",
    "TRUCK": "PICKUP",
    "PICKUP TRUCK": "PICKUP",
}

MAKES: dict[str, str] = {
    "CHEVY": "CHEVROLET",
    "CHEV": "CHEVROLET",
    "VW": "VOLKSWAGEN",
    "MERCEDES": "MERCEDES-BENZ",
    "BENZ": "MERCEDES-BENZ",
    "TOYOTA MOTOR": "TOYOTA",
    "DODGE RAM": "DODGE",
    "RAM": "DODGE",
}


def hair(value: str | None) -> frozenset[str]:
    key = _key(value)
    if key in _UNKNOWN:
        return frozenset()
    return HAIR.get(key, frozenset({key}))


def facial_hair(value: str | None) -> str | None:
    key = _key(value)
    if not key or key in ("UNKNOWN", "U"):
        return None
    return FACIAL_HAIR.get(key, key)


def build(value: str | None) -> int | None:
    return BUILD.get(_key(value))


def color(value: str | None) -> frozenset[str]:
    key = _key(value)
    if key in _UNKNOWN:
        return frozenset()
    return COLORS.get(key, frozenset({key}))


def body(value: str | None) -> str | None:
    key = _key(value)
    if key in _UNKNOWN:
        return None
    return BODIES.get(key, key)


def make(value: str | None) -> str | None:
    key = _key(value)
    if key in _UNKNOWN:
        return None
    return MAKES.get(key, key)


def model(value: str | None) -> str | None:
    key = _key(value).replace("-", "").replace(" ", "")
    return key or None


# Where on the body a mark is: witnesses and records word it differently ("left forearm", "L arm").
_BODY_PARTS = (
    "FOREARM",
    "ARM",
    "HAND",
    "WRIST",
    "NECK",
    "FACE",
    "CHEST",
    "BACK",
    "LEG",
    "CALF",
    "SHOULDER",
    "ABDOMEN",
    "CHIN",
    "CHEEK",
    "FOREHEAD",
    "FINGER",
    "ANKLE",
    "FOOT",
    "HEAD",
    "EAR",
    "LIP",
    "STOMACH",
    "THIGH",
    "KNEE",
)


def body_part(location: str | None) -> str | None:
    """The body part a mark's location names (the most specific one first: forearm before arm)."""
    key = _key(location)
    for part in _BODY_PARTS:
        if part in key:
            return part
    return key or None


def side(location: str | None) -> str | None:
    key = f" {_key(location)} "
    if " LEFT " in key or " L " in key:
        return "L"
    if " RIGHT " in key or " R " in key:
        return "R"
    return None


def mark_words(description: str | None) -> frozenset[str]:
    """Content words of a mark description ("eagle", "name 'Maria'") for overlap tests."""
    words = re.findall(r"[A-Z0-9]+", _key(description))
    return frozenset(w for w in words if len(w) > 2 and w not in {"THE", "AND", "WITH", "NAME", "INCH"})
