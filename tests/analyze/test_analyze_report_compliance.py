"""Compliance rules, table-driven: business days across weekends and federal holidays, verification per
tier and state, unreported residence and employment changes, partial dates, and status precedence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from vigil.analyze import compliance as cp
from vigil.normalize.dates import parse_date

AUSTIN = cp.Place("100 MAIN ST", "AUSTIN", "TX", "78701", "", 30.2672, -97.7431)
AUSTIN_TYPO = cp.Place("100 MIAN ST", "AUSTIN", "TX", "78701", "", 30.2672, -97.7431)
TULSA = cp.Place("5 ELM AVE", "TULSA", "OK", "74103", "", 36.1540, -95.9928)
ROUND_ROCK = cp.Place("9 OAK DR", "ROUND ROCK", "TX", "78664", "", 30.5083, -97.6789)
NEAR_AUSTIN = cp.Place("", "AUSTIN", "TX", "78702", "", 30.26, -97.72)

SORNA_ONLY: dict[str, cp.StateRules] = {}  # every state on the federal default


def pd(text: str | None) -> cp.PartialDate | None:
    return parse_date(text) if text else None


def reg(
    state: str = "TX",
    tier: str | None = "II",
    status: str = "compliant",
    last_verified: str | None = "2025-01-10",
    next_due: str | None = None,
    since: str | None = "2024-06-01",
    as_of: str = "2025-06-01",
    address: cp.Place = AUSTIN,
    employers: tuple[str, ...] = (),
) -> cp.Registration:
    return cp.Registration(
        ref=f"registry:{state}/{state}-000001",
        state=state,
        status=status,
        tier=tier,
        registered_on=pd("2020-01-01"),
        last_verified=pd(last_verified),
        next_due=pd(next_due),
        address=address,
        address_since=pd(since),
        as_of=date.fromisoformat(as_of),
        employers=employers,
    )


def vendor(
    place: cp.Place,
    start: str | None,
    end: str | None = None,
    as_of: str = "2025-05-20",
    ref: str = "pubrec:acme/A-1",
) -> cp.Residence:
    return cp.Residence(ref, place, pd(start), pd(end), date.fromisoformat(as_of))


# --- calendar -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "deadline", "why"),
    [
        ("2025-01-06", "2025-01-09", "Monday: plain weekdays"),
        ("2025-01-03", "2025-01-08", "Friday: the weekend does not count"),
        ("2025-01-04", "2025-01-08", "Saturday: counting starts Monday"),
        ("2025-01-17", "2025-01-23", "Friday before Martin Luther King Jr. Day"),
        ("2025-07-03", "2025-07-09", "Thursday before Independence Day (Friday)"),
        ("2026-07-02", "2026-07-08", "July 4th 2026 is a Saturday: observed Friday July 3rd"),
        ("2025-08-29", "2025-09-04", "Friday before Labor Day"),
        ("2025-11-26", "2025-12-02", "Wednesday before Thanksgiving"),
        ("2025-12-24", "2025-12-30", "Christmas Eve"),
        ("2025-12-31", "2026-01-06", "New Year's Day, then Friday, the weekend, Monday, Tuesday"),
    ],
)
def test_three_business_days(change: str, deadline: str, why: str) -> None:
    assert cp.report_deadline(date.fromisoformat(change), cp.SORNA) == date.fromisoformat(deadline), why


@pytest.mark.parametrize(
    ("day", "business"),
    [
        ("2025-07-04", False),
        ("2026-07-03", False),
        ("2025-11-27", False),
        ("2025-11-28", True),
        ("2025-06-07", False),
        ("2025-06-09", True),
    ],
)
def test_business_day(day: str, business: bool) -> None:
    assert cp.is_business_day(date.fromisoformat(day)) is business


def test_calendar_day_states_count_weekends() -> None:
    florida = cp.rules_for("FL")
    assert not florida.business_days and florida.report_days == 2
    assert cp.report_deadline(date(2025, 7, 3), florida) == date(2025, 7, 5)
    assert cp.rules_for("ZZ") is cp.SORNA and cp.rules_for(None) is cp.SORNA


def test_configured_rules_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        '{"ok": {"verify_months": {"I": 6, "II": 6, "III": 1}, "report_days": 5, "business_days": false}}'
    )
    monkeypatch.setenv("VIGIL_COMPLIANCE_RULES", str(path))
    rules = cp.rules_for("OK")
    assert rules.verify_months["III"] == 1 and rules.report_days == 5 and not rules.business_days
    assert cp.rules_for("TX").state == "TX"  # shipped rows still apply to states the file leaves out


@pytest.mark.parametrize(
    ("value", "precision", "iso"),
    [
        (date(2025, 3, 1), "month", "2025-03"),
        (date(2025, 1, 1), "year", "2025"),
        (date(2025, 3, 9), "day", "2025-03-09"),
    ],
)
def test_partial_from_derived_columns(value: date, precision: str, iso: str) -> None:
    assert cp.partial(value, precision).iso == iso  # type: ignore[union-attr]


# --- verification ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "last_verified", "registry_as_of", "status", "due"),
    [
        ("I", "2024-05-01", "2025-05-02", "overdue_verification", "2025-05-01"),
        ("I", "2024-05-01", "2025-04-30", "compliant", None),
        ("II", "2024-10-31", "2025-05-01", "overdue_verification", "2025-04-30"),
        ("II", "2024-11-15", "2025-05-01", "compliant", None),
        ("III", "2025-01-31", "2025-05-01", "overdue_verification", "2025-04-30"),
        ("III", "2025-02-15", "2025-05-01", "compliant", None),
        # partial dates are read in his favour: "2025-01" is verified as late as January 31st
        ("III", "2025-01", "2025-04-30", "compliant", None),
        ("III", "2025-01", "2025-05-01", "overdue_verification", "2025-04-30"),
        # an unknown tier gets the most lenient interval (12 months), never a false "overdue"
        (None, "2024-06-01", "2025-05-01", "compliant", None),
        (None, "2024-04-30", "2025-05-01", "overdue_verification", "2025-04-30"),
    ],
)
def test_verification_by_tier(
    tier: str | None, last_verified: str, registry_as_of: str, status: str, due: str | None
) -> None:
    subject = cp.Subject(registrations=[reg(tier=tier, last_verified=last_verified, as_of=registry_as_of)])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == status
    overdue = [f for f in result.findings if f.code == "verification_overdue"]
    assert bool(overdue) == (due is not None)
    if due:
        assert f"verification was due {due}" in overdue[0].text
        assert overdue[0].days == (date(2025, 6, 1) - date.fromisoformat(due)).days


def test_verification_due_after_registry_data_is_only_a_note() -> None:
    subject = cp.Subject(registrations=[reg(tier="III", last_verified="2025-01-31", as_of="2025-04-20")])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "compliant"
    assert any(
        f.code == "verification_unconfirmed" and "confirm with the registry" in f.text
        for f in result.findings
    )


def test_registry_next_due_wins_and_state_rows_apply() -> None:
    own_date = cp.Subject(registrations=[reg(tier="III", last_verified="2025-01-31", next_due="2025-07-31")])
    assert cp.assess(own_date, date(2025, 6, 1), SORNA_ONLY).status == "compliant"
    # Texas verifies yearly for every tier in the shipped table; SORNA would want tier III every 3 months
    texas = cp.Subject(registrations=[reg(tier="III", last_verified="2024-12-01", as_of="2025-05-01")])
    assert cp.assess(texas, date(2025, 6, 1)).status == "compliant"
    assert cp.assess(texas, date(2025, 6, 1), SORNA_ONLY).status == "overdue_verification"


# --- residence changes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "vendor_as_of", "registry_as_of", "status", "code"),
    [
        # moved on a Thursday before the July 4th weekend: due Wednesday the 9th
        ("2025-07-03", "2025-07-05", "2025-07-09", "compliant", "residence_unconfirmed"),
        ("2025-07-03", "2025-07-05", "2025-07-10", "noncompliant", "unreported_residence"),
        # known only to the month: counted from its last day (March 31st, due April 3rd)
        ("2025-03", "2025-04-30", "2025-04-03", "compliant", "residence_unconfirmed"),
        ("2025-03", "2025-04-30", "2025-04-04", "noncompliant", "unreported_residence"),
        # ... but never later than the day the vendor itself saw him there
        ("2025-03", "2025-03-10", "2025-03-14", "noncompliant", "unreported_residence"),
        ("2025-03", "2025-03-10", "2025-03-13", "compliant", "residence_unconfirmed"),
        # no start date: the vendor's own date is the evidence
        (None, "2025-05-01", "2025-06-01", "noncompliant", "unreported_residence"),
    ],
)
def test_unreported_residence_deadline(
    start: str | None, vendor_as_of: str, registry_as_of: str, status: str, code: str
) -> None:
    subject = cp.Subject(
        registrations=[reg(last_verified="2025-01-10", next_due="2025-12-01", as_of=registry_as_of)],
        residences=[vendor(ROUND_ROCK, start, as_of=vendor_as_of)],
    )
    result = cp.assess(subject, date(2025, 8, 1), SORNA_ONLY)
    assert result.status == status
    finding = next(f for f in result.findings if f.code == code)
    assert "vendor pubrec:acme" in finding.text and "Round Rock, TX" in finding.text
    assert finding.refs == ["pubrec:acme/A-1"]
    if code == "unreported_residence":
        assert "the registry still lists Austin, TX" in finding.text
        assert f"{finding.days} days" in finding.text


def test_reason_reads_like_an_analyst() -> None:
    subject = cp.Subject(
        registrations=[reg(next_due="2026-01-01", as_of="2025-05-23")],
        residences=[vendor(TULSA, "2025-03-02", as_of="2025-05-20")],
    )
    result = cp.assess(subject, date(2025, 5, 22), SORNA_ONLY)
    assert result.status == "possibly_absconded"  # Oklahoma, where he is not registered
    text = result.reasons[0]
    assert text.startswith("vendor pubrec:acme since 2025-03-02 shows a residence in Tulsa, OK (5 ELM AVE)")
    assert "the registry still lists Austin, TX (100 MAIN ST) (81 days since 2025-03-02" in text
    assert "the new residence is in OK, where no registration is on file" in text


@pytest.mark.parametrize(
    ("residence", "why"),
    [
        (vendor(AUSTIN_TYPO, "2025-02-01"), "the registered dwelling spelled with a typo"),
        (
            vendor(cp.Place("100 MAIN ST", "AUSTIN", "TX", "78701", "APT 1"), "2025-02-01"),
            "a unit the registry omits",
        ),
        (vendor(ROUND_ROCK, "2024", as_of="2025-05-01"), "a year that may predate the registered address"),
        (vendor(ROUND_ROCK, "2023-01-01"), "an older address the vendor never closed"),
        (vendor(ROUND_ROCK, "2025-02-01", end="2025-03-01"), "a stay that ended before the registry's data"),
        (vendor(NEAR_AUSTIN, None), "no street: not a dwelling"),
        (
            cp.Residence("registry:TX/TX-000001", ROUND_ROCK, pd("2025-02-01"), None, date(2025, 5, 1), True),
            "the registry itself",
        ),
    ],
)
def test_not_a_move(residence: cp.Residence, why: str) -> None:
    subject = cp.Subject(registrations=[reg(next_due="2026-01-01")], residences=[residence])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "compliant", why
    assert not any(
        f.code.startswith("residence") or f.code == "unreported_residence" for f in result.findings
    ), why


@pytest.mark.parametrize(
    ("extra", "sign"),
    [
        (
            {"residences": [vendor(AUSTIN, "2024-06-01", end="2025-03-20", ref="pubrec:beacon/B-1")]},
            "leaving the registered address 2025-03-20",
        ),
        (
            {
                "sightings": [
                    cp.Sighting(
                        "lpr/L-1",
                        "lpr_hit",
                        date(2025, 4, 1),
                        cp.Place(city="DALLAS", state="TX", lat=32.78, lon=-96.80),
                    ),
                    cp.Sighting(
                        "lpr/L-2",
                        "lpr_hit",
                        date(2025, 4, 9),
                        cp.Place(city="DALLAS", state="TX", lat=32.77, lon=-96.79),
                    ),
                ]
            },
            "all 2 located sightings since 2025-03-02 are more than 25 mi",
        ),
    ],
)
def test_possibly_absconded_signs(extra: dict, sign: str) -> None:
    residences = [vendor(ROUND_ROCK, "2025-03-02"), *extra.get("residences", [])]
    subject = cp.Subject(
        registrations=[reg(next_due="2026-01-01")],
        residences=residences,
        sightings=extra.get("sightings", []),
    )
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "possibly_absconded"
    assert sign in result.reasons[0]


def test_move_registered_elsewhere_is_compliant_and_late_report_is_noted() -> None:
    old = reg(state="OK", status="moved_out", last_verified="2024-01-10", address=TULSA, since="2023-01-01")
    new = replace(
        reg(last_verified="2025-03-01", next_due="2026-03-01", since="2025-02-20"),
        registered_on=pd("2025-02-20"),
    )
    subject = cp.Subject(registrations=[old, new], residences=[vendor(AUSTIN, "2025-02-10")])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "compliant"
    note = next(f for f in result.findings if f.code == "moved_registered")
    assert (
        "registered in TX on 2025-02-20" in note.text
        and "10 days after a residence there is first seen" in note.text
    )


def test_moved_out_without_new_registration() -> None:
    old = reg(state="OK", status="moved_out", last_verified="2024-01-10", address=TULSA, since="2023-01-01")
    subject = cp.Subject(registrations=[old], residences=[vendor(ROUND_ROCK, "2024-03-01")])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "moved_out"
    assert (
        "Round Rock, TX" in result.reasons[0] and "no registration there is in the store" in result.reasons[0]
    )


# --- employment -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "found", "status"),
    [
        ((), "Schmidt Car Wash", "noncompliant"),
        (("Park Lawn Care",), "Cypress Fencing Services", "noncompliant"),
        (("Schmidt Car Wash",), "SCHMIDT CAR WASH LLC", "compliant"),
        (("Reynolds Cleaning Services",), "REYNOLDS CLEANING SERVICES SERVICES", "compliant"),
    ],
)
def test_unreported_employment(listed: tuple[str, ...], found: str, status: str) -> None:
    subject = cp.Subject(
        registrations=[reg(next_due="2026-01-01", employers=listed)],
        jobs=[cp.Job("pubrec:corvid/C-1", found, ROUND_ROCK, pd("2025-02-03"), None, date(2025, 5, 1))],
    )
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == status
    if status == "noncompliant":
        assert "vendor pubrec:corvid shows employment at" in result.reasons[0]
        assert "by 2025-02-06" in result.reasons[0]


def test_unreported_school() -> None:
    college = cp.Place("1 CAMPUS DR", "AUSTIN", "TX", "78712")
    listed = cp.Job(
        "registry:TX/TX-000001",
        "Austin Community College",
        None,
        pd("2024-09-01"),
        registry=True,
        school=True,
    )
    new = cp.Job(
        "pubrec:beacon/B-7",
        "Texas State Technical College",
        college,
        pd("2025-01-21"),
        None,
        date(2025, 5, 1),
        school=True,
    )
    subject = cp.Subject(registrations=[reg(next_due="2026-01-01")], jobs=[listed, new])
    result = cp.assess(subject, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "noncompliant"
    assert result.findings[0].code == "unreported_school"
    assert "shows school enrollment at Texas State Technical College" in result.reasons[0]
    assert "lists Austin Community College" in result.reasons[0]
    subject.jobs = [listed, replace(new, employer="AUSTIN COMMUNITY COLLEGE INC")]
    assert cp.assess(subject, date(2025, 6, 1), SORNA_ONLY).status == "compliant"


def test_employment_check_event_counts_from_its_day() -> None:
    check = cp.Job(
        "employment_checks/EV-1",
        "Acme Roofing",
        ROUND_ROCK,
        pd("2025-05-28"),
        None,
        date(2025, 5, 28),
        checked=True,
    )
    subject = cp.Subject(registrations=[reg(next_due="2026-01-01", as_of="2025-06-05")], jobs=[check])
    result = cp.assess(subject, date(2025, 6, 10), SORNA_ONLY)
    assert result.status == "noncompliant"
    assert "employment_checks verified employment at Acme Roofing (on 2025-05-28)" in result.reasons[0]


# --- statuses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry_status", "expected"),
    [
        ("absconded", "absconded"),
        ("noncompliant", "noncompliant"),
        ("incarcerated", "incarcerated"),
        ("unknown", "unknown"),
        ("compliant", "compliant"),
    ],
)
def test_registry_status_is_the_floor(registry_status: str, expected: str) -> None:
    subject = cp.Subject(registrations=[reg(status=registry_status, next_due="2026-01-01")])
    assert cp.assess(subject, date(2025, 6, 1), SORNA_ONLY).status == expected


def test_precedence_and_special_cases() -> None:
    both = cp.Subject(
        registrations=[reg(status="absconded", last_verified="2024-01-01", as_of="2025-05-30")],
        residences=[vendor(TULSA, "2025-02-01")],
    )
    result = cp.assess(both, date(2025, 6, 1), SORNA_ONLY)
    assert result.status == "absconded"  # the registry's word outranks what we infer
    assert [f.status for f in result.findings][:2] == [
        "absconded",
        "possibly_absconded",
    ]  # most serious first
    dead = cp.Subject(registrations=[reg()], deceased=[("pubrec:acme/A-9", date(2025, 2, 2))])
    assert cp.assess(dead, date(2025, 6, 1)).status == "deceased"
    nobody = cp.assess(cp.Subject(), date(2025, 6, 1))
    assert nobody.status == "not_registered" and nobody.reasons
    fine = cp.assess(cp.Subject(registrations=[reg(next_due="2026-01-01")]), date(2025, 6, 1), SORNA_ONLY)
    assert fine.status == "compliant" and "no source shows a residence or employer" in fine.reasons[0]
    doc = fine.document()
    assert (
        set(doc) >= {"status", "reasons", "findings", "as_of", "rules"} and doc["rules"]["state"] == "SORNA"
    )
