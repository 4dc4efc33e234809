"""Identifiers written in free text: tip narratives, lead text, case narratives.

A reporter types "he said to add him on Kik as @xx_dan, his number is (512) 555-0147" far more
often than an ESP fills a structured field, so the link index needs what the prose names:
phones (phonenumbers' own matcher), e-mail addresses, @handles (with the platform named near
them), URLs (profile URLs become screen names) and IP addresses. Every value comes out in the
same normalized form the structured fields use, so one index lookup finds both.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import phonenumbers

from vigil.normalize.emails import normalize_email
from vigil.normalize.phones import normalize_phone
from vigil.normalize.screen_names import normalize_screen_name

# A handle whose platform the text does not say: matched against every platform's handle.
UNKNOWN_PLATFORM = "unknown"

# Platform names as people write them -> the platform key of "platform/handle".
_PLATFORM_WORDS = {
    "kik": "kik",
    "kik messenger": "kik",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "facebook": "facebook",
    "facebook messenger": "facebook",
    "messenger": "facebook",
    "discord": "discord",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "twitter": "twitter",
    "telegram": "telegram",
    "whatsapp": "whatsapp",
    "reddit": "reddit",
    "youtube": "youtube",
    "roblox": "roblox",
    "twitch": "twitch",
    "threads": "threads",
    "wickr": "wickr",
    "skype": "skype",
    "omegle": "omegle",
    "meetme": "meetme",
    "grindr": "grindr",
    "onlyfans": "onlyfans",
    "wechat": "wechat",
    "viber": "viber",
    "steam": "steam",
    "minecraft": "minecraft",
    "yubo": "yubo",
    "tumblr": "tumblr",
    "pinterest": "pinterest",
    "vsco": "vsco",
    "bumble": "bumble",
    "tinder": "tinder",
}
# Short forms that are ordinary words in lower case: only as written here.
_PLATFORM_CASED = {"X": "x", "IG": "instagram", "FB": "facebook", "SC": "snapchat", "TG": "telegram"}

_PLATFORM_RE = re.compile(
    r"(?<![\w@/.])(?:(?i:"
    + "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in _PLATFORM_WORDS), key=len, reverse=True))
    + r")|"
    + "|".join(sorted(_PLATFORM_CASED, key=len, reverse=True))
    + r")(?![\w@])"
)

_EMAIL_RE = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(?![\w-])"
)
# URLs with a scheme or "www.", and bare profile URLs of the platforms below.
_URL_RE = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+"
    r"|\b(?:[a-z0-9-]+\.)*(?:instagram\.com|facebook\.com|fb\.com|twitter\.com|x\.com|tiktok\.com"
    r"|snapchat\.com|t\.me|kik\.me|reddit\.com|youtube\.com|twitch\.tv|onlyfans\.com)/[^\s<>\"'`]+"
)
_HANDLE_RE = re.compile(r"(?<![\w.@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?)")
# "Kik: xx_dan", "snapchat username is xx_dan", "IG handle - xx.dan": a handle without "@" after a
# platform name. Prose follows platform names too ("Kik: he said..."), so `_labelled_handle` accepts
# only handle-shaped words or an explicit "username"/"handle" label.
_LABEL_RE = re.compile(
    r"(?i)[ \t]*(?:((?:user[ \t]*name|username|handle|screen[ \t]*name|account|user|id)\b)"
    r"[ \t]*(?:is\b|[:=\-])?|[:=])[ \t]*@?([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?)"
)
_HANDLE_SHAPED = re.compile(r"[\d_.]")
_IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)")
_IPV6_RE = re.compile(r"(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
# Enough digits for a phone number with an area code: the phone matcher is the slow part, skip it otherwise.
_MAYBE_PHONE_RE = re.compile(r"\d(?:[\s().\-+/]*\d){9}")
# A bare number after "case", "report #" or "ID" is that, not a phone.
_NOT_PHONE_BEFORE_RE = re.compile(
    r"(?i)\b(?:case|report|tip|incident|file|ticket|order|acct|account|id|ncic|ori|ssn|dob|serial)"
    r"\s*(?:#|no\.?|num(?:ber)?\.?)?\s*[:#]?\s*$"
)
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s)|\n")
_TRAILING_PUNCT = ".,;:!?)]}'\"»”’"
_ZIP_RE = re.compile(r"\b(?:[A-Z]{2}|(?i:zip(?:\s*code)?)\s*:?)\s+(\d{5})(?:-\d{4})?\b")

# Profile URL path prefixes that are not user names.
_NOT_HANDLES = frozenset(
    {
        "p",
        "reel",
        "reels",
        "explore",
        "stories",
        "accounts",
        "tv",
        "i",
        "home",
        "search",
        "intent",
        "hashtag",
        "share",
        "watch",
        "groups",
        "pages",
        "events",
        "photo",
        "photo.php",
        "story.php",
        "permalink.php",
        "login",
        "signup",
        "settings",
        "about",
        "help",
        "privacy",
        "terms",
        "r",
        "video",
        "videos",
        "messages",
        "direct",
        "add",
        "s",
        "c",
        "channel",
        "embed",
        "shorts",
        "status",
    }
)
_HOST_PLATFORMS = {
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "m.facebook.com": "facebook",
    "twitter.com": "twitter",
    "mobile.twitter.com": "twitter",
    "x.com": "x",
    "tiktok.com": "tiktok",
    "vm.tiktok.com": None,  # short links: a video, not a user
    "snapchat.com": "snapchat",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "kik.me": "kik",
    "reddit.com": "reddit",
    "old.reddit.com": "reddit",
    "youtube.com": "youtube",
    "m.youtube.com": "youtube",
    "twitch.tv": "twitch",
    "onlyfans.com": "onlyfans",
}


@dataclass(frozen=True, slots=True)
class TextIdentifier:
    """One identifier found in text: normalized kind/value and where it was written."""

    kind: str  # phone, email, screen_name, url, ip
    value: str
    start: int
    end: int
    raw: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


def platform_key(name: str | None) -> str | None:
    """The platform key for a platform or ESP name ("Snapchat" -> "snapchat"); None if unknown."""
    if not name:
        return None
    text = " ".join(name.strip().split())
    return _PLATFORM_CASED.get(text) or _PLATFORM_WORDS.get(text.lower())


def normalize_ip(value: str) -> str:
    """Canonical text of an IPv4/IPv6 address (IPv6 compressed, lower case); ValueError if not one."""
    return str(ipaddress.ip_address(value.strip().strip("[]")))


def normalize_url(value: str) -> str:
    """A URL as a comparable key: no scheme, no "www.", lower-case host, no fragment or trailing "/"."""
    text = value.strip()
    if not re.match(r"(?i)^[a-z][a-z0-9+.\-]*://", text):
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host or "." not in host:
        raise ValueError(f"not a URL: {value!r}")
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def profile_screen_name(url: str) -> str | None:
    """ "https://www.instagram.com/xx_dan/" -> "instagram/xx_dan"; None when not a user's profile."""
    text = url if re.match(r"(?i)^[a-z][a-z0-9+.\-]*://", url) else "http://" + url
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    platform = _HOST_PLATFORMS.get(host)
    if platform is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if platform == "facebook" and segments[:1] == ["profile.php"]:
        ids = parse_qs(parts.query).get("id")
        return _screen_name("facebook", ids[0]) if ids else None
    if platform == "reddit" and len(segments) >= 2 and segments[0] in ("u", "user"):
        return _screen_name("reddit", segments[1])
    if platform == "snapchat" and len(segments) >= 2 and segments[0] == "add":
        return _screen_name("snapchat", segments[1])
    if platform == "youtube" and segments and segments[0].startswith("@"):
        return _screen_name("youtube", segments[0][1:])
    if platform == "tiktok":
        return _screen_name("tiktok", segments[0][1:]) if segments and segments[0].startswith("@") else None
    if platform == "instagram" and len(segments) >= 2 and segments[0] == "stories":
        return _screen_name("instagram", segments[1])
    if not segments or segments[0].lower() in _NOT_HANDLES or segments[0].startswith("@"):
        return None
    # x.com/USER/status/123 is still USER's post: the account is what links.
    return _screen_name(platform, segments[0])


