"""Missing-child cases, the unidentified children who match some of them, and call-center leads."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

from vigil.demo.agencies import Agencies
from vigil.demo.geo import Geo, Zip, offset_point, timestamp
from vigil.demo.ids import Ids, fmt_phone
from vigil.demo.model import NOW, Addr, Person, age_on, iso
from vigil.demo.noise import noisy_name
from vigil.demo.people import PLATFORMS, PeopleFactory
from vigil.demo.pools import pick, rr

CATEGORIES = (
    ("endangered_runaway", 70),
    ("family_abduction", 14),
    ("nonfamily_abduction", 2),
    ("lost_injured", 3),
    ("critical_other", 11),
)
_AGES = {
    "endangered_runaway": (12.5, 17.9),
    "family_abduction": (1.0, 13.0),
    "nonfamily_abduction": (4.0, 17.5),
    "lost_injured": (2.0, 16.0),
    "critical_other": (10.0, 17.9),
}
_RECOVERY = {
    "endangered_runaway": 0.8,
    "family_abduction": 0.7,
    "nonfamily_abduction": 0.5,
    "lost_injured": 0.9,
    "critical_other": 0.7,
}
CHILD_MARKS = (
    ("scar", "left knee", "2-inch scar"),
    ("scar", "chin", "small scar"),
    ("birthmark", "neck", "brown birthmark"),
    ("birthmark", "left thigh", "port-wine stain"),
    ("tattoo", "left wrist", "small star"),
    ("tattoo", "right ankle", "heart"),
    ("piercing", "nose", "left nostril stud"),
    ("piercing", "ears", "multiple ear piercings"),
    ("scar", "right forearm", "burn scar"),
    ("tattoo", "behind left ear", "name 'Jayden'"),
)
CLOTHING = (
    "gray hoodie, black leggings",
    "blue jeans, white T-shirt",
    "red jacket, black sweatpants",
    "pink pajamas",
    "black hoodie, jeans, white sneakers",
    "green school uniform polo, khaki pants",
    "denim jacket, black T-shirt",
    "purple sweatshirt, gray shorts",
)


@dataclass(slots=True)
class CasePlan:
    category: str
    repeat: bool = False
    # chain injection: (person, identifiers) -> written as suspect[0]
    chain_person: Person | None = None
    chain_idents: list[tuple[str, str]] = field(default_factory=list)
    hubs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class CaseSummary:
    ref: str
    number: str
    category: str
    status: str
    since: int
    child: Person
    home: Addr
    companions: list[Person]
    child_phone: str | None
    state: str


def ident_value(kind: str, value: str, rng: random.Random) -> object:
    """An identifier the way a structured field carries it."""
    if kind == "phone":
        return fmt_phone(value, rr(rng, 6))
    if kind == "screen_name":
        plat, handle = value.split("/", 1)
        return {"platform": plat, "handle": handle}
    return value


def inline_person(
    rng: random.Random,
    p: Person,
    day: int,
    nicks: dict[str, list[str]],
    *,
    dob: float = 0.6,
    phones: bool = True,
    vehicles: bool = True,
    address: bool = False,
) -> dict:
    """A person named inside a case or tip: partial and as the reporter knew them on `day`."""
    d: dict = {"names": [noisy_name(rng, p, nicks, rate=1.5)], "sex": p.sex}
    if rng.random() < dob:
        d["dob"] = iso(p.dob)
    else:
        d["age"] = age_on(p.dob, day) + pick(rng, (0, 0, 1, -1, 2))
    if rng.random() < 0.5:
        d["race"] = p.race
    if phones:
        d["phones"] = [fmt_phone(ph.number, rr(rng, 6)) for ph in p.phones_at(day)[:2]]
    if vehicles and p.vehicles:
        d["vehicles"] = [dict(p.vehicles[0])]
    if address:
        d["addresses"] = [p.addr_at(day).as_dict(with_dates=False, with_geo=False)]
    return d


class CaseMaker:
    def __init__(
        self,
        rng: random.Random,
        geo: Geo,
        ids: Ids,
        pf: PeopleFactory,
        agencies: Agencies,
        nicks: dict[str, list[str]],
    ) -> None:
        self.r, self.geo, self.ids, self.pf, self.ag, self.nicks = rng, geo, ids, pf, agencies, nicks
        self.new_entities: list[tuple[str, list[str]]] = []  # entity -> refs, for people first seen here
        self.repeats: list[list[str]] = []

    def plan(self, n: int) -> list[CasePlan]:
        r = self.r
        cats = [c for c, _ in CATEGORIES]
        ws = [w for _, w in CATEGORIES]
        plans = []
        budget = n
        while budget > 0:
            c = r.choices(cats, ws)[0]
            rep = c == "endangered_runaway" and budget >= 2 and r.random() < 0.08
            plans.append(CasePlan(c, rep))
            budget -= 2 if rep else 1
        return plans

    def _since(self) -> int:
        r = self.r
        if r.random() < 0.7:
            return NOW - 1 - rr(r, 730)
        return NOW - 730 - rr(r, 9 * 365)

    def _status(self, cat: str, since: int) -> tuple[str, int | None]:
        r = self.r
        if since > NOW - 10:
            return "open", None
        u = r.random()
        rec = _RECOVERY[cat]
        if u < rec:
            return "recovered", min(NOW - 1, since + 1 + int(r.expovariate(1 / 25)))
        if u < rec + 0.04:
            return "closed", min(NOW - 1, since + 30 + rr(r, 700))
        return "open", None

    def make(self, plan: CasePlan, people: dict[str, list[Person]]) -> list[tuple[dict, CaseSummary]]:
        r = self.r
        cat = plan.category
        parent = people["parent"].pop() if cat == "family_abduction" and people["parent"] else None
        offender = None
        if cat == "nonfamily_abduction" or (
            cat in ("endangered_runaway", "critical_other") and r.random() < 0.04
        ):
            offender = people["suspect_offender"].pop() if people["suspect_offender"] else None
        helper = None
        if (
            cat in ("endangered_runaway", "critical_other")
            and r.random() < 0.12
            and people["suspect_civilian"]
        ):
            helper = people["suspect_civilian"].pop()
        anchor = parent or offender or helper
        if anchor is not None and (parent is None or r.random() < 0.5):
            metro = self.geo.metros[anchor.current.metro]
        else:
            metro = self.geo.metro(r)
        lo, hi = _AGES[cat]
        sex = "F" if r.random() < (0.62 if cat in ("endangered_runaway", "critical_other") else 0.5) else "M"
        since = self._since()
        age = r.uniform(lo, hi)
        child = self.pf.child(
            sex=sex,
            age=age,
            day=since,
            last=parent.last if parent else None,
            metro=metro,
            race=parent.race if parent else None,
        )
        if sex == "F" and parent and parent.sex == "F" and parent.maiden and r.random() < 0.3:
            child.last = parent.maiden
        if r.random() < 0.3:
            child.marks = [
                {"kind": k, "location": loc, "description": d}
                for k, loc, d in r.sample(CHILD_MARKS, pick(r, (1, 1, 2)))
            ]
        teen = age >= 11.5
        child_phone = self.ids.phone(metro.state, metro.area_codes) if teen and r.random() < 0.6 else None
        child.screens = (
            [(pl, self.ids.handle(child.first)) for pl in r.sample(PLATFORMS, pick(r, (1, 2)))]
            if teen and r.random() < 0.6
            else []
        )
        team = f"Team {1 + rr(r, 8)}"
        companions: list[Person] = []
        if cat == "endangered_runaway" and r.random() < 0.25:
            if helper is not None:
                companions.append(helper)
                helper = None
            else:
                comp = self.pf.civilian(metro=metro, age=r.uniform(16.5, 21))
                self.new_entities.append((comp.eid, comp.refs))
                companions.append(comp)
        suspects: list[Person] = [x for x in (parent, offender, helper) if x is not None]
        out = []
        first_home = child.addresses[0]
        s1 = self._one(
            plan,
            cat,
            child,
            first_home,
            since,
            team,
            companions,
            suspects,
            child_phone,
            force_recovered=plan.repeat,
        )
        out.append(s1)
        if plan.repeat:
            rec_on = s1[1].since if s1[0]["recovered_on"] is None else _ord(s1[0]["recovered_on"])
            since2 = rec_on + rr(r, 20, 500)
            if since2 < NOW - 2:
                home2 = first_home if r.random() < 0.6 else self.pf.address(metro, rec_on + 5, None)
                phone2 = (
                    child_phone
                    if r.random() < 0.5
                    else (self.ids.phone(metro.state, metro.area_codes) if r.random() < 0.6 else None)
                )
                s2 = self._one(CasePlan(cat), cat, child, home2, since2, team, [], [], phone2)
                out.append(s2)
                self.repeats.append([s1[1].ref, s2[1].ref])
        return out

    def _one(
        self,
        plan: CasePlan,
        cat: str,
        child: Person,
        home: Addr,
        since: int,
        team: str,
        companions: list[Person],
        suspects: list[Person],
        child_phone: str | None,
        force_recovered: bool = False,
    ) -> tuple[dict, CaseSummary]:
        r = self.r
        number = f"MC-{iso(since)[:4]}-{self.ids.seq('mc', 1_000_000):06d}"
        ref = f"missing_cases/{number}"
        status, recovered = self._status(cat, since)
        if force_recovered:
            status, recovered = "recovered", min(NOW - 30, since + 1 + rr(r, 60))
            if recovered <= since:
                since = recovered - 5
        age = age_on(child.dob, since)
        cd: dict = {
            "names": [
                {
                    "first": child.first,
                    "middle": child.middle,
                    "last": child.last,
                    "suffix": None,
                    "kind": "primary",
                }
            ],
            "dob": iso(child.dob),
            "age": age,
            "sex": child.sex,
            "race": child.race,
            "height_in": child.height_in + (2 if since - child.addresses[0].start > 900 and age < 15 else 0),
            "weight_lb": child.weight_lb,
            "eye_color": child.eye,
            "hair_color": child.hair,
            "marks": child.marks,
        }
        if child.first in self.nicks and r.random() < 0.25:
            cd["names"].append(
                {
                    "first": pick(r, self.nicks[child.first]),
                    "middle": None,
                    "last": child.last,
                    "suffix": None,
                    "kind": "nickname",
                }
            )
        phones: list = [fmt_phone(child_phone, rr(r, 6))] if child_phone else []
        screens = [{"platform": pl, "handle": h} for pl, h in child.screens]
        emails: list[str] = []
        comp_recs = [
            inline_person(r, c, since, self.nicks, dob=0.4, vehicles=age_on(c.dob, since) >= 18)
            for c in companions
        ]
        susp_recs = [inline_person(r, s, since, self.nicks, dob=0.7, address=True) for s in suspects]
        susp_people = list(suspects)
        if plan.chain_person is not None:
            sp: dict = {"names": [], "sex": plan.chain_person.sex}
            for kind, value in plan.chain_idents:
                key = {"phone": "phones", "email": "emails", "screen_name": "screen_names", "ip": "ips"}[kind]
                sp.setdefault(key, []).append(ident_value(kind, value, r))
            susp_recs.append(sp)
            susp_people.append(plan.chain_person)
        for kind, value in plan.hubs:
            if kind == "phone":
                phones.append(fmt_phone(value, rr(r, 6)))
            elif kind == "email":
                emails.append(value)
        m = self.geo.metros[home.metro]
        where = home.as_dict(with_dates=False)
        where["kind"] = "residence"
        rec = {
            "type": "missing_case",
            "source": "missing_cases",
            "id": number,
            "as_of": iso(recovered or min(NOW - 1, since + rr(r, 1, 200))),
            "case_number": number,
            "category": cat,
            "child": cd,
            "missing_since": iso(since),
            "missing_from": where,
            "companions": comp_recs,
            "suspects": susp_recs,
            "phones": phones,
            "emails": emails,
            "screen_names": screens,
            "photo_hashes": [{"algo": "pdq", "value": self.ids.hexdigits(64)} for _ in range(rr(r, 1, 4))]
            + [{"algo": "md5", "value": self.ids.hexdigits(32)}],
            "status": status,
            "recovered_on": iso(recovered) if recovered else None,
            "agency": self.ag.local(home),
            "team": team,
            "narrative": self._narrative(cat, child, home, since, companions, suspects, child_phone),
        }
        if not child.refs:
            self.new_entities.append((child.eid, child.refs))
        child.refs.append(f"{ref}#child")
        for i, c in enumerate(companions):
            c.refs.append(f"{ref}#companion[{i}]")
        for i, s in enumerate(susp_people):
            s.refs.append(f"{ref}#suspect[{i}]")
        summ = CaseSummary(ref, number, cat, status, since, child, home, companions, child_phone, m.state)
        return rec, summ

    def _narrative(
        self,
        cat: str,
        child: Person,
        home: Addr,
        since: int,
        companions: list[Person],
        suspects: list[Person],
        phone: str | None,
    ) -> str:
        r = self.r
        who = f"{child.first} {child.last}"
        date_s = iso(since)
        if cat == "endangered_runaway":
            s = f"{who} left the family residence in {home.city}, {home.state} on {date_s} " + pick(
                r,
                (
                    "after an argument with a parent.",
                    "and did not return from school.",
                    "during the night; the bedroom window was found open.",
                    "from a group home placement.",
                ),
            )
        elif cat == "family_abduction":
            p = suspects[0] if suspects else None
            s = f"{who} was taken on {date_s} by a noncustodial parent" + (
                f", {p.first} {p.last}, in violation of a custody order." if p else "."
            )
        elif cat == "nonfamily_abduction":
            s = (
                f"{who} was last seen on {date_s} near home in {home.city}; a witness reported an adult male "
                "speaking to the child shortly before."
            )
        elif cat == "lost_injured":
            s = f"{who} wandered away from a family gathering in {home.city} on {date_s}."
        else:
            s = (
                f"{who} has been missing since {date_s}; there are concerns of exploitation and contact "
                "with unknown adults online."
            )
        if companions:
            c = companions[0]
            s += f" Believed to be with {c.first} {c.last}."
        if phone and r.random() < 0.5:
            s += f" Child's cell phone: {fmt_phone(phone, rr(r, 4))}."
        return s

    # ---- unidentified children -----------------------------------------------------------------------
    def unidentified(self, open_cases: list[CaseSummary], n: int) -> tuple[list[dict], dict[str, str]]:
        r = self.r
        eligible = [c for c in open_cases if c.since < NOW - 60]
        r.shuffle(eligible)
        n_match = min(len(eligible), n // 2)
        out: list[dict] = []
        truth: dict[str, str] = {}
        for c in eligible[:n_match]:
            rec = self._unid_from(c)
            truth[f"unidentified/{rec['id']}"] = c.ref
            out.append(rec)
        while len(out) < n:
            out.append(self._unid_random())
        r.shuffle(out)
        return out, truth

    def _unid_id(self) -> str:
        return f"UP-{10_000 + self.ids.seq('up', 900_000)}"

    def _unid_from(self, c: CaseSummary) -> dict:
        r = self.r
        ch = c.child
        found = c.since + rr(r, 3, max(4, min(1500, NOW - 2 - c.since)))
        if r.random() < 0.08:
            found = c.since - rr(r, 1, 6)  # recorded date off by a few days
        years = max(0.0, (found - c.since) / 365.25)
        est_age = age_on(ch.dob, max(found, c.since))
        grow = min(years, 4) * (2.0 if age_on(ch.dob, c.since) < 14 else 0.8)
        h = ch.height_in + grow
        lo_age = max(0, est_age - pick(r, (1, 2, 2, 3)))
        d_mi = r.uniform(3, 150) if r.random() < 0.8 else r.uniform(150, 350)
        lat, lon = offset_point(c.home.lat, c.home.lon, d_mi, r.uniform(0, 2 * math.pi))
        z = self.geo.nearest_zip(lat, lon)
        # the synthetic world only has metro ZIPs: put the find in the nearest one so place and ZIP agree
        lat, lon = offset_point(z.lat, z.lon, r.uniform(0, 1.5), r.uniform(0, 2 * math.pi))
        marks = [
            {"kind": mk["kind"], "location": mk["location"], "description": mk["description"]}
            for mk in ch.marks
            if r.random() < 0.7
        ]
        return self._unid_record(
            found,
            z,
            lat,
            lon,
            ch.sex,
            lo_age,
            est_age + pick(r, (1, 2, 2, 3)),
            "unknown" if r.random() < 0.1 else ch.race,
            h,
            ch.weight_lb,
            marks,
        )

    def _unid_random(self) -> dict:
        r = self.r
        m = self.geo.metro(r)
        z = self.geo.zip_in(r, m)
        age = rr(r, 1, 18)
        h = (31 + 2.45 * age) if age < 12 else r.uniform(58, 70)
        w = (22 + 5.2 * age) if age < 12 else r.uniform(90, 170)
        marks = [
            {"kind": k, "location": loc, "description": d}
            for k, loc, d in r.sample(CHILD_MARKS, pick(r, (0, 0, 1)))
        ]
        found = NOW - rr(r, 5, 12 * 365)
        lat, lon = offset_point(z.lat, z.lon, r.uniform(0, 4), r.uniform(0, 2 * math.pi))
        return self._unid_record(
            found,
            z,
            lat,
            lon,
            pick(r, "MF"),
            max(0, age - 2),
            age + 2,
            pick(r, ("white", "black", "hispanic", "asian", "unknown")),
            h,
            w,
            marks,
        )

    def _unid_record(
        self,
        found: int,
        z: Zip,
        lat: float,
        lon: float,
        sex: str,
        age_min: int,
        age_max: int,
        race: str,
        h: float,
        w: float,
        marks: list[dict],
    ) -> dict:
        r = self.r
        uid = self._unid_id()
        hs, ws = r.uniform(1.5, 3.5), r.uniform(8, 20)
        return {
            "type": "unidentified",
            "source": "unidentified",
            "id": uid,
            "as_of": iso(min(NOW - 1, found + 30)),
            "case_number": uid,
            "found_on": iso(found),
            "found_at": {
                "city": z.city,
                "state": z.state,
                "zip": z.zip,
                "country": "US",
                "lat": lat,
                "lon": lon,
                "kind": "incident",
            },
            "sex": sex,
            "age_min": age_min,
            "age_max": min(age_max, 25),
            "race": race,
            "height_min_in": round(h - hs),
            "height_max_in": round(h + hs),
            "weight_min_lb": max(10, round(w - ws)),
            "weight_max_lb": round(w + ws),
            "marks": marks,
            "clothing": pick(r, CLOTHING),
            "dna_available": r.random() < 0.8,
            "dental_available": r.random() < 0.5,
            "agency": self.ag.local(state=z.state, city=z.city, metro=z.metro),
            "narrative": "Remains of a juvenile recovered; identity unknown."
            if r.random() < 0.7
            else "Living child found unable to identify self.",
        }

    # ---- call-center leads ------------------------------------------------------------------------------
    def lead(self, open_cases: list[CaseSummary], hubs: list[tuple[str, str]]) -> tuple[dict, str | None]:
        r = self.r
        lid = f"LD-{self.ids.seq('lead', 9_000_000) + 1_000_000}"
        case = open_cases[rr(r, len(open_cases))] if open_cases and r.random() < 0.7 else None
        if case is not None:
            lat0, lon0 = case.home.lat, case.home.lon
            day = max(case.since + 1, NOW - rr(r, 1, 400)) if case.since < NOW - 2 else NOW - 1
            d_mi = r.uniform(0, 25) if r.random() < 0.8 else r.uniform(25, 300)
        else:
            z = self.geo.zip_in(r, self.geo.metro(r))
            lat0, lon0 = z.lat, z.lon
            day = NOW - rr(r, 1, 900)
            d_mi = r.uniform(0, 3)
        lat, lon = offset_point(lat0, lon0, d_mi, r.uniform(0, 2 * math.pi))
        zz = self.geo.nearest_zip(lat, lon)
        lat, lon = offset_point(zz.lat, zz.lon, r.uniform(0, 1.5), r.uniform(0, 2 * math.pi))
        mentioned: dict = {"names": [], "phones": [], "vehicles": [], "case_numbers": []}
        text_bits = []
        if case is not None:
            ch = case.child
            if r.random() < 0.8:
                first = ch.first if r.random() < 0.8 else pick(r, self.nicks.get(ch.first, [ch.first]))
                mentioned["names"].append(f"{first} {ch.last}")
                text_bits.append(f"Caller believes she saw {first} {ch.last}")
            else:
                text_bits.append(
                    f"Caller saw a {age_on(ch.dob, day)}-year-old {'girl' if ch.sex == 'F' else 'boy'}"
                    " matching a missing-child poster"
                )
            if r.random() < 0.6:
                mentioned["case_numbers"].append(case.number)
            if case.companions and r.random() < 0.4:
                comp = case.companions[0]
                mentioned["names"].append(f"{comp.first} {comp.last}")
                if comp.vehicles and r.random() < 0.7:
                    v = comp.vehicles[0]
                    plate = v["plate"] if r.random() < 0.5 else v["plate"][:3] + "?" * (len(v["plate"]) - 3)
                    mentioned["vehicles"].append({"plate": plate, "make": v["make"], "color": v["color"]})
                    text_bits.append(f"with an adult in a {v['color']} {v['make']}")
            if case.child_phone and r.random() < 0.25:
                mentioned["phones"].append(fmt_phone(case.child_phone, rr(r, 6)))
                text_bits.append("and gave the number the child was texting from")
        else:
            g = self.pf.identity(age=r.uniform(12, 17), sex=pick(r, "MF"))
            mentioned["names"].append(f"{g.first} {g.last}")
            text_bits.append(f"Caller reports a juvenile, possibly named {g.first}, appearing distressed")
        for kind, value in hubs:
            if kind == "phone":
                mentioned["phones"].append(fmt_phone(value, rr(r, 6)))
                text_bits.append("Caller is staff at the youth shelter")
        text = (", ".join(text_bits) + f" near {zz.city}, {zz.state}.").replace("  ", " ")
        secs = rr(r, 6 * 3600, 23 * 3600)
        rec = {
            "type": "lead",
            "source": "call_center",
            "id": lid,
            "as_of": iso(day),
            "received_at": timestamp(zz.state, day, secs),
            "caller": {"kind": r.choices(("public", "le", "family"), (80, 8, 12))[0]},
            "text": text,
            "sighting": {
                "at": timestamp(zz.state, day, max(0, secs - rr(r, 600, 6 * 3600))),
                "address": {
                    "city": zz.city,
                    "state": zz.state,
                    "zip": zz.zip,
                    "country": "US",
                    "lat": lat,
                    "lon": lon,
                    "kind": "incident",
                },
            },
            "mentioned": mentioned,
        }
        return rec, case.ref if case is not None else None


def _ord(s: str) -> int:
    return date.fromisoformat(s).toordinal()
