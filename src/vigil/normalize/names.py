"""Person names: parsing, cleaning, phonetic keys and nickname groups.

Structured names (formats.md ``name`` dicts) are only cleaned; free-text names
go through nameparser, which is slow (~0.3 ms), so results are cached: the
same names recur across sources and records.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from nameparser import HumanName

from vigil.normalize._text import CACHE_SIZE, as_text, fold_ascii, squash_spaces
from vigil.normalize.nickname_groups import group_key, nickname_variants
from vigil.normalize.phonetic import phonetic_key

__all__ = [
    "NAME_KINDS",
    "NormalizedName",
    "nickname_variants",
    "parse_name",
    "phonetic_key",
    "surname_parts",
]

NAME_KINDS = frozenset({"primary", "alias", "nickname", "maiden", "moniker"})

# Apostrophes and periods join (O'BRIEN -> OBRIEN, J. -> J); every other
# punctuation mark separates words.
_JOINERS = re.compile(r"['`.]")
_SEPARATORS = re.compile(r"[^A-Z0-9\s-]")
_HYPHEN_RUN = re.compile(r"\s*-[\s-]*")

_SUFFIXES = {
    "JR": "JR",
    "JNR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SNR": "SR",
    "SENIOR": "SR",
    "I": "I",
    "1ST": "I",
    "II": "II",
    "2ND": "II",
    "III": "III",
    "3RD": "III",
    "IV": "IV",
    "4TH": "IV",
    "V": "V",
    "5TH": "V",
    "VI": "VI",
    "6TH": "VI",
}

# Particles that belong to the next word of a surname: "DE LA CRUZ" is one
# part, "GARCIA LOPEZ" is two.
_PARTICLES = frozenset(
    [
        "DE",
        "DEL",
        "DELA",
        "DELLA",
        "DA",
        "DAS",
        "DI",
        "DO",
        "DOS",
        "DU",
        "LA",
        "LE",
        "LOS",
        "LAS",
        "VAN",
        "VON",
        "DER",
        "DEN",
        "TER",
        "TEN",
        "ST",
        "SAN",
        "SANTA",
        "MAC",
        "MC",
        "BIN",
        "BEN",
        "AL",
        "EL",
    ]
)


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A cleaned person name; parts are upper-case ASCII, "" when unknown."""

    first: str
    middle: str
    last: str
    suffix: str
    kind: str
    full: str
    first_key: str
    last_key: str
    first_group: str


@lru_cache(maxsize=CACHE_SIZE)
def _clean_part(value: str, keep_hyphen: bool) -> str:
    text = _JOINERS.sub("", fold_ascii(value).upper())
    text = _SEPARATORS.sub(" ", text)
    # "SMITH - JONES" and "SMITH--JONES" are the same hyphenated surname; in
    # given names a hyphen just separates words.
    text = _HYPHEN_RUN.sub("-", text).strip("-") if keep_hyphen else text.replace("-", " ")
    return squash_spaces(text)


def _clean_suffix(value: str) -> str:
    text = _clean_part(value, keep_hyphen=False)
    return " ".join(_SUFFIXES.get(word, word) for word in text.split())


@lru_cache(maxsize=CACHE_SIZE)
def _build(first: str, middle: str, last: str, suffix: str, kind: str) -> NormalizedName:
    first = _clean_part(first, keep_hyphen=False)
    middle = _clean_part(middle, keep_hyphen=False)
    last = _clean_part(last, keep_hyphen=True)
    suffix = _clean_suffix(suffix)
    if not first and not last:
        raise ValueError("name has neither a first nor a last name")
    return NormalizedName(
        first=first,
        middle=middle,
        last=last,
        suffix=suffix,
        kind=kind,
        full=" ".join(part for part in (first, middle, last, suffix) if part),
        first_key=phonetic_key(first),
        last_key=phonetic_key(last),
        first_group=group_key(first) if first else "",
    )


@lru_cache(maxsize=CACHE_SIZE)
def _parse_text(value: str, kind: str) -> NormalizedName:
    # nameparser reads "Smith - Jones" as middle "Smith -" + last "Jones".
    text = _HYPHEN_RUN.sub("-", squash_spaces(fold_ascii(value)))
    plain = _plain_split(text)
    if plain is not None:
        return _build(*plain, "", kind)
    human = HumanName(text)
    return _build(human.first, human.middle, human.last, human.suffix, kind)


_PLAIN_WORD = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})?|[A-Za-z]\.?|[A-Za-z]{1,2}'[A-Za-z]{2,}")


# nameparser.config modules holding word lists that change how a name parses.
_VOCABULARY_MODULES = (
    "titles",
    "suffixes",
    "prefixes",
    "conjunctions",
    "particles",
    "bound_given_names",
    "bound_first_names",
    "maiden_markers",
)


