"""Screen names as "platform/handle" keys (e.g. "kik/xx_dan")."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from vigil.normalize._text import CACHE_SIZE, as_text


@lru_cache(maxsize=CACHE_SIZE)
def normalize_screen_name(platform: str, handle: str) -> str:
    """Return "platform/handle": both lower-cased and trimmed, a leading "@" removed.

    Handles are matched case-insensitively: the large platforms treat them so,
    and tips rarely preserve case reliably.
    """
    plat = as_text(platform).lower()
    name = as_text(handle)
    name = name.removeprefix("@").strip().lower()
    if not name:
        raise ValueError("screen name has no handle")
    if not plat:
        raise ValueError(f"screen name {name!r} has no platform")
    if "/" in plat:
        raise ValueError(f"platform may not contain '/': {plat!r}")
    return f"{plat}/{name}"


def parse_screen_name(value: Mapping[str, object] | str) -> str:
    """Accept {"platform", "handle"} or a "platform/handle" / "platform:handle" string."""
    if isinstance(value, Mapping):
        return normalize_screen_name(as_text(value.get("platform")), as_text(value.get("handle")))
    text = as_text(value)
    # The first separator splits: handles may themselves contain ":" or "/".
    cut = min((i for i in (text.find("/"), text.find(":")) if i >= 0), default=-1)
    if cut < 0:
        raise ValueError(f"screen name needs 'platform/handle': {value!r}")
    return normalize_screen_name(text[:cut], text[cut + 1 :])
