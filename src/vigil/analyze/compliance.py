"""Compliance assessment: registration rules applied to what every source says about one person.

Pure functions over plain observations (no database): `report.py` gathers a `Subject` from the store,
`assess` applies the rules of the registration's state (SORNA where a state has no row of its own)
and returns a status with plain-language reasons naming dates and source records.

The rules (34 U.S.C. 20913(c), 20918 for SORNA):
- periodic in-person verification every 12 / 6 / 3 months for tiers I / II / III (the registry's own
  `next_due` wins when it gives one: it knows its state's law and the offender's history);
- a change of residence, employment or school reported within 3 business days (weekends and US federal
  holidays do not count); a state row may instead count calendar days (Florida's 48 hours).

What the store can prove is bounded by the registry's data: a change is *unreported* only when the
registry confirmed its record (`as_of`) after the deadline and still lists the old address. A deadline
after the registry's data is a note to check, not a violation. Partial dates ("2025-03") are read in
the offender's favour: a move known only to the month counts from the month's last day.

State rows other than SORNA are illustrative defaults to review against current statute; an agency
replaces or adds rows with a JSON file named by $VIGIL_COMPLIANCE_RULES:
`{"OK": {"verify_months": {"I": 12, "II": 6, "III": 3}, "report_days": 3, "business_days": true,
"basis": "..."}}`.
"""

from __future__ import annotations

import calendar
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from vigil.normalize.dates import PartialDate
from vigil.normalize.geocode import haversine_miles


@lru_cache(maxsize=1)
def _federal() -> Any:
    """US federal holidays (observed dates included), loaded on first use: importing the table costs
    a quarter of a second that commands which never count business days should not pay."""
    try:  # a declared dependency; without it only weekends are skipped
        import holidays
    except ImportError:  # pragma: no cover - a broken install
        return None
    return holidays.country_holidays("US")


# --- rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateRules:
    state: str  # two-letter code, or "SORNA" for the federal default
    verify_months: Mapping[str, int]  # tier -> months between in-person verifications
    report_days: int = 3  # days allowed to report a change of residence / employment / school
    business_days: bool = True  # count business days (skip weekends and federal holidays)
    basis: str = ""

    def interval(self, tier: str | None) -> tuple[int, bool]:
        """Months between verifications for a tier, and whether the tier was known."""
        if tier and tier.upper() in self.verify_months:
            return self.verify_months[tier.upper()], True
        # An unknown tier gets the most lenient interval: no false "overdue" from a missing field.
        return max(self.verify_months.values()), False

    def window_text(self) -> str:
        unit = "business days" if self.business_days else "days"
        return f"{self.report_days} {unit}"

    def document(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "verify_months": dict(self.verify_months),
            "report_days": self.report_days,
            "business_days": self.business_days,
            "basis": self.basis,
        }


SORNA = StateRules(
    "SORNA",
    {"I": 12, "II": 6, "III": 3},
    3,
    True,
    "SORNA: 34 U.S.C. 20918 (verification every 12/6/3 months by tier), 20913(c) (changes of name, "
    "residence, employment or student status within 3 business days)",
)

# Illustrative state rows (review against current statute before relying on them).
STATE_RULES: dict[str, StateRules] = {
    "TX": StateRules(
        "TX",
        {"I": 12, "II": 12, "III": 12},
        7,
        False,
        "Texas CCP art. 62.055 (change of address within 7 days), art. 62.058 (annual verification)",
    ),
    "FL": StateRules(
        "FL",
        {"I": 6, "II": 6, "III": 3},
        2,
        False,
        "Florida s. 943.0435 (changes within 48 hours; re-registration twice or four times a year)",
    ),
}


