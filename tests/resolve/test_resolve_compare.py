"""Comparison levels, table-driven: each kind of noise lands on the level meant for it."""

from __future__ import annotations

import pytest

from vigil.normalize.names import parse_name
from vigil.resolve.compare import (
    compare_address,
    compare_dob,
    compare_generation,
    compare_name,
    compare_ssn,
)
from vigil.resolve.features import PartyFeatures, name_f


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
    a = party("A B", zips=("74103",), lines=("88 ELM ST, TULSA, OK 74103",))
    assert compare_address(a, party("A B", zips=("74103",), lines=("88 ELM ST, TULSA, OK 74103",))) == 0
    assert compare_address(a, party("A B", zips=("74103",), lines=("5 OAK ST, TULSA, OK 74103",))) == 1
