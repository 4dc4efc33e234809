"""Person records as each source would export them: registries, vendors, NCIC offline.

Registries are clean and stale (they know what the registrant last reported);
vendors are fresh, partial and noisy, each in its own house style.
"""

from __future__ import annotations

import random

from vigil.demo.ids import Ids, fmt_phone
from vigil.demo.model import NOW, Person, Phone, Registration, iso
from vigil.demo.noise import noisy_dob, noisy_name, noisy_ssn, partial, vendor_address
from vigil.demo.pools import pick, rr

# vendor -> (coverage of civilians, of offenders, max staleness in days, phone style, address style)
VENDORS: dict[str, tuple[float, float, int, int, int]] = {
    "acme": (0.70, 0.76, 120, 0, 0),
    "beacon": (0.58, 0.62, 365, 1, 1),
    "corvid": (0.45, 0.52, 60, 2, 2),
}


def vendor_id(ids: Ids, vendor: str) -> str:
    n = ids.seq("vendor:" + vendor, 90_000_000)
    if vendor == "acme":
        return f"A-{n + 10_000_000}"
    if vendor == "beacon":
        return f"BX{n + 100_000_000:09d}"
    return f"cv_{(n * 2654435761) % (1 << 40):010x}"


def _phone_entry(rng: random.Random, ph: Phone, style: int, first: int, last: int) -> dict | str:
    if rng.random() < 0.25:
        style = rr(rng, 6)
    num = fmt_phone(ph.number, style)
    if rng.random() < 0.12:
        return num
    return {
        "number": num,
        "kind": ph.kind if rng.random() < 0.8 else None,
        "first_seen": iso(first),
        "last_seen": iso(last),
    }


def registry_record(rng: random.Random, p: Person, reg: Registration, export_day: int) -> dict:
    """What the registry holds: the registrant's last report, verified on `last_verified`."""
    lv = reg.last_verified
    ra = reg.addr.as_dict(with_dates=False, with_geo=False)
    ra["from"] = iso(max(reg.addr.start, reg.registered_on) if reg.addr.start <= lv else lv)
    names = [p.name_dict()]
    if rng.random() < 0.01:
        names[0] = noisy_name(rng, p, {}, rate=20)
    names += p.aliases
    job = p.job_at(lv)
    rec = {
        "type": "person",
        "source": f"registry:{reg.state}",
        "id": reg.registrant_id,
        "as_of": iso(export_day),
        "names": names,
        "dob": noisy_dob(rng, p.dob, 0.0, 8.0),
        "sex": p.sex,
        "race": p.race,
        "height_in": p.height_in,
        "weight_lb": p.weight_lb,
        "eye_color": p.eye,
        "hair_color": p.hair,
        "ssn": noisy_ssn(rng, p.ssn, 0.15, 0.005),
        "phones": [fmt_phone(ph.number, 3) for ph in p.phones_at(lv)],
        "emails": [e for e in p.emails if rng.random() < 0.7],
        "screen_names": [{"platform": pl, "handle": h} for pl, h in p.screens],
        "addresses": [ra],
        "employers": [
            {"name": job.name, "address": job.addr.as_dict(False, False), "from": iso(job.start), "to": None}
        ]
        if job
        else [],
        "vehicles": [v for v, since in zip(p.vehicles, p.vehicle_since, strict=True) if since <= lv],
        "marks": p.marks,
        "deceased": p.deceased is not None and reg.status == "deceased",
        "deceased_date": iso(p.deceased) if p.deceased is not None and reg.status == "deceased" else None,
        "registration": {
            "registrant_id": reg.registrant_id,
            "state": reg.state,
            "tier": reg.tier,
            "status": reg.status,
            "registered_on": iso(reg.registered_on),
            "last_verified": iso(lv),
            "next_due": iso(reg.next_due),
            "offense": reg.offense,
            "registered_address": ra,
        },
    }
    return rec


