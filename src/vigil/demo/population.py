"""Phase one of a scenario: stream the population to the registry, vendor and event files.

Each anchor individual (plus any relative or look-alike drawn with him) is
generated, written and forgotten; only the few hundred or thousand people that
later stages need (series offenders, case suspects, chain subjects) are kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from vigil.demo.events import EventMaker
from vigil.demo.model import NOW, Person, iso
from vigil.demo.people import PeopleFactory
from vigil.demo.pools import rr
from vigil.demo.records import registry_record, vendor_records
from vigil.demo.scales import Scale
from vigil.demo.writer import Spill, Writers

EVENT_FILES = {
    "ncic_offline": "ncic_offline",
    "lpr": "lpr",
    "jail_bookings": "jail_bookings",
    "traffic_stops": "traffic_stops",
    "travel_records": "travel_records",
    "employment_checks": "employment_checks",
}
# registries export on slightly different days
EXPORT_LAG = {"TX": 3, "OK": 5, "FL": 2, "OH": 4, "CA": 1}
PROBLEM_STATUSES = ("noncompliant", "absconded", "unknown")


@dataclass
class Reservoir:
    """Uniform sample of k items from a stream of unknown length (Algorithm R)."""

    k: int
    rng: random.Random
    items: list = field(default_factory=list)
    seen: int = 0

    def offer(self, item: object) -> None:
        self.seen += 1
        if len(self.items) < self.k:
            self.items.append(item)
        else:
            j = rr(self.rng, self.seen)
            if j < self.k:
                self.items[j] = item


@dataclass
class PopulationResult:
    kept: dict[str, list[Person]]
    absconders: list[dict]
    quickhit_pool: list[tuple[dict, str, dict | None]]


def _role_counts(spec: Scale) -> dict[str, tuple[int, int]]:
    """role -> (offenders wanted, civilians wanted)."""
    cases = spec.cases
    return {
        "series": (round(spec.series * 0.4), spec.series - round(spec.series * 0.4)),
        "suspect_offender": (max(3, round(cases * 0.06)), 0),
        "suspect_civilian": (0, max(3, round(cases * 0.06))),
        "parent": (0, max(3, round(cases * 0.16))),
        "chain": (round(spec.chains * 0.3), spec.chains - round(spec.chains * 0.3)),
    }


def build_population(
    spec: Scale,
    rng: random.Random,
    pf: PeopleFactory,
    em: EventMaker,
    w: Writers,
    entities: Spill,
    event_entities: Spill,
    current: Spill,
) -> PopulationResult:
    n = spec.anchors
    is_off = bytearray(1 if rng.random() < spec.offender_share else 0 for _ in range(n))
    pools = {1: [i for i in range(n) if is_off[i]], 0: [i for i in range(n) if not is_off[i]]}
    for pool in pools.values():
        rng.shuffle(pool)
    roles: dict[int, str] = {}
    for role, (k_off, k_civ) in _role_counts(spec).items():
        for flag, k in ((1, k_off), (0, k_civ)):
            for _ in range(k):
                if pools[flag]:
                    roles[pools[flag].pop()] = role
    del pools
    kept: dict[str, list[Person]] = {role: [] for role in _role_counts(spec)}
    absconders: list[dict] = []
    qh_problem = Reservoir(spec.quickhit, random.Random(rng.random()))
    qh_other = Reservoir(spec.quickhit, random.Random(rng.random()))
    nicks = pf.nicks

    def emit(p: Person) -> None:
        refs = p.refs
        recs: list[dict] = []
        for reg in p.regs:
            rec = registry_record(rng, p, reg, NOW - EXPORT_LAG[reg.state])
            w(f"registry_{reg.state.lower()}").write(rec)
            refs.append(reg.ref)
            recs.append(rec)
            if reg.status != "deceased" and (reg.status != "moved_out" or len(p.regs) == 1):
                cur = None if p.deceased else p.current.as_dict()
                item = (rec, p.eid, cur)
                problem = reg.status in PROBLEM_STATUSES or p.absconded_since is not None
                (qh_problem if problem else qh_other).offer(item)
        for rec in vendor_records(rng, pf.ids, p, nicks, at_least_one=p.role is not None):
            w(rec["source"].replace(":", "_")).write(rec)
            refs.append(f"{rec['source']}/{rec['id']}")
            recs.append(rec)
        ncic_p = (0.7 if p.absconded_since else 0.25) if p.offender else 0.03
        persons, events = em.for_person(p, rng.random() < ncic_p)
        for rec in persons:
            w("ncic_offline").write(rec)
            refs.append(f"ncic_offline/{rec['id']}")
        ev_refs = []
        for ev in events:
            w(EVENT_FILES[ev["source"]]).write(ev)
            ev_refs.append(f"{ev['source']}/{ev['id']}")
        if ev_refs:
            event_entities.add(p.eid, ev_refs)
        if p.offender and p.deceased is None:
            current.add(p.eid, p.current.as_dict())
        if p.absconded_since is not None:
            reg = p.regs[0]
            absconders.append(
                {
                    "entity": p.eid,
                    "registry_ref": reg.ref,
                    "registry_address": reg.addr.as_dict(with_dates=False),
                    "true_address": p.current.as_dict(),
                    "since": iso(p.absconded_since),
                }
            )
        if p.role is not None:
            kept[p.role].append(p)
            if p.role == "chain":
                p.kept_records = {f"{rec['source']}/{rec['id']}": rec for rec in recs}
        elif refs:
            entities.add(p.eid, refs)

    for i in range(n):
        role = roles.get(i)
        need_vehicle = role == "series"
        if is_off[i]:
            p = pf.offender(pf.scenario(), need_vehicle=need_vehicle)
            if role == "chain" and not p.screens:
                p.screens.append(("kik", pf.ids.handle(p.first)))
        else:
            age = rng.uniform(19, 58) if role in ("series", "chain", "suspect_civilian") else None
            sex = (
                "M"
                if role in ("series", "chain") or (role == "suspect_civilian" and rng.random() < 0.85)
                else None
            )
            p = pf.civilian(age=age, sex=sex, need_vehicle=need_vehicle)
        p.role = role
        group = [p]
        if rng.random() < (0.05 if p.offender else 0.01):
            group.append(pf.name_twin(p))
        if p.sex == "M" and p.suffix is None and rng.random() < 0.02:
            group.append(pf.junior_senior(p))
        if rng.random() < 0.12:
            group.append(pf.housemate(p))
        for q in group:
            emit(q)
    problem = qh_problem.items[: round(spec.quickhit * 0.6)]
    pool = problem + qh_other.items[: spec.quickhit - len(problem)]
    rng.shuffle(pool)
    return PopulationResult(kept, absconders, pool)
