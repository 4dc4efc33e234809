"""Attempted abductions and related incidents: planted series among many singletons.

A series is one true offender: 3-6 incidents within SERIES_RADIUS_MI of a centre
near where he lives and within SERIES_MAX_DAYS, each described by a different
witness (ranges, synonyms, partial plates) around his real looks and vehicle.
"""

from __future__ import annotations

import math
import random

from vigil.demo.agencies import Agencies
from vigil.demo.geo import Geo, miles, offset_point, timestamp
from vigil.demo.ids import Ids
from vigil.demo.model import NOW, Person, age_on, iso
from vigil.demo.pools import COLOR_WEIGHTS, COLORS, MAKES, VEHICLES, pick, rr

SERIES_RADIUS_MI = 15.0
SERIES_MAX_DAYS = 75
_PLACE_RADIUS_MI = 12.0  # incidents are placed within this; SERIES_RADIUS_MI leaves slack for rounding
BUILDS = {
    "thin": ("thin", "slim", "skinny", "lanky"),
    "medium": ("medium", "average", "athletic"),
    "heavy": ("heavy", "heavyset", "stocky", "large"),
}
HAIR_SAYS = {
    "brown": ("brown", "dark brown", "light brown"),
    "black": ("black", "dark"),
    "blonde": ("blonde", "light", "sandy"),
    "gray": ("gray", "salt and pepper", "graying"),
    "bald": ("bald", "shaved"),
    "red": ("red", "reddish"),
    "white": ("white", "gray"),
}
FACIAL = ("beard", "mustache", "goatee", "stubble", "none")
CLOTHES = (
    "black hoodie",
    "gray hoodie",
    "red baseball cap",
    "camouflage jacket",
    "white T-shirt and jeans",
    "blue work shirt",
    "sunglasses and a ball cap",
    "orange safety vest",
    "dark jacket",
    "plaid shirt",
    "black jacket and jeans",
    "tank top and shorts",
)
LURES = ("ride", "animal", "candy", "money", "help", "threat", "none", "other")
_LURE_TEXT = {
    "ride": "offered the child a ride",
    "animal": "asked for help finding a lost puppy",
    "candy": "offered candy",
    "money": "offered money",
    "help": "asked for help carrying something",
    "threat": "ordered the child into the vehicle",
    "none": "tried to grab the child",
    "other": "said the child's mother had sent him",
}
_ACTIVITY_TEXT = {
    "walking_to_school": "walking to school",
    "walking_from_school": "walking home from school",
    "at_bus_stop": "waiting at a bus stop",
    "playing": "playing outside",
    "riding_bike": "riding a bike",
    "other": "outside",
}


def _build(p: Person) -> str:
    bmi = 703 * p.weight_lb / (p.height_in**2)
    return "thin" if bmi < 22 else ("heavy" if bmi > 29 else "medium")


