"""E-mail addresses: trimmed, lower-cased, shape-checked."""

from __future__ import annotations

import re
from functools import lru_cache

from vigil.normalize._text import CACHE_SIZE

# Shape only (local@domain.tld): deliverability cannot be checked offline, and
# the full RFC 5322 grammar accepts forms no investigative source contains.
_EMAIL = re.compile(
    r"[^@\s<>()\[\],;:\"]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}",
)


@lru_cache(maxsize=CACHE_SIZE)
def normalize_email(value: str) -> str:
    """Lower-cased address; ValueError when it is not local@domain.tld shaped."""
    text = str(value).strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    if not _EMAIL.fullmatch(text) or ".." in text:
        raise ValueError(f"not an e-mail address: {value!r}")
    return text


def email_domain(e: str) -> str:
    """The domain part, lower-cased ("example.com")."""
    local, at, domain = e.strip().lower().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an e-mail address: {e!r}")
    return domain