def _screen_name(platform: str, handle: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,100}", handle):
        return None
    try:
        return normalize_screen_name(platform, handle)
    except ValueError:
        return None


def extract_identifiers(
    text: str | None, region: str = "US", default_platform: str | None = None
) -> list[TextIdentifier]:
    """Phones, e-mails, @handles, URLs and IPs written in `text`, in order, each (kind, value) once.

    `default_platform` is where a handle with no platform named in its sentence is taken to live
    (the reporting ESP's platform); without one such a handle is "unknown/handle".
    """
    if not text:
        return []
    found: list[TextIdentifier] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(kind: str, value: str, start: int, end: int) -> None:
        found.append(TextIdentifier(kind, value, start, end, text[start:end]))
        taken.append((start, end))

    # URLs first: they contain "@", dots and digits the other patterns would misread.
    for m in _URL_RE.finditer(text):
        raw = m.group(0).rstrip(_TRAILING_PUNCT)
        start, end = m.start(), m.start() + len(raw)
        screen = profile_screen_name(raw)
        if screen:
            add("screen_name", screen, start, end)
            continue
        if raw.lower().startswith("mailto:"):
            continue
        try:
            add("url", normalize_url(raw), start, end)
        except ValueError:
            continue
    for m in _EMAIL_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        try:
            add("email", normalize_email(m.group(0)), m.start(), m.end())
        except ValueError:
            continue
    for m in _IPV4_RE.finditer(text):
        if free(m.start(), m.end()):
            try:
                add("ip", str(ipaddress.IPv4Address(m.group(0))), m.start(), m.end())
            except ValueError:
                continue
    for m in _IPV6_RE.finditer(text):
        raw = m.group(0)
        if raw.count(":") < 2 or not free(m.start(), m.end()):
            continue
        try:
            address = ipaddress.IPv6Address(raw)
        except ValueError:
            continue
        if not address.is_unspecified:
            add("ip", str(address), m.start(), m.end())
    platforms = [(m.start(), m.end(), platform_key(m.group(0))) for m in _PLATFORM_RE.finditer(text)]
    for m in _HANDLE_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        platform = _platform_near(text, platforms, m.start(), m.end()) or default_platform
        value = _screen_name(platform or UNKNOWN_PLATFORM, m.group(1))
        if value:
            add("screen_name", value, m.start(), m.end())
    for _, end, platform in platforms:
        labelled = _labelled_handle(text, end, platform)
        if labelled and free(labelled[1], labelled[2]):
            add("screen_name", *labelled)
    if _MAYBE_PHONE_RE.search(text):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            start, end = match.start, match.end
            if not free(start, end) or _NOT_PHONE_BEFORE_RE.search(text, max(0, start - 24), start):
                continue
            number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            try:
                add("phone", normalize_phone(number), start, end)
            except ValueError:
                continue
    found.sort(key=lambda f: f.start)
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in found:
        if (item.kind, item.value) not in seen:
            seen.add((item.kind, item.value))
            unique.append(item)
    return unique