@lru_cache(maxsize=4)
def _configured(path: str) -> dict[str, StateRules]:
    data = json.loads(open(path, encoding="utf-8").read())  # noqa: SIM115 - tiny file, read once
    out = {}
    for state, row in data.items():
        out[state.upper()] = StateRules(
            state.upper(),
            {k.upper(): int(v) for k, v in row.get("verify_months", SORNA.verify_months).items()},
            int(row.get("report_days", SORNA.report_days)),
            bool(row.get("business_days", SORNA.business_days)),
            str(row.get("basis", f"{state.upper()} rules configured in {path}")),
        )
    return out


def rules_for(state: str | None, table: Mapping[str, StateRules] | None = None) -> StateRules:
    """The rules for a registration's state: a configured row, a shipped row, else SORNA."""
    code = (state or "").upper()
    if table is not None:
        return table.get(code, SORNA)
    path = os.environ.get("VIGIL_COMPLIANCE_RULES")
    if path and code in _configured(path):
        return _configured(path)[code]
    return STATE_RULES.get(code, SORNA)


# --- calendar ----------------------------------------------------------------------------------------


def is_business_day(day: date) -> bool:
    federal = _federal()
    return day.weekday() < 5 and (federal is None or day not in federal)


def holiday_name(day: date) -> str | None:
    federal = _federal()
    return federal.get(day) if federal is not None else None


def add_business_days(start: date, n: int) -> date:
    """The n-th business day after `start` (the day of the change itself does not count)."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def report_deadline(change: date, rules: StateRules) -> date:
    """The last day a change made on `change` may be reported."""
    if rules.business_days:
        return add_business_days(change, rules.report_days)
    return change + timedelta(days=rules.report_days)


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def partial(value: date | None, precision: str | None) -> PartialDate | None:
    """A derived-table date column (first day + precision) back to the partial date it was given as."""
    if value is None:
        return None
    if precision == "year":
        return PartialDate(value.year)
    if precision == "month":
        return PartialDate(value.year, value.month)
    return PartialDate(value.year, value.month, value.day)


# --- observations ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    line1: str = ""
    city: str = ""
    state: str = ""
    zip5: str = ""
    line2: str = ""
    lat: float | None = None
    lon: float | None = None

    @property
    def town(self) -> str:
        city = self.city.title() if self.city.isupper() else self.city
        return ", ".join(p for p in (city, self.state) if p) or "an unknown place"

    @property
    def full(self) -> str:
        street = " ".join(p for p in (self.line1, self.line2) if p)
        return f"{street}, {self.town}" if street else self.town

    @property
    def street(self) -> str:
        return " ".join(p for p in (self.line1, self.line2) if p) or "street unknown"

    @property
    def has_street(self) -> bool:
        return bool(self.line1.strip())

    def same_as(self, other: Place) -> bool:
        """Same dwelling as far as the two descriptions tell (unit numbers are compared by digits only)."""
        if not (self.has_street and other.has_street):
            return self.state == other.state and _norm(self.city) == _norm(other.city)
        if not _same_street(self.line1, other.line1):
            return False
        if self.zip5 and other.zip5 and self.zip5 != other.zip5:
            return False
        if not (self.zip5 and other.zip5) and _norm(self.city) != _norm(other.city):
            return False
        a, b = _digits(self.line2), _digits(other.line2)
        return not (a and b and a != b)

    def miles_to(self, other: Place) -> float | None:
        if None in (self.lat, self.lon, other.lat, other.lon):
            return None
        return haversine_miles(self.lat, self.lon, other.lat, other.lon)  # type: ignore[arg-type]


def _same_street(a: str, b: str) -> bool:
    """Same house number and the street spelled alike: vendors' typos ("WALNIT CIR") are still the place."""
    na, nb = _norm(a), _norm(b)
    if na == nb:
        return True
    num_a, num_b = re.match(r"\d*", na).group(), re.match(r"\d*", nb).group()  # type: ignore[union-attr]
    if num_a != num_b or not num_a:
        return False
    from rapidfuzz import fuzz

    return fuzz.ratio(na[len(num_a) :], nb[len(num_b) :]) >= 80


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


