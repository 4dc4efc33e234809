"""CyberTipline-style reports, planted identifier chains and hub identifiers.

A chain is one true individual seen through several reports (and sometimes a
missing case or his own vendor/registry record), each step sharing exactly one
identifier with the next. Hubs are identifiers many unrelated records share (a
shelter's phone, a library's Wi-Fi address): a linker must not treat them as
evidence.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from itertools import pairwise

from vigil.demo.agencies import Agencies
from vigil.demo.cases import CasePlan, ident_value
from vigil.demo.geo import Geo, timestamp
from vigil.demo.ids import Ids, fmt_phone
from vigil.demo.model import NOW, Person, iso
from vigil.demo.people import PLATFORMS, PeopleFactory
from vigil.demo.pools import FIRST_F, FIRST_M, LAST, pick, rr

ESP_NAMES = {
    "kik": "Kik",
    "snapchat": "Snapchat",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "discord": "Discord",
    "tiktok": "TikTok",
    "x": "X",
    "telegram": "Telegram",
}
INCIDENT_TYPES = (
    ("csam", 58),
    ("enticement", 15),
    ("sextortion", 10),
    ("unsolicited_obscene", 6),
    ("trafficking", 4),
    ("molestation", 3),
    ("misleading_domain", 2),
    ("other", 2),
)
_DIGITS = re.compile(r"\D")


def norm(kind: str, value: str) -> str:
    """Ground-truth form: phone:+1..., email:lower, screen_name:platform/handle, ip:..."""
    if kind == "phone":
        return f"phone:+1{value}"
    return f"{kind}:{value.lower()}"


@dataclass(slots=True)
class Hub:
    kind: str
    value: str
    label: str

    @property
    def norm(self) -> str:
        return norm(self.kind, self.value)


@dataclass(slots=True)
class Node:
    kind: str  # tip | case | person
    state: str
    idents: list[tuple[str, str]] = field(default_factory=list)
    ref: str | None = None
    case_index: int = -1


@dataclass(slots=True)
class Chain:
    chain_id: str
    person: Person
    nodes: list[Node]
    via: list[str]


def record_identifiers(rec: dict) -> list[tuple[str, str]]:
    """(kind, value) of the phones and e-mails a person record carries, value in ground-truth form."""
    out: list[tuple[str, str]] = []
    for ph in rec.get("phones") or []:
        num = ph["number"] if isinstance(ph, dict) else ph
        digits = _DIGITS.sub("", num)[-10:]
        if len(digits) == 10:
            out.append(("phone", digits))
    for e in rec.get("emails") or []:
        out.append(("email", e.lower()))
    return out


class TipMaker:
    def __init__(self, rng: random.Random, geo: Geo, ids: Ids, pf: PeopleFactory, agencies: Agencies) -> None:
        self.r, self.geo, self.ids, self.pf, self.ag = rng, geo, ids, pf, agencies
        self.new_entities: list[tuple[str, list[str]]] = []

    # ---- planning --------------------------------------------------------------------------------------
    def hubs(self, n: int) -> list[Hub]:
        r = self.r
        out = []
        for i in range(n):
            kind = ("phone", "ip", "email")[i % 3]
            if kind == "phone":
                st = self.geo.state(r)
                out.append(
                    Hub(
                        "phone",
                        self.ids.phone(st),
                        pick(r, ("youth shelter intake line", "runaway crisis hotline")),
                    )
                )
            elif kind == "ip":
                out.append(
                    Hub(
                        "ip",
                        self.ids.ipv4(),
                        pick(r, ("public library Wi-Fi", "VPN exit node", "school district proxy")),
                    )
                )
            else:
                out.append(
                    Hub("email", f"frontdesk{self.ids.token()}@example.org", "shelter front-desk account")
                )
        return out

    def _burner(self, kind: str, state: str) -> tuple[str, str]:
        r = self.r
        if kind == "screen_name":
            first = FIRST_M(r) if r.random() < 0.7 else FIRST_F(r)
            return "screen_name", f"{pick(r, PLATFORMS)}/{self.ids.handle(first).lower()}"
        if kind == "email":
            return "email", self.ids.email(FIRST_M(r), LAST(r)).lower()
        if kind == "phone":
            return "phone", self.ids.phone(state)
        return "ip", self.ids.ipv4()

    def chains(self, people: list[Person], case_plans: list[CasePlan]) -> list[Chain]:
        r = self.r
        free_cases = [
            i
            for i, c in enumerate(case_plans)
            if c.category in ("endangered_runaway", "critical_other") and c.chain_person is None
        ]
        r.shuffle(free_cases)
        out = []
        for n, x in enumerate(people):
            k = r.choices((2, 3, 4, 5, 6), (30, 30, 20, 12, 8))[0]
            states = r.sample(self.geo.states, len(self.geo.states))
            nodes = [Node("tip", states[i % len(states)]) for i in range(k)]
            if free_cases and r.random() < 0.3:
                nodes.insert(rr(r, len(nodes) + 1), Node("case", "", case_index=free_cases.pop()))
            person_ids: list[tuple[str, str, str]] = [
                (ref, kind, value)
                for ref, rec in x.kept_records.items()
                for kind, value in record_identifiers(rec)
            ]
            if person_ids and r.random() < 0.35:
                ref, _, _ = person_ids[rr(r, len(person_ids))]
                pos = rr(r, len(nodes) + 1)
                nodes.insert(pos, Node("person", "", ref=ref))
            via: list[str] = []
            for a, b in pairwise(nodes):
                if "person" in (a.kind, b.kind):
                    pref = a.ref if a.kind == "person" else b.ref
                    choices = [(kd, v) for ref, kd, v in person_ids if ref == pref]
                    fresh = [c for c in choices if norm(*c) not in via]
                    ident = (fresh or choices)[rr(r, len(fresh or choices))]
                elif "case" in (a.kind, b.kind):
                    ident = self._burner(
                        "screen_name" if r.random() < 0.6 else "phone", a.state or b.state or "TX"
                    )
                else:
                    kinds = ["screen_name", "email", "phone"] + (["ip"] if self.ids.ipv4_left() > 60 else [])
                    ident = self._burner(r.choices(kinds, (40, 25, 20, 15)[: len(kinds)])[0], a.state)
                a.idents.append(ident)
                b.idents.append(ident)
                via.append(norm(*ident))
            chain = Chain(f"C{n + 1:03d}", x, nodes, via)
            for node in nodes:
                if node.kind == "case":
                    plan = case_plans[node.case_index]
                    plan.chain_person = x
                    plan.chain_idents = [(kd, v) for kd, v in node.idents]
            out.append(chain)
        return out

    # ---- records -----------------------------------------------------------------------------------------
    def tip(self, node: Node | None, chain_person: Person | None, hubs: list[Hub]) -> dict:
        r = self.r
        state = node.state if node is not None else self.geo.state(r)
        metro = self.geo.metro(r, state)
        z = self.geo.zip_in(r, metro)
        day = NOW - 1 - rr(r, 3 * 365)
        secs = rr(r, 86400)
        tid = f"T-{iso(day)[:4]}-{self.ids.seq('tip', 1_000_000):06d}"
        ref = f"cybertipline/{tid}"
        itype = r.choices([t for t, _ in INCIDENT_TYPES], [w for _, w in INCIDENT_TYPES])[0]
        plat = pick(r, PLATFORMS)
        esp = r.random() < 0.85
        narrative: list[str] = []
        suspect: dict | None = None
        if node is not None and chain_person is not None:
            x = chain_person
            suspect = {"names": [], "sex": x.sex}
            for kind, value in node.idents:
                if r.random() < 0.25:
                    narrative.append(self._mention(kind, value))
                    continue
                key = {"phone": "phones", "email": "emails", "screen_name": "screen_names", "ip": None}[kind]
                if key is None:
                    continue  # IPs go to the report's ip list below
                suspect.setdefault(key, []).append(ident_value(kind, value, r))
            if r.random() < 0.2:
                suspect["names"] = [
                    {"first": x.first, "middle": None, "last": None, "suffix": None, "kind": "primary"}
                ]
            if r.random() < 0.4:
                plat_sn = self._burner("screen_name", state)[1]
                suspect.setdefault("screen_names", []).append(ident_value("screen_name", plat_sn, r))
            x.refs.append(f"{ref}#suspect")
            if node.ref is None:
                node.ref = ref
        elif r.random() < 0.85:
            suspect = self._sparse_suspect(ref, plat, state)
        sns = (suspect or {}).get("screen_names") or []
        if sns and r.random() < 0.9:
            plat = sns[0]["platform"]  # the platform that reports is usually where the account lives
        ips: list = []
        if node is not None:
            ips += [
                {"ip": v, "seen_at": timestamp(state, day - rr(r, 0, 30), rr(r, 86400))}
                for kd, v in node.idents
                if kd == "ip"
            ]
        ips += [self._ip(self.ids.ipv6(), state, day) for _ in range(pick(r, (0, 1, 1, 2, 3)))]
        for h in hubs:
            if h.kind == "ip":
                ips.append(self._ip(h.value, state, day))
            elif h.kind == "phone":
                narrative.append(f"The victim called from the {h.label}, {fmt_phone(h.value, rr(r, 4))}.")
            else:
                narrative.append(f"The victim used the shared account {h.value} to contact the reporter.")
        victim: dict = {"age": rr(r, 9, 18), "sex": "F" if r.random() < 0.7 else "M"}
        if r.random() < 0.3:
            victim["screen_names"] = [{"platform": plat, "handle": self.ids.handle(FIRST_F(r))}]
        n_files = rr(r, 1, 5) if itype in ("csam", "sextortion", "enticement") else 0
        files = [
            {
                "algo": pick(r, ("md5", "md5", "sha1", "pdq")),
                "value": "",
                "filename": f"{pick(r, ('IMG_', 'VID_', 'image', 'file_'))}{rr(r, 1000, 99999)}."
                f"{pick(r, ('jpg', 'jpg', 'png', 'mp4'))}",
            }
            for _ in range(n_files)
        ]
        for f in files:
            f["value"] = self.ids.hexdigits({"md5": 32, "sha1": 40, "pdq": 64}[f["algo"]])
        lead = {
            "csam": "uploaded apparent child sexual abuse material",
            "enticement": "attempted to entice a minor to meet in person",
            "sextortion": "threatened to publish images of a minor unless paid",
            "unsolicited_obscene": "sent obscene material to a minor",
            "trafficking": "advertised a minor for commercial sex",
            "molestation": "was reported for molesting a child",
            "misleading_domain": "operated a misleading domain aimed at children",
            "other": "was reported for conduct toward a minor",
        }[itype]
        text = f"{'The reporting ESP' if esp else 'A member of the public'} reports a user who {lead}."
        if narrative:
            text += " " + " ".join(narrative)
        icac = self.ag.icac[state]
        return {
            "type": "tip",
            "source": "cybertipline",
            "id": tid,
            "as_of": iso(day),
            "received_at": timestamp(state, day, secs),
            "reporter": {"kind": "esp", "esp_name": ESP_NAMES[plat]} if esp else {"kind": "public"},
            "incident_type": itype,
            "incident_at": timestamp(state, day - rr(r, 0, 45), rr(r, 86400)),
            "suspect": suspect,
            "victim": victim,
            "ips": ips,
            "file_hashes": files,
            "narrative": text,
            "referred_to": {"ori": icac["ori"], "name": icac["name"]},
            "location": {"city": z.city, "state": z.state, "zip": z.zip, "country": "US"},
        }

    def _ip(self, ip: str, state: str, day: int) -> dict | str:
        r = self.r
        if r.random() < 0.2:
            return ip
        return {"ip": ip, "seen_at": timestamp(state, day - rr(r, 0, 30), rr(r, 86400))}

    def _mention(self, kind: str, value: str) -> str:
        r = self.r
        if kind == "phone":
            return f"The suspect texted the victim from {fmt_phone(value, rr(r, 4))}."
        if kind == "email":
            return f"The suspect's account was registered to {value}."
        if kind == "screen_name":
            plat, handle = value.split("/", 1)
            return f"The suspect asked the victim to add him on {ESP_NAMES.get(plat, plat)} as @{handle}."
        return f"Uploads came from IP address {value}."

    def _sparse_suspect(self, ref: str, plat: str, state: str) -> dict:
        """An unknown account holder: a new individual seen nowhere else."""
        r = self.r
        sex = "M" if r.random() < 0.85 else "F"
        first = FIRST_M(r) if sex == "M" else FIRST_F(r)
        s: dict = {"names": [], "screen_names": [{"platform": plat, "handle": self.ids.handle(first)}]}
        if r.random() < 0.4:
            s["emails"] = [self.ids.email(first, LAST(r))]
        if r.random() < 0.2:
            s["phones"] = [fmt_phone(self.ids.phone(state), rr(r, 6))]
        if r.random() < 0.1:
            g = self.pf.identity(sex=sex)
            s["names"] = [g.name_dict()]
            s["dob"] = iso(g.dob)
            eid = g.eid
        else:
            eid = self.pf.new_eid()
        self.new_entities.append((eid, [f"{ref}#suspect"]))
        return s
