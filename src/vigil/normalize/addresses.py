"""US postal addresses, standardized to USPS Publication 28 forms.

usaddress (a CRF tagger) labels the words of a street line; each labelled word
is then rewritten to its Pub 28 form (STREET -> ST, NORTH -> N, APARTMENT ->
APT) and unit designators are moved to line 2. ``std_line`` is the key used to
compare addresses.

Tagging costs ~0.2 ms a line, so plain lines ("123 N MAIN ST APT 4") take a
fast path with the same tables (see _address_fast), a few known tagger slips
are repaired so both paths agree, and results are cached: sources repeat the
same addresses many times. Odd input never raises: when tagging fails the
text is only cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import usaddress

from vigil.normalize._address_fast import fast_street, split_formatted
from vigil.normalize._states import state_code
from vigil.normalize._text import CACHE_SIZE, as_text, fold_ascii, squash_spaces
from vigil.normalize._usps import DIRECTIONALS, PO_BOX, STREET_SUFFIXES, UNIT_DESIGNATORS


@dataclass(frozen=True, slots=True)
class NormalizedAddress:
    """Upper-case standardized address; parts are "" when unknown."""

    line1: str
    line2: str
    city: str
    state: str
    zip5: str
    country: str
    std_line: str


_UNIT_LABELS = frozenset({"OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier"})
_FIELD_LABELS = {"PlaceName": "city", "StateName": "state", "ZipCode": "zip"}
_DROPPED_LABELS = frozenset({"Recipient", "NotAddress"})
_PO_BOX_SPELLINGS = frozenset({"PO BOX", "P O BOX", "POST OFFICE BOX", "POB", "POBOX", "PO"})
_BOX_GROUPS = (
    ("RURAL ROUTE ", "RR "),
    ("RURAL RTE ", "RR "),
    ("HIGHWAY CONTRACT ", "HC "),
    ("STAR ROUTE ", "HC "),
)
_DESIGNATORS = frozenset(UNIT_DESIGNATORS.values())
_US_NAMES = frozenset(
    {"", "US", "USA", "U S", "U S A", "UNITED STATES", "UNITED STATES OF AMERICA", "AMERICA"}
)

# Periods and apostrophes join ("N.E." -> "NE"); other punctuation separates.
# "#", "/", "-" and "&" carry meaning in addresses ("# 4", "1/2", "12-14", "&").
_JOINERS = re.compile(r"['.]")
_SEPARATORS = re.compile(r"[^A-Z0-9#/&\-\s]")
# Same, but commas survive: the tagger reads "AUSTIN," as the end of a part.
_SEPARATORS_BUT_COMMA = re.compile(r"[^A-Z0-9#/&,\-\s]")
_HASH_PREFIX = re.compile(r"#(?=\S)")
_STATE_ZIP_TAIL = re.compile(r"^(?:(?P<city>.*)\s)?(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-?\d{4})?)$")


@lru_cache(maxsize=CACHE_SIZE)
def _clean(text: str, separators: re.Pattern[str] = _SEPARATORS) -> str:
    text = _JOINERS.sub("", fold_ascii(text).upper())
    text = separators.sub(" ", text)
    return squash_spaces(_HASH_PREFIX.sub("# ", text))


def _clean_zip(value: str) -> str:
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 5:
        return digits[:5]
    if 3 <= len(digits) <= 4 and text.isdigit():
        # Spreadsheets drop leading zeros: 2134 is Boston's 02134.
        return digits.zfill(5)
    return ""


def _clean_state(value: str) -> str:
    text = _clean(value)
    return state_code(text) or text


def _clean_country(value: str) -> str:
    text = _clean(value)
    return "US" if text in _US_NAMES else text


def _render_units(words: Iterable[tuple[str, str]]) -> str:
    out: list[str] = []
    for word, label in words:
        if label in ("OccupancyType", "SubaddressType"):
            designator = UNIT_DESIGNATORS.get(word, word)
            if designator == "#" and out and out[-1] in _DESIGNATORS:
                continue  # "APT # 4" -> "APT 4"
            out.append(designator)
        else:
            out.append(word)
    if out and out[0] not in _DESIGNATORS:
        out.insert(0, "#")  # Pub 28: "#" when the designator is unknown
    return " ".join(out)


def _standard_word(word: str, label: str) -> str:
    if label in ("StreetNamePreDirectional", "StreetNamePostDirectional"):
        return DIRECTIONALS.get(word, word)
    if label == "StreetNamePostType":
        return STREET_SUFFIXES.get(word, word)
    return word


@dataclass(frozen=True, slots=True)
class _Parts:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""


@lru_cache(maxsize=CACHE_SIZE)
def _tag_line(text: str) -> _Parts | None:
    """Standardized parts of a free-text line, or None when tagging fails."""
    cleaned = _clean(text, _SEPARATORS_BUT_COMMA)
    if not cleaned.replace(",", "").strip():
        return _Parts()
    try:
        tagged = usaddress.parse(cleaned)
    except Exception:  # a tagger failure must not stop ingestion
        return None
    street: list[tuple[str, str]] = []
    units: list[tuple[str, str]] = []
    box: list[str] = []
    dropped: list[tuple[str, str]] = []
    fields: dict[str, list[str]] = {"city": [], "state": [], "zip": []}
    after_hash = False
    leading = True
    for word, label in _repair([(raw.strip(",;"), label) for raw, label in tagged if raw.strip(",;")]):
        leading = leading and label in _DROPPED_LABELS
        if label in _FIELD_LABELS:
            fields[_FIELD_LABELS[label]].append(word)
        elif word == "#" or after_hash or label in _UNIT_LABELS:
            # "# 12" is a unit even when the tagger calls it part of the street name.
            units.append((word, "OccupancyType" if word == "#" else label))
        elif leading:
            # A name before the address ("JOHN SMITH 123 MAIN ST") is not part of it.
            dropped.append((word, label))
        elif label == "USPSBoxType":
            box.append(word)
        else:
            if box:
                street.append((_box_name(box), "USPSBoxType"))
                box = []
            street.append((word, label))
        after_hash = word == "#"
    if box:
        street.append((_box_name(box), "USPSBoxType"))
    if not street and not units and dropped:
        # A line the tagger reads as all "recipient" ("CORNER OF ELM AND OAK") is
        # still the only description of the place: keep it.
        street = dropped
    return _Parts(
        line1=_group_types(" ".join(_standard_word(w, lbl) for w, lbl in _find_suffix(street))),
        line2=_render_units(units),
        city=" ".join(fields["city"]),
        state=" ".join(fields["state"]),
        zip=" ".join(fields["zip"]),
    )


def _repair(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The tagger sometimes reads "EAST APARTMENT" in "... ST EAST APARTMENT 12B" as
    # street name or "not address": a designator right before a unit number is a
    # unit designator, and a direction right after the suffix is a post-directional.
    fixed = list(tagged)
    for i, (word, label) in enumerate(fixed):
        after = fixed[i + 1][1] if i + 1 < len(fixed) else ""
        before = fixed[i - 1][1] if i else ""
        if label == "OccupancyIdentifier" and word in DIRECTIONALS and before == "StreetNamePostType":
            if after == "OccupancyType":  # "JCTS S APARTMENT 12B": S is the post-directional
                fixed[i] = (word, "StreetNamePostDirectional")
            continue
        if label in _UNIT_LABELS or label in _FIELD_LABELS:
            continue
        if word in UNIT_DESIGNATORS and after == "OccupancyIdentifier":
            fixed[i] = (word, "OccupancyType")
        elif word in DIRECTIONALS and before == "StreetNamePostType" and label != "StreetNamePostType":
            fixed[i] = (word, "StreetNamePostDirectional")
    return fixed


def _find_suffix(street: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Read a trailing suffix word the tagger left in the street name as the suffix.

    The tagger labels "MATTHEW CENTER" or "KIMBERLY HILL EAST" all street name;
    Pub 28 (and the fast path) take the last suffix word of the name as the
    suffix, and a direction after it as the post-directional.
    """
    labels = [label for _, label in street]
    if "StreetNamePostType" in labels or "StreetName" not in labels:
        return street
    last = max(i for i, label in enumerate(labels) if label == "StreetName")
    if any(label != "StreetNamePostDirectional" for label in labels[last + 1 :]):
        return street
    fixed = list(street)
    if street[last][0] in DIRECTIONALS and last >= 2 and labels[last - 1] == "StreetName":
        fixed[last] = (street[last][0], "StreetNamePostDirectional")
        last -= 1
    if last == 0 or labels[last - 1] != "StreetName" or street[last][0] not in STREET_SUFFIXES:
        return street
    fixed[last] = (street[last][0], "StreetNamePostType")
    return fixed