@dataclass(frozen=True, slots=True)
class Registration:
    ref: str
    state: str
    status: str
    tier: str | None = None
    registered_on: PartialDate | None = None
    last_verified: PartialDate | None = None
    next_due: PartialDate | None = None
    address: Place | None = None
    address_since: PartialDate | None = None
    as_of: date | None = None  # when the registry last confirmed the record (its export date)
    employers: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status not in ("moved_out", "deceased")


@dataclass(frozen=True, slots=True)
class Residence:
    """One source saying the person lives (or lived) at a place."""

    ref: str
    place: Place
    start: PartialDate | None = None
    end: PartialDate | None = None
    as_of: date | None = None
    registry: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One source saying the person works (worked) somewhere; an employment check is a dated Job."""

    ref: str
    employer: str
    place: Place | None = None
    start: PartialDate | None = None
    end: PartialDate | None = None
    as_of: date | None = None
    registry: bool = False
    checked: bool = False  # an employment-check event: `start` is the day it was verified
    school: bool = False  # a school he attends (student status is reported like employment)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A dated, located contact: LPR hit, LE inquiry, booking, traffic stop, travel."""

    ref: str
    kind: str
    day: date
    place: Place
    agency: str | None = None


@dataclass
class Subject:
    registrations: list[Registration] = field(default_factory=list)
    residences: list[Residence] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    deceased: list[tuple[str, date | None]] = field(default_factory=list)  # (ref, date) of sources saying so


# --- results -----------------------------------------------------------------------------------------

# Highest first: the status of an assessment is that of its most serious finding.
STATUSES = (
    "deceased",
    "incarcerated",
    "absconded",
    "possibly_absconded",
    "noncompliant",
    "overdue_verification",
    "moved_out",
    "unknown",
    "not_registered",
    "compliant",
)
_RANK = {s: i for i, s in enumerate(STATUSES)}
INFO = "info"  # a finding that explains but changes nothing


@dataclass(slots=True)
class Finding:
    code: str
    status: str  # the status this finding implies, or "info"
    text: str
    refs: list[str]
    since: date | None = None
    days: int | None = None

    def document(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "text": self.text,
            "refs": self.refs,
            "since": self.since.isoformat() if self.since else None,
            "days": self.days,
        }


@dataclass(slots=True)
class Assessment:
    status: str
    findings: list[Finding]
    as_of: date
    rules: StateRules
    registration: str | None  # ref of the registration assessed

    @property
    def reasons(self) -> list[str]:
        return [f.text for f in self.findings]

    def document(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reasons": self.reasons,
            "findings": [f.document() for f in self.findings],
            "as_of": self.as_of.isoformat(),
            "registration": self.registration,
            "rules": self.rules.document(),
        }


# --- wording -----------------------------------------------------------------------------------------


def source_label(ref: str) -> str:
    """How a sentence names a source: "vendor pubrec:acme", "NCIC offline", "registry:TX"."""
    source = ref.split("/", 1)[0]
    if source.startswith("pubrec:"):
        return f"vendor {source}"
    if source == "ncic_offline":
        return "NCIC offline"
    return source


def _d(value: PartialDate | date | None) -> str:
    if value is None:
        return "an unknown date"
    return value.iso if isinstance(value, PartialDate) else value.isoformat()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- the assessment ----------------------------------------------------------------------------------

ABSCOND_MILES = 25.0  # located sightings all farther than this from the registered address
MIN_SIGHTINGS = 2
EVENT_KINDS_NOTED = ("booking", "travel")


