"""Law-enforcement agencies for routing: city police, county sheriffs, state agencies, ICAC task forces.

Names follow the usual patterns of real agencies so routing looks familiar; ORIs
and every contact detail are synthetic (example.org e-mail, 555 phone).
"""

from __future__ import annotations

import re

from vigil.demo.geo import STATES, Geo, Metro
from vigil.demo.ids import Ids, fmt_phone
from vigil.demo.model import Addr

_STATE_AGENCY = {
    "TX": "Texas Department of Public Safety",
    "OK": "Oklahoma State Bureau of Investigation",
    "FL": "Florida Department of Law Enforcement",
    "OH": "Ohio Bureau of Criminal Investigation",
    "CA": "California Department of Justice",
    "AZ": "Arizona Department of Public Safety",
    "GA": "Georgia Bureau of Investigation",
    "NM": "New Mexico Department of Public Safety",
}
AS_OF = "2026-10-15"


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


class Agencies:
    """Agency records plus the lookups events and cases use to name the agency on the scene."""

    def __init__(self, geo: Geo, ids: Ids) -> None:
        self.records: list[dict] = []
        self.police: dict[tuple[str, str], dict] = {}
        self.sheriff: dict[int, dict] = {}
        self.icac: dict[str, dict] = {}
        self.state_agency: dict[str, dict] = {}
        self._ids = ids
        for st in geo.states:
            metros = geo.by_state[st]
            fips = [m.fips for m in metros]
            codes = metros[0].area_codes
            self.state_agency[st] = self._add(f"{st}0000000", _STATE_AGENCY[st], "state", st, fips, [], codes)
            self.icac[st] = self._add(
                f"{st}ICAC000", f"{STATES[st][0]} ICAC Task Force", "icac", st, fips, [], codes
            )
            for m in metros:
                self._metro(m)

    def _metro(self, m: Metro) -> None:
        county = m.county.replace(" County", "")
        so = f"{county} County Sheriff's Office"
        self.sheriff[m.idx] = self._add(
            f"{m.state}{m.fips[2:]}0000",
            so,
            "sheriff",
            m.state,
            [m.fips],
            [z.zip for z in m.zips],
            m.area_codes,
        )
        by_city: dict[str, list[str]] = {}
        for z in m.zips:
            by_city.setdefault(z.city, []).append(z.zip)
        big = sorted(by_city.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:4]
        for n, (city, zips) in enumerate(big):
            if len(zips) < 2 and n > 0:
                continue
            if (m.state, city) in self.police:
                continue
            self.police[(m.state, city)] = self._add(
                f"{m.state}{m.fips[2:]}{n + 1:02d}00",
                f"{city} Police Department",
                "police",
                m.state,
                [m.fips],
                zips,
                m.area_codes,
            )

    def _add(
        self,
        ori: str,
        name: str,
        kind: str,
        state: str,
        counties: list[str],
        zips: list[str],
        area_codes: tuple[str, ...],
    ) -> dict:
        phone = self._ids.phone(state, area_codes)
        rec = {
            "type": "agency",
            "source": "agencies",
            "id": ori,
            "as_of": AS_OF,
            "ori": ori,
            "name": name,
            "kind": kind,
            "state": state,
            "counties": counties,
            "zips": zips,
            "contact": {"email": f"{_slug(name)}@example.org", "phone": fmt_phone(phone, 0)},
        }
        self.records.append(rec)
        return rec

    def local(self, a: Addr | None = None, *, state: str = "", city: str = "", metro: int = -1) -> dict:
        """{ori, name} of the agency with jurisdiction: city police where there is one, else the sheriff."""
        if a is not None:
            state, city, metro = a.state, a.city, a.metro
        rec = self.police.get((state, city)) or self.sheriff[metro]
        return {"ori": rec["ori"], "name": rec["name"]}

    def ref(self, rec: dict) -> dict:
        return {"ori": rec["ori"], "name": rec["name"]}
