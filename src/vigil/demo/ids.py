"""Collision-free synthetic identifiers.

Accidental sharing of a phone, e-mail or handle between unrelated people would
create links the ground truth does not know about, so every identifier is drawn
from a bijection (an affine permutation) over its space instead of at random.
All identifiers are obviously synthetic: SSN area 900-999, phone exchange 555,
e-mail domains example.*, IPv4 documentation ranges, IPv6 2001:db8::/32.
"""

from __future__ import annotations

import ipaddress
import math
import random
import string

from vigil.demo.geo import Geo
from vigil.demo.pools import pick, rr

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
IPV4_DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")
_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q: plates avoid them
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


class Perm:
    """i -> (a*i + b) mod m: a cheap, seeded bijection over range(m)."""

    def __init__(self, m: int, rng: random.Random) -> None:
        self.m = m
        a = rng.randrange(m // 3, m - 1) | 1
        while math.gcd(a, m) != 1:
            a += 2
        self.a, self.b, self.i = a, rng.randrange(m), 0

    def next(self) -> int:
        if self.i >= self.m:
            raise RuntimeError("identifier space exhausted")
        v = (self.a * self.i + self.b) % self.m
        self.i += 1
        return v


class Ids:
    """One allocator per identifier family; all deterministic for the given rng."""

    def __init__(self, rng: random.Random, geo: Geo) -> None:
        self._rng = rng
        self._geo = geo
        self._ssn = Perm(100 * 99 * 9999, rng)
        self._phone: dict[str, Perm] = {}
        self._token = Perm(9_000_000, rng)
        self._plate = Perm(len(_PLATE_LETTERS) ** 3 * 10_000, rng)
        self._ipv4 = Perm(3 * 254, rng)
        self._ipv6 = Perm(1 << 40, rng)
        self._seq: dict[str, Perm] = {}
        self._all_codes = [c for s in geo.states for c in geo.area_codes[s]]

    def ssn(self) -> str:
        v = self._ssn.next()
        area, rem = divmod(v, 99 * 9999)
        group, serial = divmod(rem, 9999)
        return f"{900 + area:03d}{group + 1:02d}{serial + 1:04d}"

    def phone(self, state: str, preferred: tuple[str, ...] = ()) -> str:
        """Ten digits NPA-555-XXXX; local area codes first, then any of the state's, then anywhere."""
        if preferred:
            k = rr(self._rng, len(preferred))
            preferred = preferred[k:] + preferred[:k]
        for codes in (preferred, self._geo.area_codes[state], self._all_codes):
            for ac in codes:
                perm = self._phone.get(ac)
                if perm is None:
                    perm = self._phone[ac] = Perm(10_000, self._rng)
                while perm.i < perm.m:
                    n = perm.next()
                    if n != 1212:  # 555-1212 is directory assistance, not a subscriber line
                        return f"{ac}555{n:04d}"
        raise RuntimeError("phone space exhausted")

    def token(self) -> int:
        """A unique number that makes e-mail local parts and handles collision-free."""
        return 1_000_000 + self._token.next()

    def email(self, first: str, last: str) -> str:
        r = self._rng
        f, sur = _slug(first), _slug(last)
        t = self.token()
        style = rr(r, 5)
        forms = (f"{f}.{sur}{t}", f"{f[0]}{sur}{t}", f"{f}{sur[0]}{t}", f"{sur}.{f}{t}", f"{f}_{t}")
        local = forms[style]
        return f"{local}@{EMAIL_DOMAINS[rr(r, 3)]}"

    def handle(self, first: str) -> str:
        r = self._rng
        words = ("xx", "lil", "its", "the", "real", "im", "yung", "big", "og", "mr")
        tails = ("gamer", "wolf", "ghost", "shadow", "king", "vibes", "boi", "angel", "fan", "dude", "ttv")
        f = _slug(first)[:8]
        t = self.token()
        style = rr(r, 4)
        if style == 0:
            return f"{words[rr(r, len(words))]}_{f}_{t}"
        if style == 1:
            return f"{f}.{tails[rr(r, len(tails))]}{t}"
        if style == 2:
            return f"{tails[rr(r, len(tails))]}_{t}"
        return f"{f}{t}"

    def plate(self, state: str) -> str:
        v = self._plate.next()
        digits, letters = v % 10_000, v // 10_000
        a, b, c = (_PLATE_LETTERS[(letters // n) % len(_PLATE_LETTERS)] for n in (1, 23, 529))
        if state == "CA":
            return f"{1 + digits % 9}{a}{b}{c}{digits // 10:03d}"
        if state in ("FL", "NM"):
            return f"{a}{b}{c}{digits % 1000:03d}{_PLATE_LETTERS[digits // 1000 % 23]}"
        return f"{a}{b}{c}{digits:04d}"

    def vin(self) -> str:
        return "".join(pick(self._rng, _VIN_CHARS) for _ in range(17))

    def ipv4(self) -> str:
        """A documentation-range IPv4 address; only 762 exist, so they are kept for planted links and hubs."""
        v = self._ipv4.next()
        return f"{IPV4_DOC_NETS[v // 254]}.{v % 254 + 1}"

    def ipv4_left(self) -> int:
        return self._ipv4.m - self._ipv4.i

    def ipv6(self) -> str:
        """A unique address in the IPv6 documentation prefix 2001:db8::/32."""
        v = self._ipv6.next()
        return str(ipaddress.IPv6Address(0x20010DB8 << 96 | v << 48 | self._rng.getrandbits(16)))

    def seq(self, family: str, space: int) -> int:
        """Unique shuffled number in range(space) for record ids of one family."""
        perm = self._seq.get(family)
        if perm is None:
            perm = self._seq[family] = Perm(space, self._rng)
        return perm.next()

    def hexdigits(self, n: int) -> str:
        return f"{self._rng.getrandbits(4 * n):0{n}x}"


def _slug(s: str) -> str:
    out = "".join(c for c in s.lower() if c in string.ascii_lowercase)
    return out or "user"


def fmt_phone(digits: str, style: int) -> str:
    """The ways vendors and people write the same US number."""
    a, e, n = digits[:3], digits[3:6], digits[6:]
    return (f"({a}) {e}-{n}", f"{a}.{e}.{n}", f"+1{digits}", f"{a}-{e}-{n}", f"1-{a}-{e}-{n}", digits)[style]


def e164(digits: str) -> str:
    return f"+1{digits}"
