"""The record types of the interchange contract (shared/formats.md), declared once.

Ingest validates every line against these models; derive, search and reports read the same
field names. Unknown fields are allowed and kept verbatim in the raw record. Values are checked
for shape only (an impossible date, a wrong type); turning them into canonical forms is the job
of `vigil.normalize`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from vigil.normalize.dates import parse_date, parse_timestamp

# Free text is capped so one pathological line cannot bloat the store; ids and names much lower.
Text = Annotated[str, StringConstraints(max_length=100_000)]
Short = Annotated[str, StringConstraints(max_length=500)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


def _check_date(value: str) -> str:
    parse_date(value)
    return value


def _check_timestamp(value: str) -> str:
    parse_timestamp(value)
    return value


DateStr = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_date)]
TimestampStr = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_timestamp)]


class Shape(BaseModel):
    """Nested shapes: unknown keys allowed (kept in raw), types checked."""

    model_config = ConfigDict(extra="allow", frozen=True)


NameKind = Literal["primary", "alias", "nickname", "maiden", "moniker"]


class Name(Shape):
    first: Short | None = None
    middle: Short | None = None
    last: Short | None = None
    suffix: Short | None = None
    kind: NameKind | None = None


AddressKind = Literal["residence", "mailing", "employment", "school", "temporary", "transient", "incident"]


class Address(Shape):
    line1: Short | None = None
    line2: Short | None = None
    city: Short | None = None
    state: Short | None = None
    zip: Short | None = None
    country: Short | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    from_: DateStr | None = Field(default=None, alias="from")
    to: DateStr | None = None
    kind: AddressKind | None = None
    place_name: Short | None = None


class Phone(Shape):
    number: Short
    kind: Literal["mobile", "landline", "voip"] | None = None
    first_seen: DateStr | None = None
    last_seen: DateStr | None = None


class ScreenName(Shape):
    platform: Short | None = None
    handle: Short


class Ip(Shape):
    ip: Short | None = None
    value: Short | None = None
    seen_at: TimestampStr | None = None


class Vehicle(Shape):
    plate: Short | None = None
    plate_state: Short | None = None
    make: Short | None = None
    model: Short | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    color: Short | None = None
    body: Short | None = None
    vin: Short | None = None


class Mark(Shape):
    kind: Literal["tattoo", "scar", "birthmark", "piercing"] | Short
    location: Short | None = None
    description: Text | None = None


class Description(Shape):
    sex: Short | None = None
    race: Short | None = None
    age_min: float | None = Field(default=None, ge=0, le=120)
    age_max: float | None = Field(default=None, ge=0, le=120)
    height_min_in: float | None = Field(default=None, ge=10, le=110)
    height_max_in: float | None = Field(default=None, ge=10, le=110)
    build: Short | None = None
    hair: Short | None = None
    facial_hair: Short | None = None
    clothing: Text | None = None
    marks: list[Mark] = Field(default_factory=list)


class Employer(Shape):
    name: Short
    address: Address | None = None
    from_: DateStr | None = Field(default=None, alias="from")
    to: DateStr | None = None


class Registration(Shape):
    registrant_id: Short | None = None
    state: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    tier: Literal["I", "II", "III"] | None = None
    status: Literal[
        "compliant", "noncompliant", "absconded", "incarcerated", "deceased", "moved_out", "unknown"
    ] = "unknown"
    registered_on: DateStr | None = None
    last_verified: DateStr | None = None
    next_due: DateStr | None = None
    offense: Text | None = None
    registered_address: Address | None = None


class Agent(Shape):
    """An agency as named inside another record."""

    ori: Short | None = None
    name: Short | None = None


class PersonFields(Shape):
    """What is said about one individual; a person record and the people inside cases and tips."""

    names: list[Name | Short] = Field(default_factory=list)
    dob: DateStr | None = None
    age: float | None = Field(default=None, ge=0, le=130)
    sex: Short | None = None
    race: Short | None = None
    height_in: float | None = Field(default=None, ge=10, le=110)
    weight_lb: float | None = Field(default=None, ge=1, le=1500)
    eye_color: Short | None = None
    hair_color: Short | None = None
    ssn: Short | None = None
    phones: list[Phone | Short] = Field(default_factory=list)
    emails: list[Short] = Field(default_factory=list)
    screen_names: list[ScreenName] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    employers: list[Employer] = Field(default_factory=list)
    vehicles: list[Vehicle] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    deceased: bool | None = None
    deceased_date: DateStr | None = None
    registration: Registration | None = None


class RecordBase(Shape):
    """Keys every record has (formats.md, General rules)."""

    type: str
    source: Id
    id: Id
    as_of: DateStr | None = None

    @field_validator("source")
    @classmethod
    def _source_has_no_slash(cls, value: str) -> str:
        # References are "SOURCE/ID" split at the first "/": an id may hold "/", a source may not.
        if "/" in value:
            raise ValueError("a source name may not contain '/' (references are SOURCE/ID)")
        return value


class PersonRecord(RecordBase, PersonFields):
    type: Literal["person"]


class PersonRef(Shape):
    source: Id
    id: Id


class EventIdentifiers(Shape):
    names: list[Name | Short] = Field(default_factory=list)
    dob: DateStr | None = None
    ssn: Short | None = None
    phones: list[Phone | Short] = Field(default_factory=list)
    vehicles: list[Vehicle] = Field(default_factory=list)


class EventRecord(RecordBase):
    type: Literal["event"]
    kind: Literal["lpr_hit", "le_inquiry", "booking", "traffic_stop", "travel", "employment_check", "other"]
    at: TimestampStr
    address: Address | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    person_ref: PersonRef | None = None
    identifiers: EventIdentifiers | None = None
    agency: Agent | Short | None = None
    details: Text | None = None


class PhotoHash(Shape):
    algo: Short
    value: Short


class FileHash(Shape):
    algo: Short
    value: Short
    filename: Short | None = None


class MissingCaseRecord(RecordBase):
    type: Literal["missing_case"]
    case_number: Id
    category: (
        Literal[
            "endangered_runaway", "family_abduction", "nonfamily_abduction", "lost_injured", "critical_other"
        ]
        | None
    ) = None
    child: PersonFields
    missing_since: DateStr | None = None
    missing_from: Address | None = None
    companions: list[PersonFields] = Field(default_factory=list)
    suspects: list[PersonFields] = Field(default_factory=list)
    phones: list[Phone | Short] = Field(default_factory=list)
    emails: list[Short] = Field(default_factory=list)
    screen_names: list[ScreenName] = Field(default_factory=list)
    photo_hashes: list[PhotoHash] = Field(default_factory=list)
    status: Literal["open", "recovered", "closed"] | None = None
    recovered_on: DateStr | None = None
    agency: Agent | None = None
    team: Short | None = None
    narrative: Text | None = None


class Reporter(Shape):
    kind: Literal["public", "esp"] | None = None
    esp_name: Short | None = None


class TipRecord(RecordBase):
    type: Literal["tip"]
    received_at: TimestampStr | None = None
    reporter: Reporter | None = None
    incident_type: (
        Literal[
            "csam",
            "enticement",
            "trafficking",
            "molestation",
            "sextortion",
            "unsolicited_obscene",
            "misleading_domain",
            "other",
        ]
        | None
    ) = None
    incident_at: TimestampStr | None = None
    suspect: PersonFields | None = None
    victim: PersonFields | None = None
    ips: list[Ip | Short] = Field(default_factory=list)
    file_hashes: list[FileHash] = Field(default_factory=list)
    narrative: Text | None = None


class IncidentChild(Shape):
    age: float | None = Field(default=None, ge=0, le=25)
    sex: Short | None = None
    activity: Short | None = None


class IncidentRecord(RecordBase):
    type: Literal["incident"]
    kind: Literal[
        "attempted_abduction", "short_term_abduction", "sexual_assault", "indecent_exposure", "suspicious"
    ]
    at: TimestampStr
    address: Address | None = None
    child: IncidentChild | None = None
    offender: Description | None = None
    vehicle: Vehicle | None = None
    lure: Short | None = None
    agency: Agent | None = None
    narrative: Text | None = None


class UnidentifiedRecord(RecordBase):
    type: Literal["unidentified"]
    case_number: Id
    found_on: DateStr | None = None
    found_at: Address | None = None
    sex: Short | None = None
    age_min: float | None = Field(default=None, ge=0, le=30)
    age_max: float | None = Field(default=None, ge=0, le=30)
    race: Short | None = None
    height_min_in: float | None = Field(default=None, ge=5, le=90)
    height_max_in: float | None = Field(default=None, ge=5, le=90)
    weight_min_lb: float | None = Field(default=None, ge=1, le=500)
    weight_max_lb: float | None = Field(default=None, ge=1, le=500)
    marks: list[Mark] = Field(default_factory=list)
    clothing: Text | None = None
    dna_available: bool | None = None
    dental_available: bool | None = None
    agency: Agent | Short | None = None
    narrative: Text | None = None


class Sighting(Shape):
    at: TimestampStr | None = None
    address: Address | None = None


class Mentioned(Shape):
    names: list[Name | Short] = Field(default_factory=list)
    phones: list[Phone | Short] = Field(default_factory=list)
    vehicles: list[Vehicle] = Field(default_factory=list)
    case_numbers: list[Short] = Field(default_factory=list)


class Caller(Shape):
    kind: Literal["public", "le", "family"] | None = None


class LeadRecord(RecordBase):
    type: Literal["lead"]
    received_at: TimestampStr | None = None
    caller: Caller | None = None
    text: Text | None = None
    sighting: Sighting | None = None
    mentioned: Mentioned | None = None


class Contact(Shape):
    email: Short | None = None
    phone: Short | None = None


class AgencyRecord(RecordBase):
    type: Literal["agency"]
    ori: Id
    name: Short
    kind: Literal["police", "sheriff", "state", "federal", "icac"] | None = None
    state: Short | None = None
    counties: list[Short] = Field(default_factory=list)
    zips: list[Short] = Field(default_factory=list)
    contact: Contact | None = None


RECORD_MODELS: dict[str, type[RecordBase]] = {
    "person": PersonRecord,
    "event": EventRecord,
    "missing_case": MissingCaseRecord,
    "tip": TipRecord,
    "incident": IncidentRecord,
    "unidentified": UnidentifiedRecord,
    "lead": LeadRecord,
    "agency": AgencyRecord,
}

RECORD_TYPES: tuple[str, ...] = tuple(RECORD_MODELS)

_ADAPTERS: dict[str, TypeAdapter[Any]] = {kind: TypeAdapter(model) for kind, model in RECORD_MODELS.items()}


def validate_record(obj: Any) -> RecordBase:
    """The typed record for a decoded JSON object; raises pydantic.ValidationError or ValueError."""
    if not isinstance(obj, dict):
        raise ValueError(f"a record must be a JSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    adapter = _ADAPTERS.get(kind) if isinstance(kind, str) else None
    if adapter is None:
        raise ValueError(f"unknown record type {kind!r}; expected one of {', '.join(RECORD_TYPES)}")
    return adapter.validate_python(obj)