def _box_name(words: list[str]) -> str:
    text = " ".join(words)
    return PO_BOX if text in _PO_BOX_SPELLINGS else text


def _group_types(line: str) -> str:
    # Rural route and highway contract boxes: Pub 28 writes "RR 2 BOX 17".
    for spelled, short in _BOX_GROUPS:
        if line.startswith(spelled):
            return short + line[len(spelled) :]
    return line


def _units_line(text: str) -> str:
    cleaned = _clean(text)
    if not cleaned:
        return ""
    words = cleaned.split()
    if words[0] in UNIT_DESIGNATORS or len(words) == 1:
        # "Apt. #4" -> "APT 4"; a bare "4B" is a unit number with no designator.
        return _render_units((w, "OccupancyType" if w in UNIT_DESIGNATORS else "") for w in words)
    return cleaned  # e.g. "C/O JANE DOE": not a unit, keep as written


def _merge_line2(moved: str, given: str) -> str:
    if not moved or moved == given:
        return given
    if not given:
        return moved
    return f"{moved} {given}"


def _finish(line1: str, line2: str, city: str, state: str, zip5: str, country: str) -> NormalizedAddress:
    place = " ".join(p for p in (state, zip5) if p)
    parts = [p for p in (line1, line2, city, place) if p]
    if country != "US":
        parts.append(country)
    return NormalizedAddress(
        line1=line1,
        line2=line2,
        city=city,
        state=state,
        zip5=zip5,
        country=country,
        std_line=", ".join(parts),
    )