def vendor_record(
    rng: random.Random,
    ids: Ids,
    p: Person,
    vendor: str,
    nicks: dict[str, list[str]],
    cutoff: int,
    force_current: bool = False,
    rid: str | None = None,
    only_before: int | None = None,
) -> dict:
    """A vendor's view of `p` as of `cutoff`: what it has seen, how it spells it.

    `only_before` makes a stale duplicate that knows only the older part of the history.
    """
    _, _, _, phone_style, addr_style = VENDORS[vendor]
    upper = addr_style == 0
    horizon = min(cutoff, only_before) if only_before else cutoff
    names: list = [noisy_name(rng, p, nicks, upper=upper, as_string=0.2 if vendor == "acme" else 0.06)]
    if p.maiden and rng.random() < 0.45:
        names.append({"first": p.first, "middle": None, "last": p.maiden, "suffix": None, "kind": "maiden"})
    if p.first in nicks and rng.random() < 0.1:
        nick = nicks[p.first][rr(rng, len(nicks[p.first]))]
        names.append({"first": nick, "middle": None, "last": p.last, "suffix": None, "kind": "nickname"})
    for al in p.aliases:
        if rng.random() < 0.2:
            names.append(al)
    addrs = []
    n_addr = len(p.addresses)
    for i, a in enumerate(p.addresses):
        first = a.start + rr(rng, 0, 120)
        if force_current and i == n_addr - 1:
            first = min(first, horizon)
        if first > horizon:
            continue
        is_cur = i == n_addr - 1 or (a.end is not None and a.end >= horizon)
        if a.kind == "temporary" and rng.random() > 0.2:
            continue
        keep = (force_current and i == n_addr - 1) or rng.random() < (
            0.9 if is_cur else 0.65 - 0.05 * (n_addr - i)
        )
        if not keep:
            continue
        d = vendor_address(rng, a, addr_style)
        d["from"] = partial(rng, first, 0.1, 0.04)
        if a.end is not None and a.end <= horizon and rng.random() < 0.7:
            d["to"] = partial(rng, max(first, min(horizon, a.end + rr(rng, -30, 90))), 0.1, 0.04)
        else:
            d["to"] = None
        addrs.append(d)
    phones = []
    for ph in p.phones:
        first = ph.start + rr(rng, 0, 60)
        if first > horizon or rng.random() > (0.85 if ph.end is None else 0.6):
            continue
        last = min(ph.end if ph.end is not None else horizon, horizon) - rr(rng, 0, 30)
        phones.append(_phone_entry(rng, ph, phone_style, first, max(first, last)))
    p_emp = {"acme": 0.35, "beacon": 0.75, "corvid": 0.25}[vendor]
    employers = [
        {
            "name": j.name.upper() if upper else j.name,
            "address": vendor_address(rng, j.addr, addr_style),
            "from": partial(rng, j.start, 0.2, 0.1),
            "to": partial(rng, j.end, 0.2, 0.1) if j.end is not None and j.end <= horizon else None,
        }
        for j in p.jobs
        if j.start <= horizon and rng.random() < p_emp
    ]
    p_veh = {"acme": 0.45, "beacon": 0.15, "corvid": 0.8}[vendor]
    vehicles = [
        v
        for v, since in zip(p.vehicles, p.vehicle_since, strict=True)
        if since <= horizon and rng.random() < p_veh
    ]
    rec = {
        "type": "person",
        "source": f"pubrec:{vendor}",
        "id": rid or vendor_id(ids, vendor),
        "as_of": iso(cutoff),
        "names": names,
        "dob": noisy_dob(rng, p.dob, 0.08),
        "ssn": noisy_ssn(rng, p.ssn, 0.22, 0.025),
        "phones": phones,
        "emails": [e.upper() if upper and rng.random() < 0.3 else e for e in p.emails if rng.random() < 0.55],
        "addresses": addrs,
        "employers": employers,
        "vehicles": vehicles,
    }
    if vendor != "beacon" or rng.random() < 0.6:
        rec["sex"] = p.sex
    if vendor == "corvid" and p.screens and rng.random() < 0.25:
        rec["screen_names"] = [{"platform": pl, "handle": h} for pl, h in p.screens]
    if p.deceased is not None and p.deceased <= cutoff and vendor == "acme" and rng.random() < 0.7:
        rec["deceased"] = True
        rec["deceased_date"] = iso(p.deceased)
    return rec


def ncic_person(rng: random.Random, ids: Ids, p: Person, day: int) -> dict:
    """An NCIC-offline subject: what an officer's inquiry recorded about the person on `day`."""
    a = p.addr_at(day)
    names = [p.name_dict()] + [al for al in p.aliases if rng.random() < 0.5]
    rec = {
        "type": "person",
        "source": "ncic_offline",
        "id": f"NCO-{ids.seq('ncic', 9_000_000) + 1_000_000}",
        "as_of": iso(day),
        "names": names,
        "dob": noisy_dob(rng, p.dob, 0.02, 2.0),
        "sex": p.sex,
        "race": p.race,
        "height_in": p.height_in + pick(rng, (0, 0, 0, 1, -1)),
        "weight_lb": p.weight_lb + rr(rng, -10, 11),
        "ssn": noisy_ssn(rng, p.ssn, 0.3, 0.01),
        "addresses": [a.as_dict(with_dates=False, with_geo=False)],
        "vehicles": [v for v in p.vehicles if rng.random() < 0.5],
    }
    if p.regs and rng.random() < 0.8:
        rec["registration"] = {
            "registrant_id": p.regs[-1].registrant_id,
            "state": p.regs[-1].state,
            "status": "unknown",
        }
    return rec


def vendor_records(
    rng: random.Random, ids: Ids, p: Person, nicks: dict[str, list[str]], at_least_one: bool = False
) -> list[dict]:
    """All vendor rows for `p`; absconders are always visible at their new address in at least one."""
    out = []
    chosen = [v for v, spec in VENDORS.items() if rng.random() < (spec[1] if p.offender else spec[0])]
    if at_least_one and not chosen:
        chosen = ["acme"]
    force = None
    if p.absconded_since is not None:
        force = (
            "corvid"
            if "corvid" in chosen
            else ("acme" if "acme" in chosen else pick(rng, ("acme", "corvid")))
        )
        if force not in chosen:
            chosen.append(force)
    for v in VENDORS:
        if v not in chosen:
            continue
        if v == force:
            assert p.absconded_since is not None
            cutoff = rr(rng, min(p.absconded_since + 30, NOW - 6), NOW - 4)
        else:
            cutoff = NOW - 4 - rr(rng, VENDORS[v][2])
        out.append(vendor_record(rng, ids, p, v, nicks, cutoff, force_current=v == force))
        if rng.random() < 0.03 and len(p.addresses) > 1:
            split = p.addresses[-1].start - 1
            out.append(
                vendor_record(rng, ids, p, v, nicks, min(NOW - 4, split + rr(rng, 0, 200)), only_before=split)
            )
    return out
