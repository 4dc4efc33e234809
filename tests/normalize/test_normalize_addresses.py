import random

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.normalize import addresses
from vigil.normalize._address_fast import fast_street, split_formatted
from vigil.normalize.addresses import NormalizedAddress, _clean_only, normalize_address


@pytest.mark.parametrize(
    ("text", "line1", "line2", "city", "state", "zip5"),
    [
        ("123 North Main Street Apartment 4", "123 N MAIN ST", "APT 4", "", "", ""),
        (
            "123 North Main Street Apartment 4, Austin, TX 78701",
            "123 N MAIN ST",
            "APT 4",
            "AUSTIN",
            "TX",
            "78701",
        ),
        (
            "4500 Northeast Sandy Boulevard Suite 200 Portland Oregon 97213",
            "4500 NE SANDY BLVD",
            "STE 200",
            "PORTLAND",
            "OR",
            "97213",
        ),
        (
            "1600 Pennsylvania Ave. N.W., Washington, DC 20500-0003",
            "1600 PENNSYLVANIA AVE NW",
            "",
            "WASHINGTON",
            "DC",
            "20500",
        ),
        ("P.O. Box 55, Austin, Texas 78701", "PO BOX 55", "", "AUSTIN", "TX", "78701"),
        ("Rural Route 2 Box 17 Smallville KS 66002", "RR 2 BOX 17", "", "SMALLVILLE", "KS", "66002"),
        (
            "9 Old County Rd #12, West Warwick, RI 02893",
            "9 OLD COUNTY RD",
            "# 12",
            "WEST WARWICK",
            "RI",
            "02893",
        ),
        ("500 Elm St Apt #4", "500 ELM ST", "APT 4", "", "", ""),
        ("12 Elm Street Unit 4B Springfield IL 62704", "12 ELM ST", "UNIT 4B", "SPRINGFIELD", "IL", "62704"),
        ("77 Lake Shore Drive, Chicago, IL", "77 LAKE SHORE DR", "", "CHICAGO", "IL", ""),
        ("Calle José Martí 5, San Juan, PR 00901", "CALLE JOSE MARTI 5", "", "SAN JUAN", "PR", "00901"),
    ],
)
def test_one_line_addresses(text: str, line1: str, line2: str, city: str, state: str, zip5: str):
    a = normalize_address(text)
    assert (a.line1, a.line2, a.city, a.state, a.zip5, a.country) == (line1, line2, city, state, zip5, "US")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "line1": "123 North Main Street Apartment 4",
                "city": "Austin",
                "state": "Texas",
                "zip": "78701-1234",
            },
            NormalizedAddress(
                "123 N MAIN ST",
                "APT 4",
                "AUSTIN",
                "TX",
                "78701",
                "US",
                "123 N MAIN ST, APT 4, AUSTIN, TX 78701",
            ),
        ),
        (
            {"line1": "123 Main St", "line2": "Apt. #4", "city": "austin", "state": "tx", "zip": 78701},
            NormalizedAddress(
                "123 MAIN ST", "APT 4", "AUSTIN", "TX", "78701", "US", "123 MAIN ST, APT 4, AUSTIN, TX 78701"
            ),
        ),
        (
            {
                "line1": "123 Main St Apt 4",
                "line2": "Apartment 4",
                "city": "Boston",
                "state": "MA",
                "zip": 2134,
            },
            NormalizedAddress(
                "123 MAIN ST", "APT 4", "BOSTON", "MA", "02134", "US", "123 MAIN ST, APT 4, BOSTON, MA 02134"
            ),
        ),
        (
            {"line1": "123 Main St Austin TX 78701"},
            NormalizedAddress(
                "123 MAIN ST", "", "AUSTIN", "TX", "78701", "US", "123 MAIN ST, AUSTIN, TX 78701"
            ),
        ),
        (
            {"city": "Austin", "state": "TX", "lat": 30.1, "lon": -97.7, "kind": "incident"},
            NormalizedAddress("", "", "AUSTIN", "TX", "", "US", "AUSTIN, TX"),
        ),
        (
            {"line1": "1 Main St", "city": "Springfield", "state": "Narnia", "zip": "abc"},
            NormalizedAddress(
                "1 MAIN ST", "", "SPRINGFIELD", "NARNIA", "", "US", "1 MAIN ST, SPRINGFIELD, NARNIA"
            ),
        ),
        (
            {"line1": "10 Downing Street", "city": "London", "country": "United Kingdom"},
            NormalizedAddress(
                "10 DOWNING ST",
                "",
                "LONDON",
                "",
                "",
                "UNITED KINGDOM",
                "10 DOWNING ST, LONDON, UNITED KINGDOM",
            ),
        ),
        (
            {"line1": "1 Main St", "line2": "c/o Jane Doe", "city": "Waco", "state": "TX", "country": "USA"},
            NormalizedAddress(
                "1 MAIN ST", "C/O JANE DOE", "WACO", "TX", "", "US", "1 MAIN ST, C/O JANE DOE, WACO, TX"
            ),
        ),
        ({}, NormalizedAddress("", "", "", "", "", "US", "")),
        ({"line1": None, "zip": None}, NormalizedAddress("", "", "", "", "", "US", "")),
    ],
)
def test_dict_addresses(value: dict, expected: NormalizedAddress):
    assert normalize_address(value) == expected


@pytest.mark.parametrize(
    ("word", "abbreviation"),
    [
        ("Street", "ST"),
        ("Avenue", "AVE"),
        ("Boulevard", "BLVD"),
        ("Road", "RD"),
        ("Lane", "LN"),
        ("Court", "CT"),
        ("Circle", "CIR"),
        ("Parkway", "PKWY"),
        ("Highway", "HWY"),
        ("Terrace", "TER"),
        ("Place", "PL"),
        ("Trail", "TRL"),
        ("Strt", "ST"),
        ("Av", "AVE"),
    ],
)
def test_street_suffixes_are_abbreviated(word: str, abbreviation: str):
    assert normalize_address(f"42 Oak {word}").line1 == f"42 OAK {abbreviation}"


