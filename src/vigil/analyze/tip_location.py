"""Where a tip probably happened: weighted clues from its addresses, phones, IPs and linked records.

NCMEC staff "work to find a potential location for the incident reported so that it may be made
available to the appropriate law-enforcement agency". Each clue names a state (and a ZIP or city
when it can), a weight and where it came from; the best-supported state wins, then the best ZIP
inside it. Weights, strongest first: an address written in the tip, the location the reporter gave,
a ZIP in the narrative, an IP address located by the IP-range table, the current address of a
person record the tip links to, a phone's area code (mobile numbers travel with their owners).

IP geolocation is pluggable: `VIGIL_IP_RANGES` names a CSV (network,state,city,zip,county_fips,lat,
lon,label) or a `module:Class` with `.locate(ip)`; without one IPs give no clue.

For maps, each clue and the potential location carry a point (`lat`, `lon`; None when the clue names no
more than a state): the ZIP's centroid, else the city's, else (the location only) the state's, with
`geo_precision` saying which; an IP range's own coordinates when it gives them.
"""

from __future__ import annotations

import csv
import importlib
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson
from sqlalchemy import Connection, select

from vigil.analyze.links import KeyIndex, LinkSettings, current_records, identifiers_of, link_records
from vigil.analyze.records import UnknownReference
from vigil.normalize._states import state_code
from vigil.normalize.addresses import NormalizedAddress
from vigil.normalize.geocode import ZipCentroidGeocoder, zip_info
from vigil.normalize.phones import phone_area_location
from vigil.normalize.text_identifiers import find_zip_codes
from vigil.store import tables as t

IP_RANGES_ENV = "VIGIL_IP_RANGES"

# Clue weights (see the module docstring for the order's reasons).
W_OWN_ADDRESS = {0: 1.0, 1: 0.8}  # by party: suspect, victim; other parties 0.6
W_REPORTED = 0.9
W_NARRATIVE_ZIP = 0.6
W_IP = 0.7
W_LINKED_ADDRESS = 0.6  # times the link's score
W_PHONE = 0.5
HUB_FACTOR = 0.3  # a hub's place says where the shelter is, not the suspect


@dataclass(frozen=True, slots=True)
class IpLocation:
    network: str
    state: str | None
    city: str | None = None
    zip5: str | None = None
    county_fips: str | None = None
    lat: float | None = None
    lon: float | None = None
    label: str = ""


@runtime_checkable
class IpLocator(Protocol):
    def locate(self, ip: str) -> IpLocation | None: ...


class IpRangeTable:
    """IP networks -> places; the most specific network holding an address wins.

    One dict per prefix length: a lookup masks the address once per distinct prefix length
    present (a few), longest first.
    """

    def __init__(self, entries: Iterable[IpLocation]) -> None:
        self._nets: dict[tuple[int, int], dict[int, IpLocation]] = {}
        for entry in entries:
            net = ipaddress.ip_network(entry.network, strict=False)
            self._nets.setdefault((net.version, net.prefixlen), {})[int(net.network_address)] = entry
        self._order = sorted(self._nets, key=lambda vp: -vp[1])

    @classmethod
    def from_csv(cls, path: str | Path) -> IpRangeTable:
        entries = []
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                if not row.get("network") or row["network"].startswith("#"):
                    continue
                entries.append(
                    IpLocation(
                        network=row["network"],
                        state=(row.get("state") or "").upper() or None,
                        city=row.get("city") or None,
                        zip5=(row.get("zip") or "")[:5] or None,
                        county_fips=row.get("county_fips") or None,
                        lat=float(row["lat"]) if row.get("lat") else None,
                        lon=float(row["lon"]) if row.get("lon") else None,
                        label=row.get("label") or "",
                    )
                )
        return cls(entries)

    def locate(self, ip: str) -> IpLocation | None:
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return None
        bits = 32 if address.version == 4 else 128
        value = int(address)
        for version, prefix in self._order:
            if version != address.version:
                continue
            mask = ((1 << prefix) - 1) << (bits - prefix) if prefix else 0
            hit = self._nets[(version, prefix)].get(value & mask)
            if hit is not None:
                return hit
        return None