@lru_cache(maxsize=CACHE_SIZE)
def _from_fields(line1: str, line2: str, city: str, state: str, zip_: str, country: str) -> NormalizedAddress:
    city_c, state_c, zip_c = _clean(city), _clean_state(state), _clean_zip(zip_)
    fast = fast_street(_clean(line1))
    tagged = _tag_line(line1) if line1 and not fast else _Parts()
    if fast:
        street, moved = fast
    elif tagged is None:
        street, moved = _clean(line1), ""
    else:
        street, moved = tagged.line1, tagged.line2
        # A vendor may put the whole address in line1: take what the record lacks,
        # and keep anything that disagrees with it in line1 rather than lose it.
        extra: list[str] = []
        if tagged.city:
            if not city_c:
                city_c = tagged.city
            elif tagged.city != city_c:
                extra.append(tagged.city)
        if tagged.state:
            if not state_c:
                state_c = _clean_state(tagged.state)
            elif _clean_state(tagged.state) != state_c:
                extra.append(tagged.state)
        if tagged.zip:
            if not zip_c:
                zip_c = _clean_zip(tagged.zip)
            elif _clean_zip(tagged.zip) != zip_c:
                extra.append(tagged.zip)
        street = " ".join([street, *extra]).strip()
    return _finish(
        street, _merge_line2(moved, _units_line(line2)), city_c, state_c, zip_c, _clean_country(country)
    )


@lru_cache(maxsize=CACHE_SIZE)
def _from_text(text: str) -> NormalizedAddress:
    cleaned = _clean(text, _SEPARATORS_BUT_COMMA)
    if "," not in cleaned and (fast := fast_street(cleaned)):
        return _finish(fast[0], fast[1], "", "", "", "US")
    if (split := split_formatted(cleaned)) and (fast := fast_street(split[0])):
        return _finish(fast[0], fast[1], split[1], split[2], split[3], "US")
    tagged = _tag_line(text)
    if tagged is not None:
        return _finish(
            tagged.line1,
            tagged.line2,
            tagged.city,
            _clean_state(tagged.state),
            _clean_zip(tagged.zip),
            "US",
        )
    return _clean_only(text)


def _clean_only(text: str) -> NormalizedAddress:
    """Fallback without the tagger: split on commas, peel a trailing "ST 12345"."""
    chunks = [c for c in (_clean(part) for part in _clean(text, _SEPARATORS_BUT_COMMA).split(",")) if c]
    city = state = zip5 = ""
    if chunks and (tail := _STATE_ZIP_TAIL.match(chunks[-1])):
        chunks.pop()
        state, zip5 = tail.group("state"), _clean_zip(tail.group("zip"))
        city = tail.group("city") or (chunks.pop() if len(chunks) > 1 else "")
    return _finish(" ".join(chunks), "", city, state, zip5, "US")


def normalize_address(value: Mapping[str, object] | str) -> NormalizedAddress:
    """Standardize a formats.md address dict or a one-line address string.

    Never raises on odd input: unparseable text is only cleaned, an unknown
    state is kept as given (upper-case), missing parts are "".
    """
    if isinstance(value, Mapping):
        return _from_fields(
            as_text(value.get("line1")),
            as_text(value.get("line2")),
            as_text(value.get("city")),
            as_text(value.get("state")),
            as_text(value.get("zip")),
            as_text(value.get("country")),
        )
    return _from_text(as_text(value))