def assess(
    subject: Subject, as_of: date, table: Mapping[str, StateRules] | None = None, note_limit: int = 3
) -> Assessment:
    """The compliance status of one person on `as_of`, with a reason for every finding."""
    regs = subject.registrations
    if subject.deceased:
        ref, when = subject.deceased[0]
        text = f"{source_label(ref)} reports him deceased" + (f" ({when.isoformat()})" if when else "")
        reg = _primary(regs)
        rules = rules_for(reg.state if reg else None, table)
        return Assessment(
            "deceased", [Finding("deceased", "deceased", text, [ref], when)], as_of, rules, None
        )
    if not regs:
        finding = Finding(
            "no_registration", "not_registered", "no registry record for this person is in the store", []
        )
        return Assessment("not_registered", [finding], as_of, SORNA, None)
    reg = _primary(regs)
    assert reg is not None
    rules = rules_for(reg.state, table)
    findings: list[Finding] = []
    findings += _registry_status(reg, regs, subject, rules)
    if reg.active:
        findings += _verification(reg, rules, as_of)
        residence_findings = _residences(reg, regs, subject, rules, as_of)
        findings += residence_findings
        findings += _jobs(reg, subject, rules, as_of)
        findings += _jobs(reg, subject, rules, as_of, school=True)
    else:
        findings += _moved_out_evidence(reg, subject, as_of)
    findings += _notes(reg, subject, note_limit)
    status = _status(reg, findings)
    if status == "compliant" and not any(f.status != INFO for f in findings):
        pending = any(
            f.code.endswith("_unconfirmed") and f.code != "verification_unconfirmed" for f in findings
        )
        findings.insert(0, _all_clear(reg, rules, pending))
    findings.sort(key=lambda f: _RANK.get(f.status, len(STATUSES)))
    return Assessment(status, findings, as_of, rules, reg.ref)


def _primary(regs: list[Registration]) -> Registration | None:
    """The registration that governs: an active one (newest verification) before any moved-out one."""
    if not regs:
        return None

    def key(r: Registration) -> tuple[bool, date, date]:
        lv = r.last_verified.hi if r.last_verified else date.min
        return (r.active, lv, r.as_of or date.min)

    return max(regs, key=key)


_BASE = {
    "compliant": "compliant",
    "noncompliant": "noncompliant",
    "absconded": "absconded",
    "incarcerated": "incarcerated",
    "moved_out": "moved_out",
    "deceased": "deceased",
    "unknown": "unknown",
}


def _status(reg: Registration, findings: list[Finding]) -> str:
    candidates = [f.status for f in findings if f.status != INFO]
    candidates.append(_BASE.get(reg.status, "unknown"))
    return min(candidates, key=lambda s: _RANK.get(s, len(STATUSES)))


def _registry_status(
    reg: Registration, regs: list[Registration], subject: Subject, rules: StateRules
) -> list[Finding]:
    out = []
    said = f"{reg.ref} lists the status {reg.status}" + (f" (as of {reg.as_of})" if reg.as_of else "")
    if reg.status in ("absconded", "noncompliant", "incarcerated"):
        out.append(Finding(f"registry_{reg.status}", _BASE[reg.status], said, [reg.ref], reg.as_of))
    elif reg.status == "unknown":
        out.append(Finding("registry_unknown", INFO, said, [reg.ref], reg.as_of))
    for other in regs:
        if other is reg or other.status != "moved_out":
            continue
        text = f"{other.ref} lists the status moved_out"
        if reg.active and reg.registered_on:
            text += f"; he registered in {reg.state} on {_d(reg.registered_on)} ({reg.ref})"
            late = _late_registration(other, reg, subject, rules)
            if late:
                text += late
        out.append(Finding("moved_registered", INFO, text, [other.ref, reg.ref], None))
    return out


def _late_registration(
    old: Registration, new: Registration, subject: Subject, rules: StateRules
) -> str | None:
    """A past late report (cured since): said, not counted."""
    if not new.address or not new.registered_on:
        return None
    starts = [
        r.start.hi for r in subject.residences if r.start and not r.registry and r.place.same_as(new.address)
    ]
    if not starts:
        return None
    moved = min(starts)
    deadline = report_deadline(moved, rules)
    if new.registered_on.lo <= deadline:
        return None
    days = (new.registered_on.lo - moved).days
    return (
        f", {_plural(days, 'day')} after a residence there is first seen ({moved}); "
        f"the rules allow {rules.window_text()}"
    )


