import random

import pytest
from faker import Faker
from nameparser import HumanName

from vigil.normalize._text import fold_ascii
from vigil.normalize.names import (
    NormalizedName,
    _plain_split,
    nickname_variants,
    parse_name,
    phonetic_key,
    surname_parts,
)


@pytest.mark.parametrize(
    ("value", "first", "middle", "last", "suffix"),
    [
        ("Smith, John A Jr", "JOHN", "A", "SMITH", "JR"),
        ("John A. Smith Jr.", "JOHN", "A", "SMITH", "JR"),
        ("JOHNSON JR, ROBERT L", "ROBERT", "L", "JOHNSON", "JR"),
        ("José Núñez", "JOSE", "", "NUNEZ", ""),
        ("Mary Smith-Jones", "MARY", "", "SMITH-JONES", ""),
        ("Mary Smith - Jones", "MARY", "", "SMITH-JONES", ""),
        ("Patrick O'Brien", "PATRICK", "", "OBRIEN", ""),
        ("de la Cruz, Maria", "MARIA", "", "DE LA CRUZ", ""),
        ("Dr. William H. Gates III", "WILLIAM", "H", "GATES", "III"),
        ("  john   smith  ", "JOHN", "", "SMITH", ""),
        ("Søren Łukasz Ødegård", "SOREN", "LUKASZ", "ODEGARD", ""),
    ],
)
def test_parse_text_names(value: str, first: str, middle: str, last: str, suffix: str):
    n = parse_name(value)
    assert (n.first, n.middle, n.last, n.suffix) == (first, middle, last, suffix)
    assert n.kind == "primary"


def test_full_joins_present_parts_with_single_spaces():
    assert parse_name("Smith, John A Jr").full == "JOHN A SMITH JR"
    assert parse_name({"first": "john", "last": "smith"}).full == "JOHN SMITH"
    assert parse_name({"last": "Smith"}).full == "SMITH"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"first": "Bill", "middle": "", "last": "Smith-Jones", "suffix": "jr.", "kind": "alias"},
            ("BILL", "", "SMITH-JONES", "JR", "alias"),
        ),
        ({"first": "José", "last": "Núñez"}, ("JOSE", "", "NUNEZ", "", "primary")),
        ({"first": "Jean-Paul", "last": "Sartre", "kind": None}, ("JEAN PAUL", "", "SARTRE", "", "primary")),
        ({"first": None, "middle": None, "last": "Doe", "suffix": None}, ("", "", "DOE", "", "primary")),
        (
            {"first": "Ann", "last": "Lee", "suffix": "3rd", "kind": "MAIDEN"},
            ("ANN", "", "LEE", "III", "maiden"),
        ),
        ({"first": "Big", "last": "D", "kind": "moniker"}, ("BIG", "", "D", "", "moniker")),
    ],
)
def test_parse_dict_names(value: dict, expected: tuple):
    n = parse_name(value)
    assert (n.first, n.middle, n.last, n.suffix, n.kind) == expected


def test_dict_kind_overrides_argument_and_missing_kind_is_primary():
    assert parse_name({"first": "A", "last": "B", "kind": "alias"}, kind="maiden").kind == "alias"
    assert parse_name({"first": "A", "last": "B"}, kind="maiden").kind == "primary"
    assert parse_name("A B", kind="maiden").kind == "maiden"


@pytest.mark.parametrize(
    "value", ["", "   ", "...", {"middle": "A"}, {"first": "", "last": ""}, {"suffix": "Jr"}]
)
def test_name_without_first_or_last_is_rejected(value: str | dict):
    with pytest.raises(ValueError):
        parse_name(value)


def test_single_word_name_is_accepted():
    assert parse_name("Madonna").first == "MADONNA"


def test_result_is_frozen():
    n = parse_name("John Smith")
    assert isinstance(n, NormalizedName)
    with pytest.raises(AttributeError):
        n.first = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SMITH", "SMITH"),
        ("JOHNSON", "JONSON"),
        ("CATHERINE", "KATHERINE"),
        ("MACDONALD", "MCDONALD"),
        ("Núñez", "NUNEZ"),
        ("O'BRIEN", "OBRIEN"),
        ("SMITH-JONES", "SMITH JONES"),
    ],
)
def test_phonetic_key_equal_for_variants(a: str, b: str):
    assert phonetic_key(a) == phonetic_key(b) != ""


@pytest.mark.parametrize(("a", "b"), [("SMITH", "JONES"), ("GARCIA", "MILLER"), ("ANDERSON", "WILSON")])
def test_phonetic_key_differs_for_different_names(a: str, b: str):
    assert phonetic_key(a) != phonetic_key(b)


def test_phonetic_key_of_nothing_is_empty():
    assert phonetic_key("") == ""
    assert phonetic_key("-- '") == ""


def test_name_keys_are_phonetic_keys_of_parts():
    n = parse_name({"first": "Katherine", "last": "Johnson"})
    assert n.first_key == phonetic_key("KATHERINE")
    assert n.last_key == phonetic_key("JOHNSON")
    assert n.first_key == parse_name({"first": "Catherine", "last": "Jonson"}).first_key


