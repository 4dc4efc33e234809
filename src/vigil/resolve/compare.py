"""Field comparisons with ordered agreement levels, declared once: batch resolution, search, quick-hit
and `vigil explain` all score with these. Each returns the index of the level reached (0 = strongest),
or None when either side has no value (no evidence either way)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from vigil.normalize.names import nickname_variants
from vigil.normalize.plates import plate_matches
from vigil.resolve.features import NameF, PartyFeatures


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    levels: tuple[str, ...]  # strongest first; the last is disagreement
    compare: Callable[[PartyFeatures, PartyFeatures], int | None]


def _first_close(a: NameF, b: NameF) -> bool:
    if not a.first or not b.first:
        return False
    if a.first == b.first or a.first_group == b.first_group:
        return True
    if len(a.first) == 1 or len(b.first) == 1:  # an initial
        return a.first[0] == b.first[0]
    return b.first in nickname_variants(a.first) or JaroWinkler.similarity(a.first, b.first) >= 0.9


def _last_close(a: NameF, b: NameF) -> bool:
    if not a.last or not b.last:
        return False
    return a.last == b.last or a.last_key == b.last_key or JaroWinkler.similarity(a.last, b.last) >= 0.92


def _name_level(a: NameF, b: NameF) -> int:
    if a.first and a.last and a.first == b.first and a.last == b.last:
        return 0
    if a.last == b.last and a.last and _first_close(a, b):
        return 1  # nickname, initial or first-name typo with the same surname
    swapped_a = NameF(a.last, a.middle, a.first, a.suffix, a.last, a.last_key, a.first_key, ())
    if (
        a.first
        and a.last
        and (
            (a.first == b.last and a.last == b.first)
            or (_first_close(swapped_a, b) and _last_close(swapped_a, b))
        )
    ):
        return 2  # given and family names swapped
    if _first_close(a, b) and _last_close(a, b):
        return 3  # spelling variants on both
    if _first_close(a, b) and (set(a.last_parts) & set(b.last_parts)):
        return 3  # hyphenated / double surname sharing a part
    if _first_close(a, b):
        return 4  # same given name, other surname: maiden names, marriages
    if _last_close(a, b):
        return 5
    return 6


def compare_name(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not a.names or not b.names:
        return None
    return min(_name_level(x, y) for x in a.names for y in b.names)


def dob_level(x: str, y: str) -> int:
    if x == y:
        return 0 if len(x) == 10 else 3
    if len(x) == 10 and len(y) == 10:
        if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
            return 1  # day and month swapped
        distance = Levenshtein.distance(x, y, score_cutoff=2)
        if distance == 1 or (distance == 2 and _transposed(x.replace("-", ""), y.replace("-", ""))):
            return 2  # one digit keyed wrong, or two adjacent ones swapped (which changes two places)
    short = min(len(x), len(y))
    if short < 10 and x[:short] == y[:short]:
        return 3  # a partial date that agrees as far as it goes
    if x[:4] == y[:4] or (
        x[:4].isdigit() and y[:4].isdigit() and abs(int(x[:4]) - int(y[:4])) <= 1 and x[4:] == y[4:]
    ):
        return 4
    if x[:4].isdigit() and y[:4].isdigit() and abs(int(x[:4]) - int(y[:4])) >= 10:
        return 6  # a generation apart: father and son, not a typo
    return 5


def compare_dob(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not a.dob or not b.dob:
        return None
    return dob_level(a.dob, b.dob)


def _transposed(x: str, y: str) -> bool:
    if len(x) != len(y):
        return False
    diffs = [i for i in range(len(x)) if x[i] != y[i]]
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and x[diffs[0]] == y[diffs[1]]
        and x[diffs[1]] == y[diffs[0]]
    )


def _ssn_level(x: str, y: str) -> int:
    if x == y:
        return 0
    if sum(1 for i, j in zip(x, y, strict=False) if i != j) == 1 or _transposed(x, y):
        return 1
    return 2


def compare_ssn(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not a.ssns or not b.ssns:
        return None
    return min(_ssn_level(x, y) for x in a.ssns for y in b.ssns)


def _shared(x: set[str], y: set[str]) -> int | None:
    if not x or not y:
        return None
    return 0 if x & y else 1


def compare_phone(a: PartyFeatures, b: PartyFeatures) -> int | None:
    return _shared(a.phones, b.phones)


def compare_email(a: PartyFeatures, b: PartyFeatures) -> int | None:
    return _shared(a.emails, b.emails)


def compare_screen_name(a: PartyFeatures, b: PartyFeatures) -> int | None:
    return _shared(a.screen_names, b.screen_names)


def compare_plate(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not a.plates or not b.plates:
        return None
    if a.plates & b.plates or any(plate_matches(x, y) for x in a.plates for y in b.plates):
        return 0
    return 1


def _zip_close(x: str, y: str) -> bool:
    return x == y or Levenshtein.distance(x, y) == 1 or _transposed(x, y)


def _dwelling_close(x: str, y: str) -> bool:
    """One door keyed two ways: the same house number, the street spelt nearly alike once spaces are
    gone ("COLEBATCH PL" / "COLEBATCHPLACE"), the ZIP equal or one key off."""
    line_x, _, zip_x = x.rpartition("|")
    line_y, _, zip_y = y.rpartition("|")
    number_x, _, street_x = line_x.partition(" ")
    number_y, _, street_y = line_y.partition(" ")
    if not street_x or not street_y or number_x != number_y or not _zip_close(zip_x, zip_y):
        return False
    return fuzz.ratio(street_x.replace(" ", ""), street_y.replace(" ", "")) >= 85


def compare_address(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not (a.zips or a.cities) or not (b.zips or b.cities):
        return None
    if a.lines & b.lines:
        return 0
    if any(_dwelling_close(x, y) for x in a.lines for y in b.lines):
        return 1
    if a.zips & b.zips:
        return 2
    if a.cities & b.cities:
        return 3
    return 4


def compare_sex(a: PartyFeatures, b: PartyFeatures) -> int | None:
    if not a.sex or not b.sex:
        return None
    return 0 if a.sex == b.sex else 1


_GENERATION = {"JR": "JR", "SR": "SR", "II": "II", "III": "III", "IV": "IV", "2ND": "II", "3RD": "III"}


def compare_generation(a: PartyFeatures, b: PartyFeatures) -> int | None:
    """Jr. and Sr. at one address with one name are two men, not one."""
    x = {_GENERATION.get(n.suffix.replace(".", ""), n.suffix) for n in a.names if n.suffix}
    y = {_GENERATION.get(n.suffix.replace(".", ""), n.suffix) for n in b.names if n.suffix}
    if not x or not y:
        return None
    return 0 if x & y else 1


def compare_registrant(a: PartyFeatures, b: PartyFeatures) -> int | None:
    # Different registrant ids are normal (one per state), so only agreement is evidence.
    if a.registrant_ids and b.registrant_ids and a.registrant_ids & b.registrant_ids:
        return 0
    return None


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "name",
        (
            "exact",
            "same_surname_close_given",
            "swapped",
            "both_close",
            "given_only",
            "surname_only",
            "different",
        ),
        compare_name,
    ),
    Comparison(
        "dob",
        (
            "exact",
            "day_month_swapped",
            "one_digit",
            "partial_agrees",
            "same_year",
            "different",
            "decade_apart",
        ),
        compare_dob,
    ),
    Comparison("ssn", ("exact", "one_digit", "different"), compare_ssn),
    Comparison("phone", ("shared", "different"), compare_phone),
    Comparison("email", ("shared", "different"), compare_email),
    Comparison("address", ("same_line", "close_line", "same_zip", "same_city", "different"), compare_address),
    Comparison("screen_name", ("shared", "different"), compare_screen_name),
    Comparison("plate", ("shared", "different"), compare_plate),
    Comparison("sex", ("same", "different"), compare_sex),
    Comparison("generation", ("same", "conflict"), compare_generation),
    Comparison("registrant_id", ("same", "never"), compare_registrant),
)


_DOB = next(i for i, c in enumerate(COMPARISONS) if c.name == "dob")
_SSN = next(i for i, c in enumerate(COMPARISONS) if c.name == "ssn")
_DOB_DIFFERENT = COMPARISONS[_DOB].levels.index("different")
_DOB_DECADE = COMPARISONS[_DOB].levels.index("decade_apart")


def gamma(a: PartyFeatures, b: PartyFeatures) -> list[int]:
    """Level per comparison, -1 for no information."""
    out = []
    for comparison in COMPARISONS:
        level = comparison.compare(a, b)
        out.append(-1 if level is None else level)
    if out[_SSN] == 0 and out[_DOB] == _DOB_DECADE:
        # "A generation apart" is strong evidence of father and son only because they share everything
        # else; they never share an SSN, so beside the same SSN the DOB is merely wrong.
        out[_DOB] = _DOB_DIFFERENT
    return out