def _verification(reg: Registration, rules: StateRules, as_of: date) -> list[Finding]:
    months, tier_known = rules.interval(reg.tier)
    basis = reg.last_verified or reg.registered_on
    if reg.next_due:
        due = reg.next_due.hi
        how = f"the registry's next due date {_d(reg.next_due)}"
    elif basis:
        due = add_months(basis.hi, months)
        tier = f"tier {reg.tier}" if tier_known else "tier unknown, most lenient interval"
        how = f"{_plural(months, 'month')} after {_d(basis)} ({tier}, {rules.state} rules)"
    else:
        return [Finding("no_verification_dates", INFO, f"{reg.ref} gives no verification dates", [reg.ref])]
    seen = reg.as_of or as_of
    verified = f"last verified {_d(reg.last_verified)}" if reg.last_verified else "no verification on record"
    if due >= as_of:
        return []
    if seen > due:
        days = (as_of - due).days
        text = (
            f"{reg.ref}: {verified}; verification was due {due} ({how}) and the registry's data "
            f"as of {seen} shows none ({_plural(days, 'day')} overdue)"
        )
        return [Finding("verification_overdue", "overdue_verification", text, [reg.ref], due, days)]
    text = (
        f"{reg.ref}: verification was due {due} ({how}), after the registry's data (as of {seen}): "
        "confirm with the registry"
    )
    return [Finding("verification_unconfirmed", INFO, text, [reg.ref], due)]


@dataclass
class _Move:
    place: Place
    first: date  # earliest day a source places him there (latest possible day of a partial date)
    first_text: str
    refs: list[str]
    evidence: list[str]


def _moves(reg: Registration, subject: Subject) -> list[_Move]:
    """Places, other than the registered one, where sources put him since the registered address began."""
    assert reg.address is not None
    since = reg.address_since or reg.last_verified or reg.registered_on
    floor = since.hi if since else None
    registered = [r.address for r in subject.registrations if r.active and r.address]
    moves: list[_Move] = []
    for obs in subject.residences:
        if obs.registry or not obs.place.has_street:
            continue
        if any(obs.place.same_as(p) for p in registered):
            continue
        if obs.end is not None and (obs.as_of is None or obs.end.hi < (reg.as_of or obs.as_of)):
            continue  # a stay that ended before the registry's data: history, not a current address
        first = _first_day(obs.start, obs.as_of)
        earliest = obs.start.lo if obs.start else first
        if first is None or earliest is None or (floor is not None and earliest <= floor):
            continue  # it may well be older than the registered address
        said = f"since {obs.start.iso}" if obs.start else f"as of {obs.as_of}"
        match = next((m for m in moves if m.place.same_as(obs.place)), None)
        entry = f"{source_label(obs.ref)} {said}"
        if match is None:
            moves.append(_Move(obs.place, first, said, [obs.ref], [entry]))
        else:
            match.refs.append(obs.ref)
            match.evidence.append(entry)
            if first < match.first:
                match.first, match.first_text = first, said
    return sorted(moves, key=lambda m: m.first)


def _first_day(start: PartialDate | None, as_of: date | None) -> date | None:
    """The day a change counts from: the last day a partial date may mean, but no later than the day
    the source itself confirmed it (a vendor that saw him there on its as_of date knew it by then)."""
    if start is None:
        return as_of
    return min(start.hi, as_of) if as_of else start.hi