@pytest.mark.parametrize(
    "group",
    [
        ["BILL", "WILLIAM", "WILL", "LIAM", "WILLIE"],
        ["BOB", "ROBERT", "ROB", "BOBBY"],
        ["JIM", "JAMES", "JIMMY"],
        ["MIKE", "MICHAEL"],
        ["PEGGY", "MARGARET", "MAGGIE"],
        ["DICK", "RICHARD", "RICK"],
        ["KATE", "KATHERINE", "KATHY"],
        ["BETH", "ELIZABETH", "LIZ", "BETTY"],
        ["TONY", "ANTHONY"],
        ["TED", "EDWARD", "ED", "EDDIE"],
        ["JACK", "JOHN", "JOHNNY"],
        ["CHUCK", "CHARLES", "CHARLIE"],
    ],
)
def test_nickname_group_key_is_shared(group: list[str]):
    keys = {parse_name({"first": first, "last": "Doe"}).first_group for first in group}
    assert len(keys) == 1, keys
    for first in group:
        assert set(group) <= nickname_variants(first) | {first}


@pytest.mark.parametrize(("a", "b"), [("WILLIAM", "ROBERT"), ("JOHN", "JAMES"), ("RICHARD", "ROBERT")])
def test_different_names_have_different_group_keys(a: str, b: str):
    assert (
        parse_name({"first": a, "last": "X"}).first_group != parse_name({"first": b, "last": "X"}).first_group
    )


def test_name_in_no_group_is_its_own_group():
    assert parse_name({"first": "Zzyzx", "last": "Doe"}).first_group == "ZZYZX"
    assert nickname_variants("zzyzx") == frozenset({"ZZYZX"})
    assert parse_name({"last": "Doe"}).first_group == ""


def test_nickname_variants_are_upper_case_and_include_the_name():
    variants = nickname_variants("bill")
    assert {"BILL", "WILLIAM", "WILL", "LIAM"} <= variants
    assert all(v == v.upper() for v in variants)
    assert "ROBERT" not in variants
    assert nickname_variants("") == frozenset()


def test_ambiguous_nickname_reaches_every_reading():
    assert {"SAMUEL", "SAMANTHA"} <= nickname_variants("Sam")


@pytest.mark.parametrize(
    ("last", "parts"),
    [
        ("SMITH-JONES", ("SMITH", "JONES")),
        ("Smith - Jones", ("SMITH", "JONES")),
        ("GARCIA LOPEZ", ("GARCIA", "LOPEZ")),
        ("GARCIA Y LOPEZ", ("GARCIA", "LOPEZ")),
        ("DE LA CRUZ", ("DE LA CRUZ",)),
        ("VAN DER BERG", ("VAN DER BERG",)),
        ("SMITH-DE LA CRUZ", ("SMITH", "DE LA CRUZ")),
        ("SMITH", ("SMITH",)),
        ("", ()),
    ],
)
def test_surname_parts(last: str, parts: tuple[str, ...]):
    assert surname_parts(last) == parts


def _name_corpus() -> list[str]:
    rng = random.Random(7)
    fakers = [Faker(locale) for locale in ("en_US", "es_MX", "en_GB", "fr_FR")]
    for fake in fakers:
        fake.seed_instance(7)
    names = []
    for _ in range(2500):
        fake = rng.choice(fakers)
        middle = [
            rng.choice([fake.first_name(), rng.choice("ABCDFGHJKLMNOPQRSTUWZ") + rng.choice(["", "."])])
        ]
        given = [fake.first_name(), *middle[: rng.randint(0, 1)]]
        family = [fake.last_name(), *([fake.last_name()] if rng.random() < 0.2 else [])]
        text = f"{' '.join(family)}, {' '.join(given)}" if rng.random() < 0.4 else " ".join(given + family)
        names.append(fold_ascii(text))
    tricky = ["Patrick O'Brien", "Kim N'Dour", "Maria D'Angelo", "Abdul Salam Smith", "Judge Judy Smith"]
    return [*names, *tricky]


def test_plain_name_fast_path_agrees_with_nameparser():
    # The fast path must only save time, never change a result.
    answered, disagreements = 0, []
    for text in _name_corpus():
        plain = _plain_split(text)
        if plain is None:
            continue
        answered += 1
        human = HumanName(text)
        if plain != (human.first, human.middle, human.last) or human.title or human.suffix:
            disagreements.append((text, plain, str(human)))
    assert disagreements == []
    assert answered > 2000


@pytest.mark.parametrize(
    "text",
    [
        "Dr John Smith",
        "John Smith Jr",
        "John Smith III",
        "Juan de la Cruz",
        "Abdul Salam Smith",
        "J Smith, Esq",
        "Madonna",
    ],
)
def test_plain_name_fast_path_declines_what_nameparser_must_decide(text: str):
    assert _plain_split(text) is None