@cache
def _load_locator(spec: str) -> IpLocator | None:
    if not spec:
        return None
    if spec.endswith(".csv") or Path(spec).is_file():
        return IpRangeTable.from_csv(spec)
    module_name, sep, class_name = spec.partition(":")
    if not sep:
        raise ValueError(f"{IP_RANGES_ENV} must be a CSV path or 'module.path:ClassName', got {spec!r}")
    instance = getattr(importlib.import_module(module_name), class_name)()
    if not isinstance(instance, IpLocator):
        raise ValueError(f"{spec!r} has no .locate(ip)")
    return instance


def get_ip_locator(spec: str | None = None) -> IpLocator | None:
    """The IP locator named by `spec` or $VIGIL_IP_RANGES; None when none is configured."""
    return _load_locator((spec if spec is not None else os.environ.get(IP_RANGES_ENV, "")).strip())


@dataclass(slots=True)
class Clue:
    source: str  # address, reported_location, narrative_zip, ip, linked_address, phone_area
    state: str
    weight: float
    reason: str
    zip5: str | None = None
    city: str | None = None
    county_fips: str | None = None
    ref: str | None = None
    lat: float | None = None  # an IP range's own coordinates; otherwise from the ZIP or city
    lon: float | None = None

    def point(self) -> tuple[float, float, str] | None:
        """(lat, lon, precision) of the clue: its own coordinates, else its ZIP's or city's centroid."""
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon, "point"
        return centroid(self.state, self.zip5, self.city, coarsest="city")

    def document(self) -> dict[str, Any]:
        where = self.point()
        return {
            "source": self.source,
            "state": self.state,
            "zip": self.zip5,
            "city": self.city,
            "county_fips": self.county_fips,
            "weight": round(self.weight, 3),
            "reason": self.reason,
            "ref": self.ref,
            "lat": round(where[0], 5) if where else None,
            "lon": round(where[1], 5) if where else None,
        }


_PRECISIONS = ("zip", "city", "state")


def centroid(
    state: str | None, zip5: str | None, city: str | None, coarsest: str = "state"
) -> tuple[float, float, str] | None:
    """(lat, lon, precision) of a place named by ZIP, city and state: the ZIP's centroid, else the city's,
    else the state's, no coarser than `coarsest` ("zip", "city" or "state"); None when unknown."""
    if not (state or zip5):
        return None
    hit = ZipCentroidGeocoder().geocode(
        NormalizedAddress("", "", city or "", state or "", zip5 or "", "US", "")
    )
    if hit is None or hit.precision not in _PRECISIONS:
        return None
    if _PRECISIONS.index(hit.precision) > _PRECISIONS.index(coarsest):
        return None
    return hit.lat, hit.lon, hit.precision


@cache
def county_fips_of_zip(zip5: str) -> str | None:
    """County FIPS of a ZIP from offline data (zipcodes' county name -> addfips), None if unknown."""
    import zipcodes

    try:
        matches = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    if not matches or not matches[0].get("county"):
        return None
    return _addfips().get_county_fips(matches[0]["county"], state=matches[0]["state"]) or None


@cache
def _addfips() -> Any:
    import addfips

    return addfips.AddFIPS()


def _zip_clue(source: str, zip5: str, weight: float, reason: str, ref: str | None = None) -> Clue | None:
    info = zip_info(zip5)
    if info is None:
        return None
    city, state, _, _ = info
    return Clue(source, state, weight, reason, zip5, city, county_fips_of_zip(zip5), ref)