def _residences(
    reg: Registration, regs: list[Registration], subject: Subject, rules: StateRules, as_of: date
) -> list[Finding]:
    if reg.address is None:
        return []
    seen = reg.as_of or as_of
    out = []
    for move in _moves(reg, subject):
        deadline = report_deadline(move.first, rules)
        days = (as_of - move.first).days
        shows = "shows" if len(move.evidence) == 1 else "show"
        head = f"{_join(move.evidence)} {shows} a residence in {move.place.town} ({move.place.street})"
        if seen <= deadline:
            text = (
                f"{head}; the registry's data ({reg.ref}, as of {seen}) predates the {rules.window_text()} "
                f"reporting deadline ({deadline}): check whether he reported it"
            )
            out.append(Finding("residence_unconfirmed", INFO, text, move.refs, move.first, days))
            continue
        text = (
            f"{head}; the registry still lists {reg.address.town} ({reg.address.street}) "
            f"({_plural(days, 'day')} since {move.first}; {reg.ref} as of {seen}; changes are due within "
            f"{rules.window_text()}, by {deadline})"
        )
        why = _abscond_signs(reg, move, subject, regs)
        status = "possibly_absconded" if why else "noncompliant"
        if why:
            text += "; possibly absconded: " + "; ".join(why)
        out.append(Finding("unreported_residence", status, text, move.refs, move.first, days))
    return out


def _abscond_signs(reg: Registration, move: _Move, subject: Subject, regs: list[Registration]) -> list[str]:
    """Why an unreported move looks like absconding rather than paperwork."""
    assert reg.address is not None
    signs = []
    if (
        move.place.state
        and move.place.state != reg.state
        and not any(r.state == move.place.state and r.active for r in regs)
    ):
        signs.append(f"the new residence is in {move.place.state}, where no registration is on file")
    for obs in subject.residences:
        if obs.end is not None and not obs.registry and obs.place.same_as(reg.address):
            signs.append(f"{source_label(obs.ref)} shows him leaving the registered address {obs.end.iso}")
            break
    recent = [s for s in subject.sightings if s.day >= move.first and s.place.lat is not None]
    distances = [(reg.address.miles_to(s.place), s) for s in recent]
    far = [(d, s) for d, s in distances if d is not None]
    if len(far) >= MIN_SIGHTINGS and all(d > ABSCOND_MILES for d, _ in far):
        nearest = min(d for d, _ in far)
        signs.append(
            f"all {len(far)} located sightings since {move.first} are more than {ABSCOND_MILES:g} mi from "
            f"the registered address (nearest {nearest:.0f} mi)"
        )
    return signs


_EMPLOYER_NOISE = re.compile(r"\b(INC|LLC|LTD|CO|CORP|CORPORATION|COMPANY|SERVICES?|THE|OF|AND)\b")


def employer_key(name: str) -> str:
    return " ".join(_EMPLOYER_NOISE.sub(" ", re.sub(r"[^A-Z0-9 ]", " ", name.upper())).split())


def same_employer(a: str, b: str) -> bool:
    ka, kb = employer_key(a), employer_key(b)
    if not ka or not kb:
        return False
    if ka == kb or ka in kb or kb in ka:
        return True
    from rapidfuzz import fuzz

    return fuzz.token_set_ratio(ka, kb) >= 90


