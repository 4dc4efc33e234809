import pytest

from vigil.normalize.emails import email_domain, normalize_email
from vigil.normalize.screen_names import normalize_screen_name, parse_screen_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("John.Doe@Example.COM", "john.doe@example.com"),
        ("  jd+tips@example.net ", "jd+tips@example.net"),
        ("mailto:someone@mail.example.org", "someone@mail.example.org"),
        ("a_b-c@sub-domain.example.co.uk", "a_b-c@sub-domain.example.co.uk"),
    ],
)
def test_normalize_email(value: str, expected: str):
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "john",
        "john@",
        "@example.com",
        "john@example",
        "john@@example.com",
        "john doe@example.com",
        "john@exa mple.com",
        "john@example..com",
        "john@-example.com",
        "john@example.c",
    ],
)
def test_normalize_email_rejects_bad_shapes(value: str):
    with pytest.raises(ValueError):
        normalize_email(value)


@pytest.mark.parametrize(
    ("value", "domain"),
    [("jd@Example.com", "example.com"), ("x@mail.example.org", "mail.example.org")],
)
def test_email_domain(value: str, domain: str):
    assert email_domain(value) == domain


@pytest.mark.parametrize("value", ["", "nodomain", "user@"])
def test_email_domain_rejects(value: str):
    with pytest.raises(ValueError):
        email_domain(value)


@pytest.mark.parametrize(
    ("platform", "handle", "expected"),
    [
        ("kik", "xx_dan", "kik/xx_dan"),
        (" Kik ", "@XX_Dan", "kik/xx_dan"),
        ("Instagram", " @Some.User ", "instagram/some.user"),
        ("snapchat", "user@host", "snapchat/user@host"),
    ],
)
def test_normalize_screen_name(platform: str, handle: str, expected: str):
    assert normalize_screen_name(platform, handle) == expected


@pytest.mark.parametrize(
    ("platform", "handle"), [("kik", ""), ("kik", "@"), ("kik", "  "), ("", "dan"), ("a/b", "c")]
)
def test_normalize_screen_name_rejects(platform: str, handle: str):
    with pytest.raises(ValueError):
        normalize_screen_name(platform, handle)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"platform": "Kik", "handle": "@XX_Dan"}, "kik/xx_dan"),
        ("kik/xx_dan", "kik/xx_dan"),
        ("KIK:@XX_Dan", "kik/xx_dan"),
        ("discord:user:1234", "discord/user:1234"),
    ],
)
def test_parse_screen_name(value: dict | str, expected: str):
    assert parse_screen_name(value) == expected


@pytest.mark.parametrize("value", ["xx_dan", "kik/", {"platform": "kik"}, {"handle": "dan"}, ""])
def test_parse_screen_name_rejects(value: dict | str):
    with pytest.raises(ValueError):
        parse_screen_name(value)
