"""True individuals: identity, residence history, phones, jobs, vehicles, registration.

Histories are built backwards from "now" (2026-11-01): the current residence
first, then earlier ones. Offender scenarios (absconder, moved out, ...) fix the
key dates first and shape the history around them so the registry, the vendors
and the events can tell a consistent story.
"""

from __future__ import annotations

import random

from vigil.demo.geo import STATES, Geo, Metro
from vigil.demo.ids import Ids
from vigil.demo.model import (
    DAYS_PER_YEAR,
    EARLIEST,
    NOW,
    Addr,
    Job,
    Person,
    Phone,
    Registration,
    add_months,
    age_on,
)
from vigil.demo.pools import (
    COLOR_WEIGHTS,
    COMPANY_SUFFIXES,
    DIRECTIONS,
    EYES,
    FIRST_F,
    FIRST_M,
    HAIR,
    INDUSTRIES,
    LAST,
    MAKES,
    MARK_LOCATIONS,
    OFFENSES,
    RACES,
    SCARS,
    STREET_SUFFIXES,
    STREETS,
    TATTOOS,
    VEHICLES,
    Weighted,
    nickname_table,
    pick,
    rr,
)

YEAR = int(DAYS_PER_YEAR)
PLATFORMS = ("kik", "snapchat", "instagram", "facebook", "discord", "tiktok", "x", "telegram")
TIER_MONTHS = {"I": 12, "II": 6, "III": 3}
# Offender storylines and how common they are among registrants.
SCENARIOS = (
    ("compliant", 78.0),
    ("absconder", 6.5),
    ("noncompliant", 5.5),
    ("incarcerated", 4.5),
    ("deceased", 1.5),
    ("two_state", 2.6),
    ("moved_out", 1.2),
    ("unknown", 0.2),
)
_REGISTRY_STATES = ("TX", "OK", "FL", "OH", "CA")
_SCENARIOS = Weighted([s for s, _ in SCENARIOS], [w for _, w in SCENARIOS])
_TIERS = Weighted(["I", "II", "III"], [40, 33, 27])
_N_RESIDENCES = Weighted([1, 2, 3, 4, 5, 6], [12, 24, 26, 18, 12, 8])
_N_EMAILS = Weighted([0, 1, 2, 3], [33, 42, 18, 7])
_N_VEHICLES = Weighted([0, 1, 2], [28, 55, 17])
# registrants are spread like the population of their state
_REG_STATE = Weighted(list(_REGISTRY_STATES), [STATES[s][1] for s in _REGISTRY_STATES])