@cache
def _nameparser_vocabulary() -> tuple[frozenset[str], re.Pattern[str]]:
    """Every word nameparser treats specially, lower-case without periods."""
    from nameparser.config import CONSTANTS

    words: set[str] = set()
    groups: list[object] = [
        CONSTANTS.titles,
        CONSTANTS.suffix_acronyms,
        CONSTANTS.suffix_not_acronyms,
        CONSTANTS.prefixes,
        CONSTANTS.conjunctions,
    ]
    for name in _VOCABULARY_MODULES:
        # Newer nameparser releases keep more lists (e.g. "Abdul" binding to the
        # next word); collect whatever word sets this installed version has.
        try:
            module = importlib.import_module(f"nameparser.config.{name}")
        except ImportError:
            continue
        groups.extend(v for v in vars(module).values() if isinstance(v, set | frozenset))
    for group in groups:
        words.update(w.lower().replace(".", "") for w in group if isinstance(w, str))  # type: ignore[attr-defined]
    roman = CONSTANTS.regexes.get("roman_numeral") or re.compile(r"^(X|IX|IV|V?I{0,3})$", re.IGNORECASE)
    return frozenset(words), roman


def _plain_split(text: str) -> tuple[str, str, str] | None:
    """(first, middle, last) of "First [Middle...] Last" or "Last, First [Middle]" when
    nameparser has nothing to decide.

    HumanName costs ~0.3 ms. For a few plain words, none of which is in
    nameparser's own vocabulary (titles, suffixes, prefixes, conjunctions) or a
    roman numeral, its answer is always first word / middle words / last word;
    tests check this against HumanName on a generated corpus.
    """
    family, comma, given = text.partition(",")
    if comma:
        # "LAST, FIRST [MIDDLE]" - the usual order in registries and vendor files.
        last_words, words = family.split(), given.split()
        if not (1 <= len(last_words) <= 2 and 1 <= len(words) <= 3) or "," in given:
            return None
        words = [*words, *last_words]
    else:
        words = text.split(" ")
        last_words = words[-1:]
        if not 2 <= len(words) <= 4:
            return None
    vocabulary, roman = _nameparser_vocabulary()
    for word in words:
        if not _PLAIN_WORD.fullmatch(word) or roman.match(word.rstrip(".")):
            return None
        lowered = word.lower().rstrip(".")
        # Pieces keep their joiner too: nameparser lists prefixes like "al-" and "d'".
        pieces = lowered.replace("'", "' ").replace("-", "- ").split()
        if lowered in vocabulary or any(p in vocabulary or p.rstrip("-'") in vocabulary for p in pieces):
            return None
    given_words = words[: len(words) - len(last_words)]
    return given_words[0], " ".join(given_words[1:]), " ".join(last_words)


def _kind(value: object) -> str:
    # Unknown kinds are kept (lower-cased) rather than rejected: the format may
    # grow new kinds and a name is still useful.
    kind = as_text(value).lower()
    return kind or "primary"


def parse_name(value: str | Mapping[str, object], kind: str = "primary") -> NormalizedName:
    """Normalize a formats.md name dict or a free-text name.

    Text is parsed with nameparser: "Smith, John A Jr" and "John A. Smith Jr."
    give the same result. A dict's ``kind`` overrides ``kind``. Raises
    ValueError when there is neither a first nor a last name.
    """
    if isinstance(value, Mapping):
        return _build(
            as_text(value.get("first")),
            as_text(value.get("middle")),
            as_text(value.get("last")),
            as_text(value.get("suffix")),
            _kind(value.get("kind")),
        )
    if not isinstance(value, str):
        raise ValueError(f"not a name: {value!r}")
    return _parse_text(value, _kind(kind))


@lru_cache(maxsize=CACHE_SIZE)
def surname_parts(last: str) -> tuple[str, ...]:
    """Parts of a hyphenated or double surname, for maiden/married matching.

    "SMITH-JONES" -> ("SMITH", "JONES"); "GARCIA LOPEZ" -> ("GARCIA", "LOPEZ");
    particles stay with their word: "DE LA CRUZ" -> ("DE LA CRUZ",).
    """
    parts: list[str] = []
    for chunk in _clean_part(last, keep_hyphen=True).split("-"):
        start = len(parts)
        pending: list[str] = []
        for word in chunk.split():
            if word == "Y":
                continue  # Spanish "GARCIA Y LOPEZ": a conjunction, not a name
            pending.append(word)
            if word not in _PARTICLES:
                parts.append(" ".join(pending))
                pending = []
        if pending:
            # A particle with nothing after it stays with the word before it.
            if len(parts) > start:
                parts[-1] = f"{parts[-1]} {' '.join(pending)}"
            else:
                parts.append(" ".join(pending))
    return tuple(parts)