def _jobs(
    reg: Registration, subject: Subject, rules: StateRules, as_of: date, school: bool = False
) -> list[Finding]:
    """New employers (or schools) after the last verification that the registry does not list."""
    seen = reg.as_of or as_of
    floor_pd = reg.last_verified or reg.registered_on
    floor = floor_pd.hi if floor_pd else None
    jobs = [j for j in subject.jobs if j.school == school]
    listed = [*(() if school else reg.employers), *(j.employer for j in jobs if j.registry)]
    noun, code = ("school enrollment", "school") if school else ("employment", "employment")
    found: dict[str, tuple[date, str, list[str], list[str], Job]] = {}
    for job in jobs:
        if job.registry or any(same_employer(job.employer, name) for name in listed):
            continue
        if job.end is not None and job.end.hi < seen:
            continue
        first = _first_day(job.start, job.as_of)
        earliest = job.start.lo if job.start else first
        if first is None or earliest is None or (floor is not None and earliest <= floor):
            continue
        key = next((k for k in found if same_employer(k, job.employer)), job.employer)
        verb = f"verified {noun}" if job.checked else f"shows {noun}"
        said = f"on {first}" if job.checked else (f"since {job.start.iso}" if job.start else f"as of {first}")
        entry = f"{source_label(job.ref)} {verb} at {job.employer} ({said})"
        if key in found:
            day, text, refs, entries, first_job = found[key]
            refs.append(job.ref)
            entries.append(entry)
            found[key] = (min(day, first), text, refs, entries, first_job)
        else:
            found[key] = (first, said, [job.ref], [entry], job)
    out = []
    listed_text = ", ".join(dict.fromkeys(listed)) if listed else ("no school" if school else "no employer")
    for first, _, refs, entries, job in sorted(found.values(), key=lambda v: v[0]):
        deadline = report_deadline(first, rules)
        where = f" in {job.place.town}" if job.place and (job.place.city or job.place.state) else ""
        head = _join(entries) + where
        days = (as_of - first).days
        if seen <= deadline:
            text = (
                f"{head}; the registry's data (as of {seen}) predates the reporting deadline ({deadline}): "
                "check whether he reported it"
            )
            out.append(Finding(f"{code}_unconfirmed", INFO, text, refs, first, days))
            continue
        text = (
            f"{head}; {reg.ref} lists {listed_text} as of {seen} ({_plural(days, 'day')} since {first}; "
            f"changes are due within {rules.window_text()}, by {deadline})"
        )
        out.append(Finding(f"unreported_{code}", "noncompliant", text, refs, first, days))
    return out


def _moved_out_evidence(reg: Registration, subject: Subject, as_of: date) -> list[Finding]:
    """A registration closed as moved out: where the sources put him now (a lead for the new state)."""
    if reg.status != "moved_out":
        return []
    probe = replace(reg, status="compliant")
    if probe.address is None:
        return []
    out = []
    for move in _moves(probe, subject):
        text = (
            f"{reg.ref} closed the registration as moved out; {_join(move.evidence)} "
            f"{'shows' if len(move.evidence) == 1 else 'show'} a residence in {move.place.town} "
            f"({move.place.street}); no registration there is in the store"
        )
        out.append(Finding("moved_out_elsewhere", "moved_out", text, move.refs, move.first))
    return out


def _notes(reg: Registration, subject: Subject, limit: int) -> list[Finding]:
    """Bookings and travel since the last verification: context an officer wants, not a violation."""
    since = reg.last_verified.lo if reg.last_verified else None
    out = []
    for kind in EVENT_KINDS_NOTED:
        events = sorted(
            (s for s in subject.sightings if s.kind == kind and (since is None or s.day > since)),
            key=lambda s: s.day,
            reverse=True,
        )
        for s in events[:limit]:
            by = f" by {s.agency}" if s.agency else ""
            text = f"{kind.replace('_', ' ')} on {s.day} in {s.place.town}{by} ({s.ref})"
            out.append(Finding(kind, INFO, text, [s.ref], s.day))
        if len(events) > limit:
            out.append(Finding(kind, INFO, f"{len(events) - limit} more {kind} events", [], None))
    return out


def _all_clear(reg: Registration, rules: StateRules, pending: bool) -> Finding:
    verified = f"last verified {_d(reg.last_verified)}" if reg.last_verified else "no verification date"
    due = f", next due {_d(reg.next_due)}" if reg.next_due else ""
    seen = (
        "changes seen since the registry's data are not due yet (below)"
        if pending
        else "no source shows a residence or employer the registry does not list"
    )
    text = f"{reg.ref} lists the status {reg.status} ({verified}{due}); {seen} ({rules.state} rules)"
    return Finding("consistent", "compliant", text, [reg.ref], None)


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