@pytest.mark.parametrize(
    ("direction", "abbreviation"),
    [("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"), ("Northeast", "NE"), ("Southwest", "SW")],
)
def test_directionals_are_abbreviated(direction: str, abbreviation: str):
    assert normalize_address(f"42 {direction} Oak Street").line1 == f"42 {abbreviation} OAK ST"


@pytest.mark.parametrize(
    ("unit", "line2"),
    [
        ("Apartment 4", "APT 4"),
        ("Suite 200", "STE 200"),
        ("Room 12", "RM 12"),
        ("Floor 3", "FL 3"),
        ("Unit 4B", "UNIT 4B"),
        ("Lot 14", "LOT 14"),
        ("Building 5", "BLDG 5"),
    ],
)
def test_unit_designators_move_to_line2(unit: str, line2: str):
    a = normalize_address(f"500 West Stassney Lane {unit}, Austin, TX 78745")
    assert (a.line1, a.line2) == ("500 W STASSNEY LN", line2)


def test_spellings_of_one_address_share_std_line():
    variants = [
        "123 North Main Street Apartment 4, Austin, Texas 78701",
        "123 N. Main St. Apt. 4, Austin, TX 78701-0001",
        {"line1": "123 n main st", "line2": "apt 4", "city": "AUSTIN", "state": "tx", "zip": "78701"},
        {
            "line1": "123 North Main Street",
            "line2": "Apartment 4",
            "city": "Austin",
            "state": "Texas",
            "zip": 78701,
        },
    ]
    assert {normalize_address(v).std_line for v in variants} == {"123 N MAIN ST, APT 4, AUSTIN, TX 78701"}


def test_std_line_leaves_out_empty_parts():
    assert normalize_address({"line1": "1 Main St", "zip": "78701"}).std_line == "1 MAIN ST, 78701"
    assert normalize_address({"state": "TX"}).std_line == "TX"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        ",,,",
        "???",
        "####",
        "Corner of Elm and Oak",
        "Main & 5th",
        "#" * 500,
        "123 Main St Apt 4 Apt 5",
    ],
)
def test_odd_input_never_raises(text: str):
    a = normalize_address(text)
    assert isinstance(a, NormalizedAddress)
    assert a.std_line == a.std_line.upper()


def test_description_only_line_is_kept():
    # usaddress tags this whole line as a "recipient"; it is still the only place description.
    assert normalize_address("Corner of Elm and Oak").line1 == "CORNER OF ELM AND OAK"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123 Main St, Austin, TX 78701", ("123 MAIN ST", "AUSTIN", "TX", "78701")),
        ("123 Main St, Austin TX 78701-1234", ("123 MAIN ST", "AUSTIN", "TX", "78701")),
        ("somewhere odd", ("SOMEWHERE ODD", "", "", "")),
    ],
)
def test_fallback_cleaning_without_tagger(text: str, expected: tuple[str, str, str, str]):
    a = _clean_only(text)
    assert (a.line1, a.city, a.state, a.zip5) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(text: str):
    a = normalize_address(text)
    assert a.country == "US"
    assert a.std_line.isascii()


def _street_corpus() -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(2024)
    rng = random.Random(2024)
    lines = [fake.street_address() for _ in range(1500)]
    pre = ["North ", "S ", "E. ", "Northwest ", ""]
    post = ["", " NW", " East", " S"]
    units = [" Apt 4", " Apartment 12B", " Suite 200", " Unit C", " # 7", " #12", " Lot 3", " Room 5", ""]
    for _ in range(1500):
        number, name, suffix = rng.randint(1, 99999), fake.last_name(), fake.street_suffix()
        lines.append(f"{number} {rng.choice(pre)}{name} {suffix}{rng.choice(post)}{rng.choice(units)}")
    return lines


def test_fast_path_agrees_with_the_tagger():
    # The fast path must only save time, never change a result.
    answered, disagreements = 0, []
    for line in _street_corpus():
        fast = fast_street(addresses._clean(line))
        if fast is None:
            continue
        answered += 1
        tagged = addresses._tag_line(line)
        assert tagged is not None
        if fast != (tagged.line1, tagged.line2) or tagged.city or tagged.state or tagged.zip:
            disagreements.append((line, fast, tagged))
    assert disagreements == []
    assert answered > 2700  # and it answers for the bulk of ordinary lines


@pytest.mark.parametrize(
    "line",
    [
        "5000 Pine Street",  # PINE is itself a suffix word
        "22 Johnson Key # 7",  # KEY is a suffix and a unit designator
        "55 Avenue of the Americas",
        "PO Box 12",
        "12 Main",
        "Main St",
        "123 Main St Austin TX",
    ],
)
def test_fast_path_declines_ambiguous_lines(line: str):
    assert fast_street(addresses._clean(line)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123 MAIN ST, AUSTIN, TX 78701", ("123 MAIN ST", "AUSTIN", "TX", "78701")),
        ("123 MAIN ST, SAN JUAN, PUERTO RICO 00901-1234", ("123 MAIN ST", "SAN JUAN", "PR", "00901")),
        ("123 MAIN ST, AUSTIN, ZZ 78701", None),
        ("123 MAIN ST, AUSTIN TX 78701", None),
        ("123 MAIN ST, AUSTIN, TX", None),
    ],
)
def test_split_formatted(text: str, expected: tuple[str, str, str, str] | None):
    assert split_formatted(text) == expected
