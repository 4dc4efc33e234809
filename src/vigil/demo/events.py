"""Dated sightings of a person: NCIC-offline inquiries, LPR hits, bookings, stops, travel, job checks.

Each event happens where the person truly was that day, so an absconder's
recent events put him at the new place while the registry still shows the old.
"""

from __future__ import annotations

import math
import random

from vigil.demo.agencies import Agencies
from vigil.demo.geo import Geo, Zip, offset_point, timestamp
from vigil.demo.ids import Ids
from vigil.demo.model import NOW, Addr, Person, iso
from vigil.demo.noise import noisy_dob, noisy_name, noisy_ssn
from vigil.demo.pools import pick, rr
from vigil.demo.records import ncic_person

YEAR = 365
CHARGES = (
    "Failure to register as a sex offender",
    "Driving while intoxicated",
    "Theft",
    "Assault",
    "Possession of a controlled substance",
    "Warrant - failure to appear",
    "Criminal trespass",
    "Driving with license suspended",
    "Public intoxication",
    "Probation violation",
)
INQUIRY_REASONS = (
    "traffic stop",
    "field interview",
    "warrant check",
    "pawn transaction check",
    "suspicious person call",
    "welfare check",
)
DESTINATIONS = (
    "Mexico",
    "Philippines",
    "Thailand",
    "Dominican Republic",
    "Colombia",
    "Canada",
    "Honduras",
    "Guatemala",
    "Vietnam",
    "Costa Rica",
)


