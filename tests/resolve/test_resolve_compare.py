"""Comparison levels, table-driven: each kind of noise lands on the level meant for it."""

from __future__ import annotations

import pytest

from vigil.normalize.names import parse_name
from vigil.resolve.blocking import blocking_keys
from vigil.resolve.compare import (
    COMPARISONS,
    compare_address,
    compare_dob,
    compare_generation,
    compare_name,
    compare_ssn,
    gamma,
)
from vigil.resolve.features import PartyFeatures, address_key, name_f


def party(
    *names: str,
    dob: str | None = None,
    ssn: str | None = None,
    zips: tuple[str, ...] = (),
    lines: tuple[str, ...] = (),
) -> PartyFeatures:
    p = PartyFeatures(key=(0, 0), ref="t/1", source="t", type="person", role="subject", dob=dob)
    for text in names:
        n = parse_name(text)
        p.names.append(name_f(n.first, n.middle, n.last, n.suffix, n.first_group, n.first_key, n.last_key))
    if ssn:
        p.ssns.add(ssn)
    p.zips.update(zips)
    p.lines.update(lines)
    return p


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("William Testperson", "William Testperson", "exact"),
        ("William Testperson", "Bill Testperson", "same_surname_close_given"),
        ("W Testperson", "William Testperson", "same_surname_close_given"),
        ("William Testperson", "Testperson William", "swapped"),
        ("William Testperson", "Wiliam Tesstperson", "both_close"),
        ("Maria Lopez-Sample", "Maria Sample", "both_close"),
        ("Maria Lopez", "Maria Sample", "given_only"),
        ("William Testperson", "Zed Testperson", "surname_only"),
        ("William Testperson", "Zed Other", "different"),
    ],
)
def test_name_levels(a: str, b: str, level: str) -> None:
    from vigil.resolve.compare import COMPARISONS

    levels = COMPARISONS[0].levels
    assert levels[compare_name(party(a), party(b))] == level  # type: ignore[index]


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1979-04-12", "1979-04-12", 0),
        ("1979-04-12", "1979-12-04", 1),  # day and month swapped
        ("1979-04-12", "1979-04-13", 2),  # one digit
        ("1979-04-12", "1979-04-21", 2),  # adjacent digits transposed
        ("1979-04", "1979-04-12", 3),  # partial date agrees as far as it goes
        ("1979-04-12", "1979-09-30", 4),
        ("1979-04-12", "1975-09-30", 5),
        ("1979-04-12", "1955-09-30", 6),  # a generation apart
        (None, "1979-04-12", None),
    ],
)
def test_dob_levels(a: str | None, b: str, level: int | None) -> None:
    assert compare_dob(party("A B", dob=a), party("A B", dob=b)) == level


def test_ssn_levels() -> None:
    assert compare_ssn(party("A B", ssn="912345678"), party("A B", ssn="912345678")) == 0
    assert compare_ssn(party("A B", ssn="912345678"), party("A B", ssn="912345679")) == 1
    assert compare_ssn(party("A B", ssn="912345678"), party("A B", ssn="912345687")) == 1
    assert compare_ssn(party("A B", ssn="912345678"), party("A B", ssn="987654321")) == 2
    assert compare_ssn(party("A B"), party("A B", ssn="912345678")) is None


def test_generation_and_address() -> None:
    assert compare_generation(party("John Sample Jr"), party("John Sample Sr")) == 1
    assert compare_generation(party("John Sample Jr."), party("John Sample Jr")) == 0
    assert compare_generation(party("John Sample"), party("John Sample Sr")) is None


ADDRESS_LEVELS = next(c for c in COMPARISONS if c.name == "address").levels


@pytest.mark.parametrize(
    ("line", "zip5", "level"),
    [
        ("88 ELM ST", "74103", "same_line"),
        ("88 ELMST", "74103", "close_line"),  # spaces lost in keying
        ("88 ELM ST", "74130", "close_line"),  # ZIP digits transposed
        ("88 ELMS ST", "74108", "close_line"),  # one letter, one ZIP digit
        ("89 ELM ST", "74103", "same_zip"),  # the house next door
        ("88 OAK AVE", "74103", "same_zip"),  # same number, another street
        ("88 ELM ST", "74199", "different"),
    ],
)
def test_address_levels(line: str, zip5: str, level: str) -> None:
    a = party("A B", zips=("74103",), lines=(address_key("88 ELM ST", "74103"),))
    b = party("A B", zips=(zip5,), lines=(address_key(line, zip5),))
    assert ADDRESS_LEVELS[compare_address(a, b)] == level


def test_same_ssn_turns_a_generation_gap_into_a_wrong_dob() -> None:
    dob = next(i for i, c in enumerate(COMPARISONS) if c.name == "dob")
    levels = COMPARISONS[dob].levels
    father = party("John Sample", dob="1950-03-02", ssn="912345678")
    son = party("John Sample", dob="1979-03-02", ssn="987654321")
    assert levels[gamma(father, son)[dob]] == "decade_apart"
    same_ssn = party("John Sample", dob="1979-03-02", ssn="912345678")
    assert levels[gamma(father, same_ssn)[dob]] == "different"


def test_blocking_keys_survive_transposed_ssn_missing_given_name_and_garbled_names() -> None:
    a = party(
        "Harrison Capurso", ssn="904086030", zips=("06233",), lines=(address_key("7 ERLDUNDA CIR", "06233"),)
    )
    transposed = party("Zed Qx", ssn="904086300")
    assert blocking_keys(a) & blocking_keys(transposed)
    surname_only = party(zips=("06233",))
    surname_only.names.append(name_f("", "", "CAPURSO", "", "", "", a.names[0].last_key))
    assert blocking_keys(a) & blocking_keys(surname_only)
    same_door = party("Ruby Zyx", zips=("06233",), lines=(address_key("7 ERLDUNDA CIR", "06233"),))
    assert blocking_keys(a) & blocking_keys(same_door)
    stranger = party("Zed Qx", ssn="907777777", zips=("06299",))
    assert not blocking_keys(a) & blocking_keys(stranger)
