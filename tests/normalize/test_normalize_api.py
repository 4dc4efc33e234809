import dataclasses

import vigil.normalize as normalize


def test_public_names_are_exported():
    expected = {
        "PartialDate", "parse_date", "parse_timestamp", "day_month_swapped",
        "NormalizedName", "parse_name", "nickname_variants", "phonetic_key", "surname_parts",
        "SSN", "normalize_ssn", "mask_ssn",
        "normalize_phone", "phone_area_location",
        "normalize_email", "email_domain",
        "normalize_screen_name", "parse_screen_name",
        "Plate", "normalize_plate", "plate_matches",
        "NormalizedAddress", "normalize_address",
        "GeoPoint", "Geocoder", "ZipCentroidGeocoder", "get_geocoder", "haversine_miles", "zip_info",
        "all_zip_records",
    }  # fmt: skip
    assert expected <= set(normalize.__all__)
    assert all(hasattr(normalize, name) for name in normalize.__all__)


def test_record_types_are_frozen_slotted_dataclasses():
    for cls in (
        normalize.PartialDate,
        normalize.NormalizedName,
        normalize.SSN,
        normalize.Plate,
        normalize.NormalizedAddress,
        normalize.GeoPoint,
    ):
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert "__slots__" in cls.__dict__


def test_field_order_matches_contract():
    fields = {cls.__name__: [f.name for f in dataclasses.fields(cls)] for cls in (
        normalize.PartialDate, normalize.NormalizedName, normalize.SSN, normalize.Plate,
        normalize.NormalizedAddress, normalize.GeoPoint,
    )}  # fmt: skip
    assert fields == {
        "PartialDate": ["year", "month", "day"],
        "NormalizedName": ["first", "middle", "last", "suffix", "kind", "full", "first_key", "last_key",
                           "first_group"],
        "SSN": ["digits", "not_issued", "reason"],
        "Plate": ["value", "partial", "like"],
        "NormalizedAddress": ["line1", "line2", "city", "state", "zip5", "country", "std_line"],
        "GeoPoint": ["lat", "lon", "precision"],
    }  # fmt: skip