class EventMaker:
    def __init__(
        self, rng: random.Random, geo: Geo, ids: Ids, agencies: Agencies, nicks: dict[str, list[str]]
    ) -> None:
        self.r, self.geo, self.ids, self.ag, self.nicks = rng, geo, ids, agencies, nicks
        self._jail_zip: dict[int, Zip] = {}

    def _when(self, a: Addr, day: int, daytime: bool = False) -> str:
        r = self.r
        secs = rr(r, 7 * 3600, 21 * 3600) if daytime else rr(r, 86400)
        return timestamp(a.state, day, secs)

    def _near(self, a: Addr, max_mi: float) -> dict:
        r = self.r
        lat, lon = offset_point(a.lat, a.lon, max_mi * math.sqrt(r.random()), r.uniform(0, 2 * math.pi))
        return {
            "city": a.city,
            "state": a.state,
            "zip": a.zip,
            "country": "US",
            "lat": lat,
            "lon": lon,
            "kind": "incident",
        }

    def _idents(self, p: Person, with_ssn: float = 0.6, vehicles: list[dict] | None = None) -> dict:
        r = self.r
        d: dict = {
            "names": [noisy_name(r, p, self.nicks, rate=0.5)],
            "dob": noisy_dob(r, p.dob, 0.05, 2.0),
            "ssn": noisy_ssn(r, p.ssn, 1 - with_ssn, 0.01),
        }
        if vehicles:
            d["vehicles"] = vehicles
        return d

    def _days(self, p: Person, n: int, lo: int, must_after: int | None) -> list[int]:
        r = self.r
        lo = max(lo, p.addresses[0].start + 1, NOW - 4 * YEAR)
        hi = (p.deceased or NOW) - 2
        if lo >= hi:
            return []
        days = sorted(rr(r, lo, hi) for _ in range(n))
        if must_after is not None and must_after + 5 < hi and (not days or days[-1] <= must_after):
            days[-1:] = [rr(r, must_after + 5, hi)]
        return sorted(days)

    def for_person(self, p: Person, ncic: bool) -> tuple[list[dict], list[dict]]:
        """(person records, events) - the NCIC-offline subject record rides along with its inquiries."""
        r = self.r
        persons: list[dict] = []
        events: list[dict] = []
        moved = p.absconded_since
        if ncic:
            days = self._days(p, pick(r, (1, 1, 2, 3, 4)), 0, moved)
            if days:
                subj = ncic_person(r, self.ids, p, days[-1])
                persons.append(subj)
                for d in days:
                    a = p.addr_at(d)
                    events.append(
                        {
                            "type": "event",
                            "source": "ncic_offline",
                            "id": f"Q-{self.ids.seq('q', 90_000_000):08d}",
                            "as_of": iso(d),
                            "kind": "le_inquiry",
                            "at": self._when(a, d),
                            "address": self._near(a, 8),
                            "person_ref": {"source": "ncic_offline", "id": subj["id"]},
                            "agency": self.ag.local(a),
                            "details": f"NCIC offline inquiry ({pick(r, INQUIRY_REASONS)})",
                        }
                    )
        p_lpr = (0.8 if moved else 0.35) if p.offender else 0.04
        if p.vehicles and r.random() < p_lpr:
            events += self._lpr(p, moved)
        p_book = 0.06 if p.offender else 0.008
        if r.random() < p_book or (p.regs and p.regs[-1].status == "incarcerated" and r.random() < 0.9):
            events.append(self._booking(p))
        p_stop = (0.3 if moved else 0.08) if p.offender else 0.01
        if r.random() < p_stop:
            days = self._days(p, 1, moved + 5 if moved and r.random() < 0.7 else 0, None)
            for d in days:
                a = p.addr_at(d)
                vs = [v for v, s in zip(p.vehicles, p.vehicle_since, strict=True) if s <= d]
                events.append(
                    {
                        "type": "event",
                        "source": "traffic_stops",
                        "id": f"TS-{self.ids.seq('ts', 90_000_000):08d}",
                        "as_of": iso(d),
                        "kind": "traffic_stop",
                        "at": self._when(a, d),
                        "address": self._near(a, 10),
                        "identifiers": self._idents(p, 0.2, [dict(vs[0])] if vs else None),
                        "agency": self.ag.local(a),
                        "details": "Traffic stop; citation issued"
                        if r.random() < 0.6
                        else "Traffic stop; warning",
                    }
                )
        if p.offender and r.random() < 0.03:
            for d in self._days(p, 1, 0, None):
                a = p.addr_at(d)
                dest = pick(r, DESTINATIONS)
                events.append(
                    {
                        "type": "event",
                        "source": "travel_records",
                        "id": f"TR-{self.ids.seq('tr', 9_000_000):07d}",
                        "as_of": iso(d),
                        "kind": "travel",
                        "at": iso(d),
                        "address": {
                            "city": a.city,
                            "state": a.state,
                            "zip": a.zip,
                            "country": "US",
                            "kind": "temporary",
                        },
                        "identifiers": self._idents(p, 0.3),
                        "details": f"International travel: departed to {dest}, "
                        f"planned return {iso(min(d + rr(r, 5, 60), NOW + 90))}",
                    }
                )
        if p.jobs and p.offender and r.random() < (0.3 if moved else 0.05):
            j = p.jobs[-1]
            lo = j.start + 10
            hi = min(j.end or NOW, NOW) - 1
            if lo < hi:
                d = rr(r, lo, hi)
                events.append(
                    {
                        "type": "event",
                        "source": "employment_checks",
                        "id": f"EV-{self.ids.seq('ev', 9_000_000):07d}",
                        "as_of": iso(d),
                        "kind": "employment_check",
                        "at": iso(d),
                        "address": j.addr.as_dict(with_dates=False),
                        "identifiers": self._idents(p, 0.9),
                        "agency": self.ag.local(j.addr),
                        "details": f"Employment verified at {j.name}",
                    }
                )
        return persons, events

    def _lpr(self, p: Person, moved: int | None) -> list[dict]:
        r = self.r
        out = []
        for d in self._days(p, rr(r, 1, 7), NOW - 3 * YEAR, moved):
            vs = [(v, s) for v, s in zip(p.vehicles, p.vehicle_since, strict=True) if s <= d]
            if not vs:
                continue
            v, since = vs[rr(r, len(vs))]
            job = p.job_at(d)
            a = job.addr if job and r.random() < 0.3 else p.addr_at(d)
            ev: dict = {
                "type": "event",
                "source": "lpr",
                "id": f"LPR-{self.ids.seq('lpr', 900_000_000):09d}",
                "as_of": iso(d),
                "kind": "lpr_hit",
                "at": self._when(a, d),
                "address": self._near(a, 3),
                "vehicle": {
                    "plate": v["plate"],
                    "plate_state": v["plate_state"],
                    "make": v["make"] if r.random() < 0.5 else None,
                    "color": v["color"] if r.random() < 0.4 else None,
                },
                "agency": self.ag.local(a),
                "details": "Hotlist hit: registered offender vehicle" if p.offender else "Plate read",
            }
            reg = next((g for g in reversed(p.regs) if g.last_verified >= since), None)
            if reg is not None:
                ev["person_ref"] = {"source": f"registry:{reg.state}", "id": reg.registrant_id}
            else:
                ev["identifiers"] = {"vehicles": [{"plate": v["plate"], "plate_state": v["plate_state"]}]}
                ev["details"] = "Plate read"
            out.append(ev)
        return out

    def _booking(self, p: Person) -> dict:
        r = self.r
        reg = p.regs[-1] if p.regs else None
        if reg is not None and reg.status == "incarcerated":
            d = p.current.start - rr(r, 0, 40)
            charge = pick(r, CHARGES[1:])
        else:
            days = self._days(p, 1, 0, p.absconded_since if r.random() < 0.5 else None)
            d = days[0] if days else NOW - 30
            charge = (
                CHARGES[0]
                if p.absconded_since and d > p.absconded_since and r.random() < 0.5
                else pick(r, CHARGES[1:])
            )
        d = min(d, (p.deceased or NOW) - 1)
        a = p.addr_at(d)
        so = self.ag.sheriff[a.metro]
        jail = self.geo.metros[a.metro]
        jz = self._jail_zip.get(a.metro)
        if jz is None:
            jz = self._jail_zip[a.metro] = self.geo.nearest_zip(jail.lat, jail.lon, jail.state)
        return {
            "type": "event",
            "source": "jail_bookings",
            "id": f"BK-{self.ids.seq('bk', 90_000_000):08d}",
            "as_of": iso(d),
            "kind": "booking",
            "at": self._when(a, d),
            "address": {
                "line1": f"{1000 + int(jail.fips[2:]) * 3} Justice Center Dr",
                "city": jz.city,
                "state": jail.state,
                "zip": jz.zip,
                "country": "US",
                "lat": jz.lat,
                "lon": jz.lon,
                "kind": "temporary",
                "place_name": f"{jail.county} Jail",
            },
            "identifiers": self._idents(p, 0.8),
            "agency": self.ag.ref(so),
            "details": f"Booked: {charge}",
        }
