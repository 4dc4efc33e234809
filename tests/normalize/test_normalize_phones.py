import pytest

from vigil.normalize.phones import normalize_phone, phone_area_location


@pytest.mark.parametrize(
    "value",
    [
        "(512) 555-0147",
        "512.555.0147",
        "+1 512 555 0147",
        "5125550147",
        "1-512-555-0147 ext 3",
        "512-555-0147 x3",
        "+15125550147",
        " 1 (512) 555 0147 ",
    ],
)
def test_us_formats_give_e164(value: str):
    assert normalize_phone(value) == "+15125550147"


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("1-800-FLOWERS", "US", "+18003569377"),
    ],
)
def test_other_regions_and_vanity_numbers(value: str, region: str, expected: str):
    assert normalize_phone(value, region) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "hello",
        "12",
        "555-0147",  # no area code: cannot be matched across areas
        "512555014",  # 9 digits
        "51255501477",  # 11 digits without the country code 1
        "+999 123 456",  # no such country code
    ],
)
def test_impossible_numbers_are_rejected(value: str):
    with pytest.raises(ValueError):
        normalize_phone(value)


@pytest.mark.parametrize(
    ("e164", "expected"),
    [("+15125550147", "Texas"), ("+12125550147", "New York, NY")],
)
def test_phone_area_location(e164: str, expected: str):
    assert phone_area_location(e164) == expected


@pytest.mark.parametrize("e164", ["+18005550147", "not a number", ""])
def test_phone_area_location_unknown_is_none(e164: str):
    assert phone_area_location(e164) is None