def _address_clue(source: str, row: Any, weight: float, reason: str, ref: str | None) -> Clue | None:
    if row.zip5:
        clue = _zip_clue(source, row.zip5, weight, reason, ref)
        if clue:
            return clue
    state = state_code((row.state or "").upper())
    if not state:
        return None
    return Clue(source, state, weight, reason, None, row.city or None, None, ref)


def phone_state(e164: str) -> tuple[str | None, str | None]:
    """(state, city) of a phone's area from phonenumbers' offline data ("Austin, TX" / "Texas")."""
    where = phone_area_location(e164)
    if not where:
        return None, None
    city, _, tail = where.rpartition(",")
    if tail and city:
        return state_code(tail.strip().upper()), city.strip()
    return state_code(where.strip().upper()), None


def tip_clues(
    conn: Connection,
    ref: str,
    *,
    ip_locator: IpLocator | None = None,
    settings: LinkSettings | None = None,
    link_min: float = 0.5,
) -> list[Clue]:
    """Every location clue for one record (normally a tip), strongest first."""
    settings = settings or LinkSettings.from_env()
    found = current_records(conn, [ref])
    if ref not in found:
        raise UnknownReference(f"no current record {ref}")
    rid, _ = found[ref]
    clues: list[Clue] = []
    addr, sr = t.address, t.source_record
    for row in conn.execute(select(addr).where(addr.c.record_id == rid).order_by(addr.c.idx)):
        weight = W_OWN_ADDRESS.get(row.party, 0.6) if row.party is not None else 0.7
        who = {0: "suspect", 1: "victim"}.get(row.party, "record")
        clue = _address_clue("address", row, weight, f"{who} address in the tip", ref)
        if clue:
            clues.append(clue)
    raw = orjson.loads(conn.execute(select(sr.c.raw).where(sr.c.id == rid)).scalar_one())
    reported = raw.get("location") if isinstance(raw, dict) else None
    if isinstance(reported, dict):
        zip5 = str(reported.get("zip") or "")[:5]
        clue = _zip_clue(
            "reported_location", zip5, W_REPORTED, "incident location given by the reporter", ref
        )
        if clue is None and reported.get("state"):
            state = state_code(str(reported["state"]).upper())
            if state:
                clue = Clue(
                    "reported_location",
                    state,
                    W_REPORTED,
                    "incident location given by the reporter",
                    None,
                    reported.get("city"),
                    None,
                    ref,
                )
        if clue:
            clues.append(clue)
    text = " ".join(str(raw.get(k) or "") for k in ("narrative", "text")) if isinstance(raw, dict) else ""
    for zip5 in find_zip_codes(text):
        clue = _zip_clue("narrative_zip", zip5, W_NARRATIVE_ZIP, f"ZIP {zip5} written in the narrative", ref)
        if clue:
            clues.append(clue)
    held = identifiers_of(conn, [rid], kinds=["phone", "ip"]).get(rid, [])
    infos = KeyIndex(conn, settings).info(h.key for h in held)
    for h in held:
        info = infos.get(h.key)
        factor = HUB_FACTOR if info and info.hub else 1.0
        hub = " (a hub: shared by many)" if factor < 1 else ""
        if h.kind == "phone":
            state, city = phone_state(h.value)
            if state:
                clues.append(
                    Clue(
                        "phone_area",
                        state,
                        W_PHONE * factor,
                        f"area code of {h.value} ({city + ', ' if city else ''}{state}){hub}",
                        None,
                        city,
                        None,
                        ref,
                    )
                )
        elif ip_locator is not None:
            located = ip_locator.locate(h.value)
            if located and located.state:
                place = ", ".join(p for p in (located.city, located.state) if p)
                label = f"; {located.label}" if located.label else ""
                clues.append(
                    Clue(
                        "ip",
                        located.state,
                        W_IP * factor,
                        f"IP {h.value} is in {located.network} ({place}{label}){hub}",
                        located.zip5,
                        located.city,
                        located.county_fips or county_fips_of_zip(located.zip5 or ""),
                        ref,
                        located.lat,
                        located.lon,
                    )
                )
    clues.extend(_linked_clues(conn, ref, settings, link_min))
    clues.sort(key=lambda c: -c.weight)
    return clues