class IncidentMaker:
    def __init__(self, rng: random.Random, geo: Geo, ids: Ids, agencies: Agencies) -> None:
        self.r, self.geo, self.ids, self.ag = rng, geo, ids, agencies

    def _when(self, state: str, day: int) -> tuple[str, str]:
        r = self.r
        slot = r.choices(("am", "pm", "eve"), (35, 45, 20))[0]
        if slot == "am":
            secs = rr(r, 7 * 3600, 8 * 3600 + 1800)
            act = pick(r, ("walking_to_school", "at_bus_stop"))
        elif slot == "pm":
            secs = rr(r, 14 * 3600 + 1800, 17 * 3600)
            act = pick(r, ("walking_from_school", "walking_from_school", "at_bus_stop", "riding_bike"))
        else:
            secs = rr(r, 16 * 3600, 20 * 3600)
            act = pick(r, ("playing", "riding_bike", "other"))
        return timestamp(state, day, secs), act

    def _record(
        self, lat: float, lon: float, day: int, desc: dict, vehicle: dict | None, lure: str, kind: str
    ) -> dict:
        r = self.r
        z = self.geo.nearest_zip(lat, lon)
        at, act = self._when(z.state, day)
        iid = f"AA-{iso(day)[:4]}-{self.ids.seq('aa', 1_000_000):06d}"
        child = {"age": rr(r, 6, 16), "sex": "F" if r.random() < 0.7 else "M", "activity": act}
        veh_text = ""
        if vehicle:
            veh_text = (
                f" driving a {vehicle.get('color') or ''} {vehicle.get('make') or ''} "
                f"{vehicle.get('body') or 'vehicle'}".replace("  ", " ")
            )
        narrative = (
            f"A {child['age']}-year-old {'girl' if child['sex'] == 'F' else 'boy'} "
            f"{_ACTIVITY_TEXT[act]} was approached by a man{veh_text} who {_LURE_TEXT[lure]}. "
            "The child ran and told an adult."
        )
        return {
            "type": "incident",
            "source": "attempted_abductions",
            "id": iid,
            "as_of": iso(min(NOW - 1, day + rr(r, 0, 5))),
            "kind": kind,
            "at": at,
            "address": {
                "line1": f"{rr(r, 100, 9999)} block of {pick(r, _STREETS)}",
                "city": z.city,
                "state": z.state,
                "zip": z.zip,
                "country": "US",
                "lat": lat,
                "lon": lon,
                "kind": "incident",
            },
            "child": child,
            "offender": desc,
            "vehicle": vehicle,
            "lure": lure,
            "agency": self.ag.local(state=z.state, city=z.city, metro=z.metro),
            "narrative": narrative,
        }

    # ---- series ---------------------------------------------------------------------------------------
    def series(self, p: Person, series_id: str) -> tuple[list[dict], dict]:
        r = self.r
        home = p.last_residence()
        clat, clon = offset_point(home.lat, home.lon, r.uniform(0, 3), r.uniform(0, 2 * math.pi))
        n = pick(r, (3, 3, 4, 4, 5, 6))
        span = rr(r, 14, SERIES_MAX_DAYS)
        start = NOW - span - 2 - rr(r, 3 * 365 - SERIES_MAX_DAYS)
        days = sorted([start, start + span] + [start + rr(r, span + 1) for _ in range(n - 2)])
        facial = pick(r, FACIAL)
        lure = pick(r, LURES[:6])
        veh = p.vehicles[0] if p.vehicles else None
        visible = [
            m for m in p.marks if any(w in m["location"] for w in ("arm", "hand", "neck", "wrist", "face"))
        ]
        recs = []
        for d in days:
            dist = _PLACE_RADIUS_MI * math.sqrt(r.random())
            lat, lon = offset_point(clat, clon, dist, r.uniform(0, 2 * math.pi))
            age = age_on(p.dob, d)
            lo = age - rr(r, 2, 9)
            hi = age + rr(r, 2, 9)
            if r.random() < 0.15:
                shift = pick(r, (-6, -5, 5, 6))
                lo, hi = lo + shift, hi + shift
            desc = {
                "sex": "M" if p.sex == "M" or r.random() < 0.3 else p.sex,
                "race": p.race if r.random() < 0.85 else pick(r, ("unknown", "white", "hispanic")),
                "age_min": max(16, lo),
                "age_max": max(20, hi),
                "height_min_in": p.height_in - rr(r, 1, 5),
                "height_max_in": p.height_in + rr(r, 1, 5),
                "build": pick(r, BUILDS[_build(p)]) if r.random() < 0.85 else None,
                "hair": pick(r, HAIR_SAYS[p.hair]) if r.random() < 0.8 else None,
                "facial_hair": facial if r.random() < 0.75 else pick(r, FACIAL),
                "clothing": pick(r, CLOTHES),
                "marks": [dict(visible[0])] if visible and r.random() < 0.4 else [],
            }
            vehicle = self._seen_vehicle(veh) if veh and r.random() < 0.85 else None
            this_lure = lure if r.random() < 0.7 else pick(r, LURES)
            kind = r.choices(
                ("attempted_abduction", "suspicious", "indecent_exposure", "short_term_abduction"),
                (75, 15, 5, 5),
            )[0]
            recs.append(self._record(lat, lon, d, desc, vehicle, this_lure, kind))
        worst = max(miles(clat, clon, rec["address"]["lat"], rec["address"]["lon"]) for rec in recs)
        assert worst <= SERIES_RADIUS_MI
        truth = {
            "series_id": series_id,
            "refs": [f"attempted_abductions/{x['id']}" for x in recs],
            "offender_entity": p.eid,
            "center": {"lat": clat, "lon": clon},
            "radius_mi": SERIES_RADIUS_MI,
            "first": iso(days[0]),
            "last": iso(days[-1]),
            "max_span_days": SERIES_MAX_DAYS,
        }
        return recs, truth

    def _seen_vehicle(self, v: dict) -> dict:
        """What a witness gets of a real vehicle: a colour word, maybe the make, part of the plate."""
        r = self.r
        out: dict = {
            "color": pick(r, COLORS[v["color"]]) if r.random() < 0.9 else None,
            "make": v["make"] if r.random() < 0.7 else None,
            "model": v["model"] if r.random() < 0.35 else None,
            "body": ("minivan" if v["body"] == "van" and r.random() < 0.4 else v["body"])
            if r.random() < 0.85
            else None,
        }
        u = r.random()
        plate = v["plate"]
        if u < 0.2:
            out["plate"] = plate
        elif u < 0.65:
            keep = sorted(r.sample(range(len(plate)), rr(r, 2, min(5, len(plate)))))
            chars = [c if i in keep else "?" for i, c in enumerate(plate)]
            s = "".join(chars)
            out["plate"] = s.rstrip("?") if r.random() < 0.5 else s
        if out.get("plate") and r.random() < 0.5:
            out["plate_state"] = v["plate_state"]
        return out

    # ---- unrelated incidents -------------------------------------------------------------------------
    def singleton(self) -> dict:
        r = self.r
        m = self.geo.metro(r)
        z = self.geo.zip_in(r, m)
        lat, lon = offset_point(z.lat, z.lon, r.uniform(0, 1.5), r.uniform(0, 2 * math.pi))
        day = NOW - 1 - rr(r, 3 * 365)
        age = rr(r, 18, 65)
        h = round(r.gauss(69, 3))
        desc = {
            "sex": "M" if r.random() < 0.93 else "F",
            "race": pick(r, ("white", "black", "hispanic", "asian", "unknown", "white", "hispanic")),
            "age_min": age - rr(r, 2, 8),
            "age_max": age + rr(r, 2, 10),
            "height_min_in": h - rr(r, 1, 4),
            "height_max_in": h + rr(r, 1, 4),
            "build": pick(r, [b for v in BUILDS.values() for b in v]) if r.random() < 0.8 else None,
            "hair": pick(r, [b for v in HAIR_SAYS.values() for b in v]) if r.random() < 0.7 else None,
            "facial_hair": pick(r, FACIAL) if r.random() < 0.6 else None,
            "clothing": pick(r, CLOTHES),
            "marks": [],
        }
        vehicle = None
        if r.random() < 0.65:
            make = pick(r, MAKES)
            model, body = pick(r, VEHICLES[make])
            fake = {
                "plate": self.ids.plate(m.state),
                "plate_state": m.state,
                "make": make,
                "model": model,
                "color": COLOR_WEIGHTS(r),
                "body": body,
            }
            vehicle = self._seen_vehicle(fake)
        kind = r.choices(
            (
                "attempted_abduction",
                "suspicious",
                "indecent_exposure",
                "short_term_abduction",
                "sexual_assault",
            ),
            (60, 25, 9, 4, 2),
        )[0]
        return self._record(lat, lon, day, desc, vehicle, pick(r, LURES), kind)


_STREETS = (
    "Main St",
    "Oak Ave",
    "Elm St",
    "Park Dr",
    "School Rd",
    "Church St",
    "Maple Ave",
    "Lake Blvd",
    "Mill Rd",
    "Cedar Ln",
    "Hill St",
    "Pine St",
    "Washington Ave",
    "Jefferson St",
    "River Rd",
)
