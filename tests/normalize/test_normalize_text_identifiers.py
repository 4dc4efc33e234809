"""Identifiers written in free text: phones, e-mails, @handles with their platform, URLs, IPs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.normalize.emails import normalize_email
from vigil.normalize.phones import normalize_phone
from vigil.normalize.text_identifiers import (
    extract_identifiers,
    find_zip_codes,
    normalize_ip,
    normalize_url,
    platform_key,
    profile_screen_name,
)


def found(text: str, **kw: str | None) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in extract_identifiers(text, **kw)]


@pytest.mark.parametrize(
    "written",
    ["(512) 555-0147", "512.555.0147", "+15125550147", "512-555-0147", "1-512-555-0147", "5125550147"],
)
def test_phones_in_every_common_format(written: str) -> None:
    assert found(f"He texted her from {written} twice.") == [("phone", "+15125550147")]


def test_numbers_that_are_not_phones() -> None:
    text = "Case 2026118123, SSN 912-34-5678, on 2026-09-01 at 10:30:45, report #5125550147, zip 78701."
    assert [k for k, _ in found(text)] == []


def test_emails_are_lower_cased_and_trailing_punctuation_dropped() -> None:
    assert found("Write to Bob.Smith@Example.NET. Or mailto:x_y@example.org!") == [
        ("email", "bob.smith@example.net"),
        ("email", "x_y@example.org"),
    ]


def test_handle_takes_the_platform_named_before_it_in_its_sentence() -> None:
    text = "The suspect asked the victim to add him on Kik as @XX_Dan. Then on X as @kyle.fan6392800."
    assert found(text) == [("screen_name", "kik/xx_dan"), ("screen_name", "x/kyle.fan6392800")]


def test_handle_with_platform_after_it_or_none() -> None:
    assert found("Message @lil_bob99 on snapchat.") == [("screen_name", "snapchat/lil_bob99")]
    # No platform in the sentence: the reporting ESP's platform, else "unknown".
    assert found("He goes by @ghost_1895719.", default_platform="tiktok") == [
        ("screen_name", "tiktok/ghost_1895719")
    ]
    assert found("He goes by @ghost_1895719.") == [("screen_name", "unknown/ghost_1895719")]
    # A platform named in the previous sentence does not count.
    assert found("She uses Kik. He goes by @ghost_1895719.") == [("screen_name", "unknown/ghost_1895719")]


def test_labelled_handles_without_at_sign() -> None:
    assert found("kik: xx_dan2, snapchat username is bobby") == [
        ("screen_name", "kik/xx_dan2"),
        ("screen_name", "snapchat/bobby"),
    ]
    # Prose after a platform name is not a handle.
    assert found("Kik: he said hi. Her instagram account was deleted.") == []


def test_urls_profiles_become_screen_names() -> None:
    text = (
        "See https://www.instagram.com/XX_Dan/ and tiktok.com/@lil_bob99 and https://t.me/dan_tg, "
        "a post x.com/dan99/status/1 and https://Example.com/ads/123?x=1#frag."
    )
    assert found(text) == [
        ("screen_name", "instagram/xx_dan"),
        ("screen_name", "tiktok/lil_bob99"),
        ("screen_name", "telegram/dan_tg"),
        ("screen_name", "x/dan99"),
        ("url", "example.com/ads/123?x=1"),
    ]


def test_non_profile_platform_urls_are_urls() -> None:
    assert profile_screen_name("https://www.instagram.com/p/Cx123/") is None
    assert profile_screen_name("https://www.facebook.com/profile.php?id=10001") == "facebook/10001"
    assert found("https://www.instagram.com/p/Cx123/") == [("url", "instagram.com/p/Cx123")]


def test_ips_v4_and_v6_canonical() -> None:
    text = "Uploads from 203.0.113.9 and 2001:0DB8:00e4::C576, not 10:30:45 or 1.2.3.4.5 or 999.1.1.1."
    assert found(text) == [("ip", "203.0.113.9"), ("ip", "2001:db8:e4::c576")]
    assert normalize_ip(" 2001:DB8:0:0::1 ") == "2001:db8::1"


def test_an_email_or_url_is_not_also_read_as_a_handle_or_phone() -> None:
    assert found("dan@example.net https://example.com/5125550147") == [
        ("email", "dan@example.net"),
        ("url", "example.com/5125550147"),
    ]


def test_each_identifier_once_in_text_order_with_positions() -> None:
    text = "call 918-555-0101 or (918) 555-0101, then @x_1 on kik"
    items = extract_identifiers(text)
    assert [(i.kind, i.value) for i in items] == [("phone", "+19185550101"), ("screen_name", "kik/x_1")]
    assert text[items[0].start : items[0].end] == "918-555-0101" == items[0].raw


def test_platform_keys_and_zip_codes_and_urls() -> None:
    assert (
        platform_key("Snapchat") == "snapchat"
        and platform_key("X") == "x"
        and platform_key("ExampleChat") is None
    )
    assert find_zip_codes("near Tulsa, OK 74103 and zip: 78701-1234; case 12345") == ["74103", "78701"]
    assert normalize_url("HTTPS://WWW.Example.com:443/a/") == "example.com/a"
    with pytest.raises(ValueError):
        normalize_url("http://localhost/")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_never_raises_and_values_are_normalized(text: str) -> None:
    for item in extract_identifiers(text):
        if item.kind == "phone":
            assert normalize_phone(item.value) == item.value
        elif item.kind == "email":
            assert normalize_email(item.value) == item.value
        elif item.kind == "ip":
            assert normalize_ip(item.value) == item.value
        elif item.kind == "screen_name":
            platform, _, handle = item.value.partition("/")
            assert platform and handle and item.value == item.value.lower()