def _linked_clues(conn: Connection, ref: str, settings: LinkSettings, link_min: float) -> list[Clue]:
    """The current address of each person record, and the place of each case, the tip links to directly."""
    result = link_records(conn, ref, hops=1, types=["person", "missing_case", "event"], settings=settings)
    links = [lk for lk in result.links if lk.score >= link_min]
    if not links:
        return []
    found = current_records(conn, [lk.ref for lk in links])
    addr = t.address
    clues = []
    for link in links:
        rid, rtype = found[link.ref]
        rows = conn.execute(
            select(addr).where(
                addr.c.record_id == rid,
                addr.c.context.in_(["record", "registration", "missing_from", "event"]),
            )
        ).all()
        if not rows:
            continue
        # The newest interval still open (no end date), else the newest start.
        row = max(rows, key=lambda r: (r.valid_to is None, r.valid_from or _EPOCH, r.idx))
        what = {"missing_case": "missing-from place of", "event": "place of"}.get(rtype, "current address of")
        clue = _address_clue(
            "linked_address",
            row,
            W_LINKED_ADDRESS * link.score,
            f"{what} {link.ref}, linked by {link.via} (score {link.score:.2f})",
            link.ref,
        )
        if clue:
            clues.append(clue)
    return clues


_EPOCH = date(1, 1, 1)


def locate_tip(
    conn: Connection,
    ref: str,
    *,
    ip_locator: IpLocator | None = None,
    settings: LinkSettings | None = None,
) -> dict[str, Any]:
    """The tip's most likely state, ZIP, county and city, with a confidence and every clue behind it."""
    clues = tip_clues(conn, ref, ip_locator=ip_locator, settings=settings)
    # Two IPs in one network, or a phone twice, are one piece of evidence about a place, not two.
    place: dict[tuple[str, str, str | None, str | None], Clue] = {}
    for c in clues:
        key = (c.source, c.state, c.zip5, c.city)
        if key not in place or c.weight > place[key].weight:
            place[key] = c
    evidence = sorted(place.values(), key=lambda c: -c.weight)
    by_state: dict[str, float] = {}
    for c in evidence:
        by_state[c.state] = by_state.get(c.state, 0.0) + c.weight
    document: dict[str, Any] = {
        "tip": ref,
        "state": None,
        "zip": None,
        "county_fips": None,
        "city": None,
        "confidence": 0.0,
        "basis": None,
        # Optional (added later), for maps: the location's point and how precise it is.
        "lat": None,
        "lon": None,
        "geo_precision": None,
        "clues": [c.document() for c in clues],
    }
    if not by_state:
        return document
    state = max(by_state, key=lambda s: (by_state[s], s))
    total = sum(by_state.values())
    inside = [c for c in evidence if c.state == state]
    by_zip: dict[str, float] = {}
    for c in inside:
        if c.zip5:
            by_zip[c.zip5] = by_zip.get(c.zip5, 0.0) + c.weight
    zip5 = max(by_zip, key=lambda z: (by_zip[z], z)) if by_zip else None
    best = next((c for c in inside if c.zip5 == zip5), None) if zip5 else None
    county = best.county_fips if best else next((c.county_fips for c in inside if c.county_fips), None)
    city = best.city if best else next((c.city for c in inside if c.city), None)
    document.update(
        state=state,
        zip=zip5,
        county_fips=county,
        city=city,
        confidence=round(by_state[state] / total, 3),
        basis=inside[0].reason,
    )
    point = centroid(state, zip5, city)
    if point is not None:
        document.update(lat=round(point[0], 5), lon=round(point[1], 5), geo_precision=point[2])
    return document