class PeopleFactory:
    def __init__(self, rng: random.Random, geo: Geo, ids: Ids) -> None:
        self.r = rng
        self.geo = geo
        self.ids = ids
        self.n = 0
        self.nicks = nickname_table()

    # ---- identity -------------------------------------------------------------------------------
    def new_eid(self) -> str:
        self.n += 1
        return f"E{self.n:06d}"

    def identity(
        self,
        *,
        sex: str | None = None,
        age: float | None = None,
        offender: bool = False,
        first: str | None = None,
        last: str | None = None,
    ) -> Person:
        r = self.r
        if sex is None:
            sex = ("M" if r.random() < 0.95 else "F") if offender else ("M" if r.random() < 0.5 else "F")
        if age is None:
            age = r.triangular(19, 78, 36) if offender else r.triangular(18, 90, 38)
        dob = NOW - int(age * DAYS_PER_YEAR) - rr(r, 365)
        names = FIRST_M if sex == "M" else FIRST_F
        first = first or names(r)
        middle = names(r) if r.random() < 0.85 else None
        if middle == first:
            middle = names(r)
        suffix = None
        if sex == "M" and r.random() < 0.03:
            suffix = "Jr" if r.random() < 0.8 else "III"
        if sex == "M":
            h = min(80, max(61, round(r.gauss(69.5, 3.0))))
            w = min(340, max(125, round(r.gauss(192, 35))))
        else:
            h = min(74, max(57, round(r.gauss(64.0, 2.8))))
            w = min(320, max(100, round(r.gauss(165, 38))))
        hair = HAIR(r)
        if hair == "bald" and (sex == "F" or age < 30):
            hair = "brown"
        race = RACES(r)
        if offender and race == "white" and r.random() < 0.08:
            race = "black"
        p = Person(
            self.new_eid(),
            sex,
            race,
            first,
            middle,
            last or LAST(r),
            suffix,
            dob,
            h,
            w,
            EYES(r),
            hair,
            self.ids.ssn() if r.random() < 0.96 else None,
        )
        if sex == "F" and age > 22 and r.random() < 0.55:
            p.maiden = LAST(r)
        if offender and r.random() < 0.3:
            self._alias(p)
        return p

    def _alias(self, p: Person) -> None:
        r = self.r
        nicks = self.nicks.get(p.first)
        if nicks and r.random() < 0.6:
            p.aliases.append(
                {"first": pick(r, nicks), "middle": None, "last": p.last, "suffix": None, "kind": "alias"}
            )
        else:
            p.aliases.append(
                {"first": p.first, "middle": None, "last": LAST(r), "suffix": None, "kind": "alias"}
            )
        if r.random() < 0.2:
            moniker = pick(
                r, ("Bubba", "Junior", "Red", "Tiny", "Slim", "Smoke", "Chief", "Dutch", "Bear", "Shorty")
            )
            p.aliases.append(
                {"first": moniker, "middle": None, "last": None, "suffix": None, "kind": "moniker"}
            )

    # ---- places ---------------------------------------------------------------------------------
    def address(self, metro: Metro, start: int, end: int | None, kind: str = "residence") -> Addr:
        r = self.r
        z = metro.zips[rr(r, len(metro.zips))]
        u = r.random()
        num = rr(r, 100, 999) if u < 0.33 else (rr(r, 1000, 9999) if u < 0.67 else rr(r, 10000, 24999))
        pre = pick(r, DIRECTIONS) if r.random() < 0.15 else ""
        unit, unit_kind = None, "Apt"
        u = r.random()
        if u < 0.22:
            unit = f"{rr(r, 1, 40)}{pick(r, 'ABCD') if r.random() < 0.4 else ''}"
        elif u < 0.26:
            unit, unit_kind = str(rr(r, 1, 200)), pick(r, ("Unit", "Lot", "Trlr"))
        lat = round(z.lat + r.uniform(-0.012, 0.012), 5)
        lon = round(z.lon + r.uniform(-0.014, 0.014), 5)
        return Addr(
            num,
            pre,
            pick(r, STREETS),
            rr(r, len(STREET_SUFFIXES)),
            unit,
            unit_kind,
            z.city,
            z.state,
            z.zip,
            lat,
            lon,
            metro.idx,
            start,
            end,
            kind,
        )

    def facility(self, metro: Metro, start: int) -> Addr:
        a = self.address(metro, start, None, kind="temporary")
        a.unit, a.pre = None, ""
        a.street, a.suf = f"State Highway {rr(self.r, 6, 380)}", -1
        a.place_name = f"{STATES[metro.state][0]} Department of Corrections - {a.city} Unit"
        return a

    def prior_metro(self, metro: Metro) -> Metro:
        u = self.r.random()
        if u < 0.80:
            return metro
        if u < 0.92:
            return self.geo.metro(self.r, metro.state)
        return self.geo.metro(self.r, self.geo.state(self.r, exclude=metro.state))

    def history(
        self,
        p: Person,
        metro: Metro,
        cur_start: int | None = None,
        min_prev_days: int = 0,
        prev_metro: Metro | None = None,
        current: Addr | None = None,
    ) -> None:
        """Residences newest first, then reversed.

        `min_prev_days` keeps the previous residence long enough to span a registry verification.
        """
        r = self.r
        floor = max(p.dob + 18 * YEAR + rr(r, 200), EARLIEST)
        if cur_start is None:
            cur_start = NOW - 20 - int(r.expovariate(1 / (4.5 * YEAR)))
        cur_start = min(max(cur_start, floor), NOW - 3)
        cur = current.moved(cur_start, None) if current is not None else self.address(metro, cur_start, None)
        addrs = [cur]
        n_max = _N_RESIDENCES(r)
        t, loc = cur_start, metro
        while len(addrs) < max(n_max, 2 if prev_metro or min_prev_days else 1):
            end = t - rr(r, 0, 25)
            dur = max(200, int(r.expovariate(1 / (3.2 * YEAR))))
            if len(addrs) == 1 and min_prev_days:
                dur = max(dur, min_prev_days)
            start = end - dur
            forced = len(addrs) == 1 and bool(prev_metro or min_prev_days)
            if not forced:
                if end - floor < 150:
                    break
                start = max(start, floor)
            loc = prev_metro if (len(addrs) == 1 and prev_metro) else self.prior_metro(loc)
            addrs.append(self.address(loc, start, end))
            t = start
            if start == floor:
                break
        addrs.reverse()
        p.addresses = addrs

    # ---- identifiers and life details ------------------------------------------------------------
    def contact_details(self, p: Person, young_online: bool = False) -> None:
        r = self.r
        floor = p.addresses[0].start
        age = age_on(p.dob, NOW)
        if r.random() < 0.93:
            start = max(floor, NOW - 15 - int(r.expovariate(1 / (3 * YEAR))))
            self._add_phone(p, "mobile", start, None)
            t = start
            while r.random() < 0.45 and t - floor > 300 and len(p.phones) < 4:
                end = t - rr(r, 0, 40)
                start = max(floor, end - max(120, int(r.expovariate(1 / (2.5 * YEAR)))))
                self._add_phone(p, "mobile", start, end)
                t = start
        if r.random() < (0.45 if age > 55 else 0.15):
            a = p.addresses[rr(r, len(p.addresses))]
            self._add_phone(p, "landline", a.start + rr(r, 0, 60), a.end)
        p.phones.sort(key=lambda ph: ph.start)
        n_mail = _N_EMAILS(r)
        p.emails = [
            self.ids.email(p.first, p.last if r.random() < 0.8 else (p.maiden or p.last))
            for _ in range(n_mail)
        ]
        if young_online or (age < 50 and r.random() < 0.35):
            for plat in r.sample(PLATFORMS, pick(r, (1, 1, 2))):
                p.screens.append((plat, self.ids.handle(p.first)))
        self.jobs(p)
        self.vehicles(p)
        if r.random() < (0.45 if p.regs or young_online else 0.2):
            for _ in range(pick(r, (1, 1, 2, 3))):
                if r.random() < 0.8:
                    p.marks.append(
                        {
                            "kind": "tattoo",
                            "location": pick(r, MARK_LOCATIONS),
                            "description": pick(r, TATTOOS),
                        }
                    )
                else:
                    p.marks.append(
                        {"kind": "scar", "location": pick(r, MARK_LOCATIONS), "description": pick(r, SCARS)}
                    )

    def _add_phone(self, p: Person, kind: str, start: int, end: int | None) -> Phone:
        a = p.addr_at(start)
        m = self.geo.metros[a.metro]
        ph = Phone(self.ids.phone(m.state, m.area_codes), kind, start, end)
        p.phones.append(ph)
        return ph

    def new_phone_after(self, p: Person, day: int) -> None:
        """A new mobile from `day` on; the old one stops shortly before (people who run switch numbers)."""
        for ph in p.phones:
            if ph.end is None and ph.kind == "mobile":
                ph.end = day - rr(self.r, 0, 20)
                ph.end = max(ph.end, ph.start)
        self._add_phone(p, "mobile", day + rr(self.r, 0, 30), None)
        p.phones.sort(key=lambda ph: ph.start)

    def company(self, metro: Metro) -> str:
        r = self.r
        base = LAST(r) if r.random() < 0.6 else pick(r, STREETS)
        suffix = pick(r, COMPANY_SUFFIXES)
        return f"{base} {pick(r, INDUSTRIES)} {suffix}".strip()

    def jobs(self, p: Person) -> None:
        r = self.r
        if r.random() > 0.65:
            return
        t = NOW if r.random() < 0.7 else NOW - rr(r, 30, 2 * YEAR)
        floor = p.addresses[0].start
        end: int | None = None if t == NOW else t
        for _ in range(pick(r, (1, 1, 2, 2, 3))):
            start = max(floor, t - max(90, int(r.expovariate(1 / (2.8 * YEAR)))))
            if start >= t - 30:
                break
            a = p.addr_at(start)
            m = self.geo.metros[a.metro]
            p.jobs.append(Job(self.company(m), self.address(m, start, end, kind="employment"), start, end))
            t = start - rr(r, 0, 120)
            end = t
            if t <= floor:
                break
        p.jobs.reverse()

    def new_job_after(self, p: Person, day: int, hire: bool = True) -> None:
        """Leave the job held on `day` (a move to another metro); maybe find one at the new place."""
        for j in p.jobs:
            if j.end is None or j.end > day:
                j.end = max(j.start, day - rr(self.r, 0, 30))
        start = day + rr(self.r, 14, 120)
        if not hire or start >= NOW - 5:
            return
        m = self.geo.metros[p.current.metro]
        p.jobs.append(Job(self.company(m), self.address(m, start, None, kind="employment"), start, None))

    def vehicle(self, state: str) -> dict:
        r = self.r
        make = pick(r, MAKES)
        model, body = pick(r, VEHICLES[make])
        return {
            "plate": self.ids.plate(state),
            "plate_state": state,
            "make": make,
            "model": model,
            "year": rr(r, 1998, 2026),
            "color": COLOR_WEIGHTS(r),
            "body": body,
            "vin": self.ids.vin() if r.random() < 0.5 else None,
        }

    def vehicles(self, p: Person, force: bool = False) -> None:
        r = self.r
        n = _N_VEHICLES(r)
        if force:
            n = max(n, 1)
        for _ in range(n):
            p.vehicles.append(self.vehicle(p.current.state))
            p.vehicle_since.append(max(p.addresses[0].start, NOW - rr(r, 60, 9 * YEAR)))

    # ---- offenders -------------------------------------------------------------------------------
    def scenario(self) -> str:
        return _SCENARIOS(self.r)

    def registrant_id(self, state: str) -> str:
        return f"{state}-{self.ids.seq('reg:' + state, 1_000_000):06d}"

    def _registration(
        self,
        p: Person,
        state: str,
        status: str,
        tier: str,
        lv: int,
        addr: Addr,
        registered_on: int | None = None,
    ) -> Registration:
        r = self.r
        if registered_on is None:
            floor = max(p.dob + 18 * YEAR + 180, 729025)  # 1997-01-01: registries go back about that far
            registered_on = lv if floor >= lv else rr(r, floor, lv + 1)
        return Registration(
            self.registrant_id(state),
            state,
            tier,
            status,
            registered_on,
            lv,
            add_months(lv, TIER_MONTHS[tier]),
            pick(r, OFFENSES[state]),
            addr,
        )

    def offender(self, scenario: str, need_vehicle: bool = False, home_state: str | None = None) -> Person:
        """A registrant living out `scenario`; registration facts agree with the true history."""
        r = self.r
        geo = self.geo
        p = self.identity(offender=True)
        tier = _TIERS(r)
        period = add_months(NOW, TIER_MONTHS[tier]) - NOW
        reg_state = home_state if home_state in _REGISTRY_STATES else _REG_STATE(r)
        metro = geo.metro(r, reg_state)
        if scenario == "absconder":
            sub = r.choices(("absconded", "noncompliant", "compliant"), (40, 35, 25))[0]
            if sub == "compliant":
                lv = NOW - rr(r, 60, max(61, period))
                move = rr(r, lv + 7, NOW - 44)
            else:
                lv = NOW - period - rr(r, 15, 600)
                move = rr(r, lv + 10, NOW - 60)
            new_state = geo.state(r, exclude=reg_state) if r.random() < 0.55 else reg_state
            new_metro = geo.metro(r, new_state)
            self.history(
                p,
                new_metro,
                cur_start=move,
                min_prev_days=move - lv + 30 + rr(r, 400),
                prev_metro=metro,
            )
            self.contact_details(p)
            if r.random() < 0.6:
                self.new_phone_after(p, move)
            if new_metro.idx != metro.idx or r.random() < 0.5:
                self.new_job_after(p, move, hire=r.random() < 0.6)
            if r.random() < 0.3:
                p.vehicles.append(self.vehicle(new_state))
                p.vehicle_since.append(move + rr(r, 10, 40))
            p.regs.append(self._registration(p, reg_state, sub, tier, lv, p.addresses[-2]))
            p.absconded_since = move
        elif scenario in ("two_state", "moved_out"):
            move = NOW - rr(r, 60, 1500)
            if scenario == "two_state":
                new_state = pick(r, [s for s in _REGISTRY_STATES if s != reg_state])
            else:
                new_state = pick(r, ("AZ", "GA", "NM"))
            self.history(p, geo.metro(r, new_state), cur_start=move, min_prev_days=400, prev_metro=metro)
            self.contact_details(p)
            if r.random() < 0.7:
                self.new_phone_after(p, move)
            self.new_job_after(p, move, hire=r.random() < 0.5)
            prev = p.addresses[-2]
            lv_a = max(prev.start + 1, move - rr(r, 5, 200))
            p.regs.append(self._registration(p, reg_state, "moved_out", tier, lv_a, prev))
            if scenario == "two_state":
                on = min(NOW - 2, move + rr(r, 1, 20))
                lv_b = max(on, NOW - rr(r, 2, period))
                p.regs.append(self._registration(p, new_state, "compliant", tier, lv_b, p.current, on))
        elif scenario == "incarcerated":
            jailed = NOW - rr(r, 30, 1500)
            self.history(p, metro, cur_start=jailed - 60 - int(r.expovariate(1 / (3 * YEAR))))
            p.current.end = jailed
            self.contact_details(p)
            for ph in p.phones:
                if ph.end is None or ph.end > jailed:
                    ph.end = max(ph.start, jailed)
            for j in p.jobs:
                if j.end is None or j.end > jailed:
                    j.end = max(j.start, jailed)
            p.addresses.append(self.facility(geo.metro(r, reg_state), jailed))
            lv = min(NOW - 2, jailed + rr(r, 5, 300))
            p.regs.append(self._registration(p, reg_state, "incarcerated", tier, lv, p.current))
        elif scenario == "deceased":
            died = NOW - rr(r, 20, 1100)
            self.history(p, metro, cur_start=died - 60 - int(r.expovariate(1 / (4 * YEAR))))
            p.current.end = died
            self.contact_details(p)
            for ph in p.phones:
                if ph.end is None or ph.end > died:
                    ph.end = max(ph.start, died - rr(r, 0, 10))
            p.deceased = died
            lv = max(p.current.start + 1, died - rr(r, 10, period + 10))
            p.regs.append(self._registration(p, reg_state, "deceased", tier, min(lv, died), p.current))
        else:
            # noncompliant / unknown: missed a verification but still lives there
            lv = NOW - rr(r, 2, period) if scenario == "compliant" else NOW - period - rr(r, 15, 450)
            self.history(p, metro, cur_start=lv - 1 - int(r.expovariate(1 / (4.5 * YEAR))))
            self.contact_details(p)
            p.regs.append(self._registration(p, reg_state, scenario, tier, lv, p.current))
        if need_vehicle and not p.vehicles:
            self.vehicles(p, force=True)
        return p

    def civilian(
        self,
        *,
        metro: Metro | None = None,
        sex: str | None = None,
        age: float | None = None,
        need_vehicle: bool = False,
        first: str | None = None,
        last: str | None = None,
        current: Addr | None = None,
        cur_start: int | None = None,
    ) -> Person:
        """Someone who is not registered: the bulk of every vendor file."""
        r = self.r
        p = self.identity(sex=sex, age=age, first=first, last=last)
        metro = metro or self.geo.metro(r)
        self.history(p, metro, cur_start=cur_start, current=current)
        self.contact_details(p)
        if need_vehicle and not p.vehicles:
            self.vehicles(p, force=True)
        return p

    # ---- relatives and look-alikes -----------------------------------------------------------------
    def name_twin(self, p: Person) -> Person:
        """A different man with the same common name and a near birth date: the classic false match."""
        r = self.r
        age = age_on(p.dob, NOW) + r.uniform(-2.5, 2.5)
        metro = self.geo.metros[p.current.metro] if r.random() < 0.6 else None
        q = self.civilian(metro=metro, sex=p.sex, age=max(18.5, age), first=p.first, last=p.last)
        if r.random() < 0.3:
            q.dob = p.dob + pick(r, (-1, 1)) * rr(r, 1, 4) * 365 + rr(r, -3, 4)
            q.dob = min(q.dob, NOW - 18 * YEAR - 30)
        return q

    def junior_senior(self, p: Person) -> Person:
        """Father and son with the same name at the same address; `p` gets the matching suffix."""
        r = self.r
        p_age = age_on(p.dob, NOW)
        gap = r.uniform(20, 32)
        son_is_other = p_age >= 45 or p_age - gap < 18
        other_age = p_age - gap if son_is_other else p_age + gap
        if other_age < 18.5:
            other_age = p_age + gap
            son_is_other = False
        p.suffix = "Sr" if son_is_other else "Jr"
        home = p.last_residence()
        start = max(home.start, NOW - rr(r, 100, 6 * YEAR))
        q = self.identity(sex="M", age=min(other_age, 95), first=p.first, last=p.last)
        q.middle = p.middle
        q.suffix = "Jr" if son_is_other else "Sr"
        q_metro = self.geo.metros[home.metro]
        self.history(q, q_metro, cur_start=start, current=home)
        self.contact_details(q)
        self._share_landline(p, q)
        return q

    def housemate(self, p: Person) -> Person:
        """A partner sharing the current residence (and often a landline)."""
        r = self.r
        sex = "F" if p.sex == "M" else "M"
        if r.random() < 0.06:
            sex = p.sex
        age = max(18.5, age_on(p.dob, NOW) + r.uniform(-9, 7))
        home = p.last_residence()
        q = self.identity(sex=sex, age=age)
        if sex == "F" and r.random() < 0.4:
            q.maiden, q.last = q.last, p.last
        start = min(NOW - 4, home.start + rr(r, 0, 400))
        self.history(q, self.geo.metros[home.metro], cur_start=start, current=home)
        if home.end is not None:
            q.current.end = None
        self.contact_details(q)
        self._share_landline(p, q)
        return q

    def _share_landline(self, p: Person, q: Person) -> None:
        land = [ph for ph in p.phones if ph.kind == "landline" and ph.end is None]
        if land and self.r.random() < 0.6:
            q.phones.append(Phone(land[0].number, "landline", max(land[0].start, q.current.start), None))
            q.phones.sort(key=lambda ph: ph.start)

    def child(
        self, *, sex: str, age: float, day: int, last: str | None, metro: Metro, race: str | None = None
    ) -> Person:
        """A missing child, `age` years old on `day`: in no vendor file, measurements for that age."""
        r = self.r
        p = self.identity(sex=sex, age=18.5, last=last)
        p.dob = day - int(age * DAYS_PER_YEAR) - rr(r, 365)
        p.maiden, p.suffix, p.aliases = None, None, []
        if race:
            p.race = race
        a = min(age, 17.5)
        if a < 12:
            h = 31 + 2.45 * a
            w = 22 + 5.2 * a
        elif sex == "M":
            h = min(71, 60 + 2.3 * (a - 12))
            w = 95 + 8 * (a - 12)
        else:
            h = min(66, 59 + 1.4 * (a - 12))
            w = 92 + 5.5 * (a - 12)
        p.height_in = round(h + r.gauss(0, 1.8))
        p.weight_lb = round(w * r.uniform(0.85, 1.3))
        p.hair = pick(r, ("brown", "black", "blonde", "red", "brown", "black"))
        p.addresses = [self.address(metro, day - rr(r, 200, 3000), None)]
        return p
