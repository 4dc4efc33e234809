import pytest

from vigil.normalize.ssn import SSN, mask_ssn, normalize_ssn


@pytest.mark.parametrize(
    ("value", "digits", "not_issued", "reason"),
    [
        ("123-45-6789", "123456789", False, ""),
        ("123 45 6789", "123456789", False, ""),
        ("123.45.6789", "123456789", False, ""),
        (" 123456789 ", "123456789", False, ""),
        ("000-12-3456", "000123456", True, "area 000 never issued"),
        ("666-12-3456", "666123456", True, "area 666 never issued"),
        ("900-12-3456", "900123456", True, "area 9xx never issued"),
        ("987-65-4321", "987654321", True, "area 9xx never issued"),
        ("123-00-4567", "123004567", True, "group 00"),
        ("123-45-0000", "123450000", True, "serial 0000"),
        ("000-00-0000", "000000000", True, "area 000 never issued; group 00; serial 0000"),
        ("078-05-1120", "078051120", True, "voided advertising number"),
        ("665-12-3456", "665123456", False, ""),
        ("899-99-9999", "899999999", False, ""),
    ],
)
def test_normalize_ssn(value: str, digits: str, not_issued: bool, reason: str):
    assert normalize_ssn(value) == SSN(digits=digits, not_issued=not_issued, reason=reason)


@pytest.mark.parametrize(
    "value", ["", "12345678", "1234567890", "123-45-678a", "abc-de-fghi", "123/45/6789", "１２３４５６７８９"]
)
def test_normalize_ssn_rejects_non_nine_digit_values(value: str):
    with pytest.raises(ValueError):
        normalize_ssn(value)


def test_demo_ssns_normalize_and_are_flagged():
    ssn = normalize_ssn("912-34-5678")
    assert ssn.digits == "912345678"
    assert ssn.not_issued


@pytest.mark.parametrize(
    ("digits", "masked"),
    [("123456789", "***-**-6789"), ("123-45-6789", "***-**-6789"), ("900000001", "***-**-0001")],
)
def test_mask_ssn(digits: str, masked: str):
    assert mask_ssn(digits) == masked


def test_mask_ssn_rejects_too_short():
    with pytest.raises(ValueError):
        mask_ssn("12")
