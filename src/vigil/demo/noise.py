"""How sources get people wrong: typos, nicknames, swapped names, transposed dates.

Every function takes the caller's rng and returns a new value; the truth is never
modified. Dates stay ISO (only their content is wrong); phones vary in format.
"""

from __future__ import annotations

import random
from datetime import date

from vigil.demo.model import Addr, Person, iso
from vigil.demo.pools import STREET_SUFFIXES, pick, rr

_KEYBOARD = {
    "a": "qsz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


def typo(rng: random.Random, s: str) -> str:
    """One edit (substitution, deletion, insertion or transposition), never on the first letter."""
    if len(s) < 3:
        return s
    i = rr(rng, 1, len(s))
    c = s[i].lower()
    op = rr(rng, 4)
    if op == 0 and c in _KEYBOARD:
        rep = pick(rng, _KEYBOARD[c])
        return s[:i] + (rep.upper() if s[i].isupper() else rep) + s[i + 1 :]
    if op == 1 and len(s) > 3:
        return s[:i] + s[i + 1 :]
    if op == 2:
        return s[:i] + s[i - 1] + s[i:]
    if i < len(s) - 1 and s[i] != s[i + 1]:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + s[i] + s[i:]


def transposed_dob(day: int) -> str | None:
    """Day and month swapped (03/04 read as 04/03); None when the swap is impossible or a no-op."""
    d = date.fromordinal(day)
    if d.day > 12 or d.day == d.month:
        return None
    return date(d.year, d.day, d.month).isoformat()


def digit_typo_date(rng: random.Random, day: int) -> str:
    """One wrong digit in the year's last digit or the day, keeping the date valid."""
    d = date.fromordinal(day)
    for _ in range(5):
        if rng.random() < 0.5:
            y = d.year - d.year % 10 + rr(rng, 10)
            cand = (y, d.month, d.day)
        else:
            cand = (d.year, d.month, (d.day // 10) * 10 + rr(rng, 10))
        try:
            out = date(*cand)
        except ValueError:
            continue
        if out != d and out.year < 2026:
            return out.isoformat()
    return d.isoformat()


def noisy_dob(rng: random.Random, dob: int, missing: float, scale: float = 1.0) -> str | None:
    u = rng.random()
    if u < missing:
        return None
    u = (u - missing) / scale
    if u < 0.03:
        return transposed_dob(dob) or iso(dob)
    if u < 0.045:
        return digit_typo_date(rng, dob)
    if u < 0.06:
        return iso(dob)[:4]
    if u < 0.07:
        return iso(dob)[:7]
    return iso(dob)


def ssn_typo(rng: random.Random, ssn: str) -> str:
    """One digit wrong outside the area number, so the SSN stays in the never-issued 9xx range."""
    i = rr(rng, 3, 9)
    d = str((int(ssn[i]) + rr(rng, 1, 10)) % 10)
    return ssn[:i] + d + ssn[i + 1 :]


def fmt_ssn(ssn: str, dashed: bool) -> str:
    return f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}" if dashed else ssn


def noisy_ssn(rng: random.Random, ssn: str | None, missing: float, err: float) -> str | None:
    if ssn is None or rng.random() < missing:
        return None
    if rng.random() < err:
        ssn = ssn_typo(rng, ssn)
    return fmt_ssn(ssn, rng.random() < 0.55)


def partial(rng: random.Random, day: int, p_month: float, p_year: float) -> str:
    s = iso(day)
    u = rng.random()
    if u < p_year:
        return s[:4]
    if u < p_year + p_month:
        return s[:7]
    return s


def name_string(
    first: str | None, middle: str | None, last: str | None, suffix: str | None, style: int
) -> str:
    """The flat forms vendors print: "SMITH, JOHN A" or "John A Smith Jr"."""
    mi = middle[0] if middle else ""
    if style == 0:
        tail = f" {suffix.upper()}" if suffix else ""
        return f"{(last or '').upper()}, {(first or '').upper()} {mi}".strip() + tail
    parts = [first, mi, last, suffix]
    return " ".join(x for x in parts if x)


def noisy_name(
    rng: random.Random,
    p: Person,
    nicks: dict[str, list[str]],
    *,
    rate: float = 1.0,
    upper: bool = False,
    as_string: float = 0.0,
) -> dict | str:
    first, last, middle, suffix = p.first, p.last, p.middle, p.suffix
    u = rng.random
    if middle and u() < 0.55:
        middle = middle[0] if u() < 0.65 else None
    if first in nicks and u() < 0.07 * rate:
        first = pick(rng, nicks[first])
    if u() < 0.025 * rate:
        first = typo(rng, first)
    if u() < 0.03 * rate:
        last = typo(rng, last)
    if p.maiden and u() < 0.08:
        last = f"{p.maiden}-{p.last}"
    if suffix and u() < 0.35:
        suffix = None
    if u() < 0.015 * rate:
        first, last = last, first
    if u() < as_string:
        return name_string(first, middle, last, suffix, 0 if upper or u() < 0.6 else 1)
    if upper:
        return {
            "first": first.upper(),
            "middle": middle.upper() if middle else None,
            "last": last.upper(),
            "suffix": suffix.upper() if suffix else None,
            "kind": "primary",
        }
    return {"first": first, "middle": middle, "last": last, "suffix": suffix, "kind": "primary"}


def vendor_address(rng: random.Random, a: Addr, style: int) -> dict:
    """Same place, the vendor's house style: 0 upper-case abbreviated, 1 title-case long, 2 geocoded."""
    pre = f"{a.pre} " if a.pre else ""
    if a.suf >= 0:
        abbr, full = STREET_SUFFIXES[a.suf]
    else:
        abbr = full = ""
    street = a.street if rng.random() > 0.015 else typo(rng, a.street)
    zip_ = a.zip
    if rng.random() < 0.05:
        zip_ = f"{a.zip}-{rr(rng, 1, 9999):04d}"
    elif rng.random() < 0.015:
        zip_ = None
    d: dict
    if style == 0:
        line1 = f"{a.num} {pre}{street} {abbr}".strip().upper()
        line2 = f"{a.unit_kind} {a.unit}".upper() if a.unit else None
        d = {"line1": line1, "line2": line2, "city": a.city.upper(), "state": a.state, "zip": zip_}
    elif style == 1:
        line1 = f"{a.num} {pre}{street} {full}".strip()
        if a.unit:
            line1 += f" #{a.unit}" if a.unit_kind == "Apt" else f" {a.unit_kind} {a.unit}"
        d = {"line1": line1, "city": a.city, "state": a.state, "zip": zip_}
    else:
        line2 = f"{a.unit_kind} {a.unit}" if a.unit else None
        d = {
            "line1": f"{a.num} {pre}{street} {abbr}".strip(),
            "line2": line2,
            "city": a.city,
            "state": a.state,
            "zip": zip_,
        }
        if rng.random() < 0.7:
            d["lat"], d["lon"] = a.lat, a.lon
    d["country"] = "US"
    d["kind"] = a.kind
    if a.place_name:
        d["place_name"] = a.place_name
    return d