def _labelled_handle(text: str, end: int, platform: str | None) -> tuple[str, int, int] | None:
    m = _LABEL_RE.match(text, end)
    if platform is None or m is None:
        return None
    handle, label = m.group(2), (m.group(1) or "").lower()
    explicit = label.replace(" ", "").replace("\t", "") in ("username", "handle", "screenname")
    if not (explicit or _HANDLE_SHAPED.search(handle)):
        return None
    value = _screen_name(platform, handle)
    return (value, m.start(2), m.end(2)) if value else None


def _platform_near(
    text: str, platforms: list[tuple[int, int, str | None]], start: int, end: int
) -> str | None:
    """The platform named closest to a handle in its own sentence: before it (within 80 characters)
    first, as in "add him on Kik as @xx_dan", else just after it, as in "@xx_dan on Kik"."""
    sentence_start = 0
    for m in _SENTENCE_END_RE.finditer(text, 0, start):
        sentence_start = m.end()
    end_match = _SENTENCE_END_RE.search(text, end)
    sentence_end = end_match.start() if end_match else len(text)
    before = [
        p for p in platforms if sentence_start <= p[0] and p[1] <= start and start - p[1] <= 80 and p[2]
    ]
    if before:
        return before[-1][2]
    after = [p for p in platforms if p[0] >= end and p[1] <= sentence_end and p[0] - end <= 40 and p[2]]
    return after[0][2] if after else None


def find_zip_codes(text: str | None) -> list[str]:
    """ZIP codes written after a state code or the word ZIP ("Tulsa, OK 74103", "zip: 78701")."""
    if not text:
        return []
    out: list[str] = []
    for m in _ZIP_RE.finditer(text):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out


def known_platforms() -> frozenset[str]:
    """Every platform key the extractor can name (for matching handles whose platform is unknown)."""
    return (
        frozenset(_PLATFORM_WORDS.values())
        | frozenset(_PLATFORM_CASED.values())
        | {p for p in _HOST_PLATFORMS.values() if p}
    )
