"""Telephone numbers: E.164 normalization and offline area description."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from vigil.normalize._text import CACHE_SIZE


@lru_cache(maxsize=CACHE_SIZE)
def normalize_phone(value: str, region: str = "US") -> str:
    """Return the E.164 form ("+15125550147"); extensions are dropped.

    Uses "possible" (right length for the country) rather than "valid": the
    555 numbers of synthetic data are not assigned, and a real record may hold
    a number from a range allocated after this phonenumbers release. A number
    dialable only locally (7 digits, no area code) is rejected: it cannot be
    matched across areas.
    """
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {value!r} ({exc})") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        why = {
            phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
            phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "no area code",
        }.get(reason, "wrong length")
        raise ValueError(f"impossible phone number: {value!r} ({why})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=CACHE_SIZE)
def phone_area_location(e164: str) -> str | None:
    """Where the number's area code is ("Texas", "New York, NY"), from offline data."""
    # Imported here: the geocoder data takes ~0.3 s to import and most runs never need it.
    from phonenumbers import geocoder

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return geocoder.description_for_number(number, "en") or None
