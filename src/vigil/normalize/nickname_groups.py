"""Nickname groups for first names, from the `nicknames` package's data.

The package states relations "canonical has_nickname nickname" (WILLIAM has
BILL, WILL, ...). A *group* is a canonical name with its nicknames; a name can
be in several groups (SAM: SAMUEL and SAMANTHA). Two views are offered:

- ``nickname_variants(name)``: every name sharing any group with ``name``; for
  matching, where recall matters.
- ``group_key(name)``: one key per name, for indexing/blocking. It is the
  canonical name, among the name itself and its canonicals, that is the most
  common first name (US frequencies shipped with Faker, a project dependency)
  weighted by how many relations it shares with ``name``. So BILL, WILL,
  WILLIAM and LIAM all key to WILLIAM, BOB to ROBERT, TONY to ANTHONY.
  Truly ambiguous nicknames get one of their readings (SAM -> SAMANTHA), so
  callers that need every reading use nickname_variants.

All tables are built once, on first use (~50 ms).
"""

from __future__ import annotations

from functools import cache, lru_cache

from nicknames import NickNamer

from vigil.normalize._text import CACHE_SIZE, fold_ascii, squash_spaces

# Fixes to the package data. LIAM (short for WILLIAM) is missing; BILL/BILLY
# listed as nicknames of ROBERT (and the reverse) would pull BILL away from
# WILLIAM's group, which is by far the common reading.
_ADDED: dict[str, set[str]] = {"william": {"liam"}}
_REMOVED: set[tuple[str, str]] = {
    ("robert", "bill"),
    ("robert", "billy"),
    ("bill", "robert"),
    ("billy", "robert"),
}

# Names outside the frequency table still need a weight so overlap can decide.
_UNKNOWN_WEIGHT = 1e-6


class _Tables:
    __slots__ = ("group_key", "variants")

    def __init__(self) -> None:
        lookup = NickNamer.default_lookup()
        for canonical, added in _ADDED.items():
            lookup.setdefault(canonical, set()).update(added)
        for canonical, nickname in _REMOVED:
            lookup.get(canonical, set()).discard(nickname)
        namer = NickNamer(nickname_lookup=lookup)
        nicks = namer.nickname_lookup  # canonical -> nicknames
        canons = namer.canonical_lookup  # nickname -> canonicals
        weight = _name_frequencies()

        def related(name: str) -> set[str]:
            return {name} | nicks.get(name, set()) | canons.get(name, set())

        self.group_key: dict[str, str] = {}
        self.variants: dict[str, frozenset[str]] = {}
        for name in set(nicks) | set(canons):
            near = related(name)
            candidates = sorted(canons.get(name, set()) | {name})
            best = max(
                candidates,
                key=lambda c, near=near: (weight.get(c, 0.0) + _UNKNOWN_WEIGHT) * len(related(c) & near),
            )
            self.group_key[name.upper()] = best.upper()
            members: set[str] = {name}
            for canonical in candidates:
                if canonical in nicks:
                    members |= {canonical} | nicks[canonical]
            self.variants[name.upper()] = frozenset(m.upper() for m in members)


def _name_frequencies() -> dict[str, float]:
    """Share of the US population with each first name (lower-case)."""
    try:
        from faker.providers.person.en_US import Provider
    except ImportError:  # pragma: no cover - faker is a declared dependency
        return {}
    freq: dict[str, float] = {}
    for table in (Provider.first_names_male, Provider.first_names_female):
        for name, share in table.items():
            key = name.lower()
            freq[key] = max(freq.get(key, 0.0), float(share))
    return freq


@cache
def _tables() -> _Tables:
    return _Tables()


def _clean(first: str) -> str:
    return squash_spaces(fold_ascii(first).upper().replace(".", ""))


@lru_cache(maxsize=CACHE_SIZE)
def group_key(first: str) -> str:
    """One canonical group key for a first name; the name itself when in no group."""
    name = _clean(first)
    return _tables().group_key.get(name, name)


@lru_cache(maxsize=CACHE_SIZE)
def nickname_variants(first: str) -> frozenset[str]:
    """All upper-case names sharing a nickname group with ``first`` (itself included)."""
    name = _clean(first)
    if not name:
        return frozenset()
    return _tables().variants.get(name, frozenset({name}))
