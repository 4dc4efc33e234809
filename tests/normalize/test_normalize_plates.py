import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.normalize.plates import Plate, normalize_plate, plate_matches


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc 1234", Plate("ABC1234", False, "ABC1234")),
        ("ABC-1234", Plate("ABC1234", False, "ABC1234")),
        ("7K?2", Plate("7K?2", True, "7K_2")),
        ("7k*", Plate("7K*", True, "7K%")),
        ("*K 7**2", Plate("*K7*2", True, "%K7%2")),
        ("7K_2", Plate("7K?2", True, "7K_2")),
        ("7K%", Plate("7K*", True, "7K%")),
    ],
)
def test_normalize_plate(value: str, expected: Plate):
    assert normalize_plate(value) == expected


@pytest.mark.parametrize("value", ["", "   ", "-", "???", "*"])
def test_plate_without_known_characters_is_rejected(value: str):
    with pytest.raises(ValueError):
        normalize_plate(value)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("ABC1234", "abc 1234", True),
        ("ABC1234", "ABC1235", False),
        ("7K?2", "7KX2", True),
        ("7K?2", "7KXX2", False),
        ("7K*", "7K", True),
        ("7K*", "7KABC", True),
        ("7K*", "8K", False),
        ("*123", "ABC123", True),
        ("*123", "ABC124", False),
        ("A*B?D", "AXXBCD", True),
        # wildcards on both sides: some plate fits both
        ("7K?2", "7*2", True),
        ("7K?2", "?K?2", True),
        ("7K?2", "8*", False),
        ("A*", "*Z", True),
        ("A?", "*ZZ", False),
        ("AB*", "AC*", False),
        # unusable input matches nothing
        ("", "ABC", False),
    ],
)
def test_plate_matches(a: str, b: str, expected: bool):
    assert plate_matches(a, b) is expected
    assert plate_matches(b, a) is expected


def test_like_pattern_agrees_with_plate_matches():
    pattern = normalize_plate("7K?2*")
    regex = re.compile(pattern.like.replace("_", ".").replace("%", ".*"))
    for plate in ["7KA2", "7KA2ZZ", "7K2", "8KA2"]:
        assert bool(regex.fullmatch(plate)) is plate_matches(pattern.value, plate)


_plate = st.text(alphabet="AB12?*", min_size=1, max_size=6).filter(lambda s: any(c.isalnum() for c in s))
_concrete = st.text(alphabet="AB12", min_size=1, max_size=8)


@given(_plate, _concrete)
def test_pattern_vs_concrete_plate_agrees_with_regex(pattern: str, plate: str):
    regex = "".join("." if c == "?" else ".*" if c == "*" else c for c in pattern)
    assert plate_matches(pattern, plate) is bool(re.fullmatch(regex, plate))
