"""Normalization of identifiers into the comparable forms Vigil matches on.

Every function is pure and offline. The string functions are cached
(functools.lru_cache, ~100k entries each) because source data repeats the
same names, addresses and numbers many times and some parsers are slow.
"""

from vigil.normalize.addresses import NormalizedAddress, normalize_address
from vigil.normalize.dates import PartialDate, day_month_swapped, parse_date, parse_timestamp
from vigil.normalize.emails import email_domain, normalize_email
from vigil.normalize.geocode import (
    Geocoder,
    GeoPoint,
    ZipCentroidGeocoder,
    all_zip_records,
    get_geocoder,
    haversine_miles,
    source_point,
    zip_info,
)
from vigil.normalize.names import NormalizedName, nickname_variants, parse_name, phonetic_key, surname_parts
from vigil.normalize.phones import normalize_phone, phone_area_location
from vigil.normalize.plates import Plate, normalize_plate, plate_matches
from vigil.normalize.screen_names import normalize_screen_name, parse_screen_name
from vigil.normalize.ssn import SSN, mask_ssn, normalize_ssn

__all__ = [
    "SSN",
    "GeoPoint",
    "Geocoder",
    "NormalizedAddress",
    "NormalizedName",
    "PartialDate",
    "Plate",
    "ZipCentroidGeocoder",
    "all_zip_records",
    "day_month_swapped",
    "email_domain",
    "get_geocoder",
    "haversine_miles",
    "mask_ssn",
    "nickname_variants",
    "normalize_address",
    "normalize_email",
    "normalize_phone",
    "normalize_plate",
    "normalize_screen_name",
    "normalize_ssn",
    "parse_date",
    "parse_name",
    "parse_screen_name",
    "parse_timestamp",
    "phone_area_location",
    "phonetic_key",
    "plate_matches",
    "source_point",
    "surname_parts",
    "zip_info",
]
