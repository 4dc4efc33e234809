"""The store's tables, declared once; Alembic migrations are generated from and checked against this.

Source records are kept verbatim and versioned. Every other table except the audit log and loads
is *derived*: rebuilt from the current source records by `vigil.derive`, keyed by the record's
row id and the index of the party inside the record (0 = the record's subject; cases and tips
hold several people: child, companions, suspects, victim).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Stable constraint names so migrations behave the same on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
RowId = BigInteger().with_variant(Integer(), "sqlite")


def _record_fk() -> Column:
    return Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False)


def _interval(prefix: str) -> list[Column]:
    """A partial date kept as its first day plus the precision it was given with."""
    return [Column(prefix, Date), Column(f"{prefix}_precision", String(5))]


load = Table(
    "load",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("file_name", String(1000), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("user", String(200), nullable=False),
    Column("purpose", String(1000), nullable=False, default=""),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("strict", Boolean, nullable=False, default=False),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("rejects_path", String(1000)),
)

source_record = Table(
    "source_record",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("ref", String(420), nullable=False),  # "SOURCE/ID", the reference every output uses
    Column("source", String(200), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(20), nullable=False),
    Column("as_of", Date),
    Column("raw", Text, nullable=False),  # the line exactly as it came
    Column("content_hash", String(64), nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("load_id", RowId, ForeignKey("load.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True)),
    UniqueConstraint("source", "record_id", "version"),
    Index("ix_source_record_ref_current", "ref", "is_current"),
    Index("ix_source_record_type_current", "type", "is_current"),
)

party = Table(
    "party",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger, nullable=False),
    Column("role", String(20), nullable=False),  # subject, child, companion, suspect, victim
    Column("sex", String(1)),
    Column("race", String(40)),
    *_interval("dob"),
    Column("age", SmallInteger),
    Column("height_in", Float),
    Column("weight_lb", Float),
    Column("eye_color", String(40)),
    Column("hair_color", String(40)),
    Column("deceased", Boolean),
    Column("deceased_date", Date),
    UniqueConstraint("record_id", "party"),
)

name = Table(
    "name",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("first", String(100), nullable=False),
    Column("middle", String(100), nullable=False),
    Column("last", String(100), nullable=False),
    Column("suffix", String(20), nullable=False),
    Column("full", String(400), nullable=False),
    Column("first_key", String(40), nullable=False),
    Column("last_key", String(40), nullable=False),
    Column("first_group", String(100), nullable=False),
    Index("ix_name_last_first", "last", "first"),
    Index("ix_name_keys", "last_key", "first_key"),
    # Candidate retrieval joins on surname key + first-name group; covering, so no table lookups.
    Index("ix_name_key_group", "last_key", "first_group", "record_id", "party"),
    Index("ix_name_record", "record_id"),
)

# One indexed table of normalized identifiers pointing at records: search, tip matching,
# deconfliction and path finding all read it.
identifier = Table(
    "identifier",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("value", String(400), nullable=False),
    _record_fk(),
    Column("party", SmallInteger),  # null when the identifier belongs to the record, not a person in it
    Column("detail", String(100)),  # e.g. "not_issued" for SSNs, "partial" for plates, phone kind
    Column("first_seen", Date),
    Column("last_seen", Date),
    Index("ix_identifier_kind_value", "kind", "value"),
    Index("ix_identifier_value", "value"),
    Index("ix_identifier_record", "record_id"),
)

address = Table(
    "address",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger),
    Column("idx", SmallInteger, nullable=False),  # order inside the record, for employment links
    Column("context", String(20), nullable=False),  # record, registration, employer, event, missing_from, ...
    Column("kind", String(20)),
    Column("line1", String(300), nullable=False),
    Column("line2", String(100), nullable=False),
    Column("city", String(100), nullable=False),
    Column("state", String(40), nullable=False),
    Column("zip5", String(5), nullable=False),
    Column("country", String(2), nullable=False),
    Column("std_line", String(500), nullable=False),
    Column("place_name", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_precision", String(10)),
    *_interval("valid_from"),
    *_interval("valid_to"),
    Index("ix_address_record", "record_id"),
    Index("ix_address_zip5", "zip5"),
    Index("ix_address_std_line", "std_line"),
    Index("ix_address_lat_lon", "lat", "lon"),
)

employment = Table(
    "employment",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger, nullable=False),
    Column("employer", String(300), nullable=False),
    Column("address_idx", SmallInteger),
    *_interval("valid_from"),
    *_interval("valid_to"),
    Index("ix_employment_record", "record_id"),
)

# Every dated happening: event records (LPR hits, inquiries, bookings...) and the dated core of
# cases, tips, incidents, unidentified finds and leads, so timelines and "near in space and time"
# read one table.
event = Table(
    "event",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("kind", String(40), nullable=False),
    Column("at", DateTime(timezone=True)),
    Column("at_precision", String(5), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("address_idx", SmallInteger),
    Column("person_ref", String(420)),  # the SOURCE/ID of the person record it is about, when named
    Column("agency", String(200)),
    Index("ix_event_record", "record_id"),
    Index("ix_event_at", "at"),
    Index("ix_event_person_ref", "person_ref"),
)

vehicle = Table(
    "vehicle",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger),
    Column("plate", String(20)),
    Column("plate_like", String(20)),
    Column("plate_partial", Boolean, nullable=False, default=False),
    Column("plate_state", String(2)),
    Column("make", String(40)),
    Column("model", String(40)),
    Column("year", SmallInteger),
    Column("color", String(40)),
    Column("body", String(20)),
    Column("vin", String(17)),
    Index("ix_vehicle_record", "record_id"),
    Index("ix_vehicle_plate", "plate"),
)

mark = Table(
    "mark",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger),
    Column("kind", String(20), nullable=False),
    Column("location", String(200)),
    Column("description", String(1000)),
    Index("ix_mark_record", "record_id"),
)

registration = Table(
    "registration",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("party", SmallInteger, nullable=False),
    Column("registrant_id", String(100)),
    Column("state", String(2), nullable=False),
    Column("tier", String(3)),
    Column("status", String(20), nullable=False),
    Column("registered_on", Date),
    Column("last_verified", Date),
    Column("next_due", Date),
    Column("offense", String(500)),
    Column("address_idx", SmallInteger),
    Index("ix_registration_record", "record_id"),
    Index("ix_registration_state_status", "state", "status"),
)

missing_case = Table(
    "missing_case",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("case_number", String(100), nullable=False),
    Column("category", String(30)),
    Column("missing_since", Date),
    Column("status", String(20)),
    Column("recovered_on", Date),
    Column("agency_ori", String(20)),
    Column("agency_name", String(200)),
    Column("team", String(100)),
    Index("ix_missing_case_case_number", "case_number"),
)

tip = Table(
    "tip",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("received_at", DateTime(timezone=True)),
    Column("incident_at", DateTime(timezone=True)),
    Column("incident_type", String(30)),
    Column("reporter_kind", String(10)),
    Column("esp_name", String(200)),
)

incident = Table(
    "incident",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("at", DateTime(timezone=True)),
    Column("lat", Float),
    Column("lon", Float),
    Column("child_age", SmallInteger),
    Column("child_sex", String(1)),
    Column("child_activity", String(30)),
    Column("lure", String(20)),
    Column("offender_sex", String(1)),
    Column("offender_race", String(40)),
    Column("offender_age_min", SmallInteger),
    Column("offender_age_max", SmallInteger),
    Column("offender_height_min_in", Float),
    Column("offender_height_max_in", Float),
    Column("offender_hair", String(40)),
    Column("offender_facial_hair", String(40)),
    Column("agency_ori", String(20)),
    Index("ix_incident_at", "at"),
)

unidentified = Table(
    "unidentified",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("case_number", String(100), nullable=False),
    Column("found_on", Date),
    Column("sex", String(1)),
    Column("race", String(40)),
    Column("age_min", Float),
    Column("age_max", Float),
    Column("height_min_in", Float),
    Column("height_max_in", Float),
    Column("weight_min_lb", Float),
    Column("weight_max_lb", Float),
    Column("dna_available", Boolean),
    Column("dental_available", Boolean),
)

lead = Table(
    "lead",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("received_at", DateTime(timezone=True)),
    Column("caller_kind", String(10)),
)

agency = Table(
    "agency",
    metadata,
    Column("record_id", RowId, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("ori", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("kind", String(20)),
    Column("state", String(2)),
    Column("email", String(320)),
    Column("phone", String(20)),
    Index("ix_agency_ori", "ori"),
)

agency_jurisdiction = Table(
    "agency_jurisdiction",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    _record_fk(),
    Column("kind", String(10), nullable=False),  # zip or county (FIPS)
    Column("value", String(10), nullable=False),
    Index("ix_agency_jurisdiction_kind_value", "kind", "value"),
)

# Append-only: database triggers refuse UPDATE and DELETE; each row's hash covers the previous
# row's hash, so an edit made behind the triggers' back is detectable by `vigil audit verify`.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("agency", String(200), nullable=False, default=""),
    Column("action", String(40), nullable=False),
    Column("purpose", String(1000), nullable=False),
    Column("query", Text, nullable=False),
    Column("result_refs", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Tables rebuilt from source records, in the order they may be cleared.
DERIVED_TABLES: tuple[Table, ...] = (
    party,
    name,
    identifier,
    address,
    employment,
    event,
    vehicle,
    mark,
    registration,
    missing_case,
    tip,
    incident,
    unidentified,
    lead,
    agency,
    agency_jurisdiction,
)


# --- person resolution (issue 3) ---
# Persons are clusters of parties (a party is "the person at index N inside record REF"). Members
# are keyed by reference, not row id, so a new version of a record stays in its person.

resolution_run = Table(
    "resolution_run",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("mode", String(20), nullable=False),  # full or incremental
    Column("engine", String(20), nullable=False),  # duckdb, spark, sql
    Column("params", Text, nullable=False),
    Column("stats", Text),
)

person = Table(
    "person",
    metadata,
    Column("person_id", String(20), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("members", Integer, nullable=False),
)

person_member = Table(
    "person_member",
    metadata,
    Column("ref", String(420), primary_key=True),
    Column("party", SmallInteger, primary_key=True),
    Column("person_id", String(20), ForeignKey("person.person_id", ondelete="CASCADE"), nullable=False),
    Column("run_id", RowId),
    Index("ix_person_member_person", "person_id"),
)

# What resolution compares, per party of a current record, packed in one row (resolve.features): a
# quick-hit reads one row per candidate instead of joining four derived tables. Written by
# resolution runs; a record version missing here is read from the derived tables instead.
party_feature = Table(
    "party_feature",
    metadata,
    Column("record_id", RowId, primary_key=True, autoincrement=False),
    Column("party", SmallInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# The pairwise evidence that joined two members: which fields agreed and how strongly.
match_evidence = Table(
    "match_evidence",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("person_id", String(20), nullable=False),
    Column("left_ref", String(420), nullable=False),
    Column("left_party", SmallInteger, nullable=False),
    Column("right_ref", String(420), nullable=False),
    Column("right_party", SmallInteger, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("probability", Float, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list of {field, level, weight}
    Column("run_id", RowId),
    Index("ix_match_evidence_person", "person_id"),
    Index("ix_match_evidence_left", "left_ref"),
    Index("ix_match_evidence_right", "right_ref"),
)

# Analysts' same / not-same decisions: they always win over the model, across reruns.
match_decision = Table(
    "match_decision",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("left_ref", String(420), nullable=False),
    Column("left_party", SmallInteger, nullable=False),
    Column("right_ref", String(420), nullable=False),
    Column("right_party", SmallInteger, nullable=False),
    Column("decision", String(10), nullable=False),  # same, not_same
    Column("reason", String(2000), nullable=False),
    Column("user", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_match_decision_left", "left_ref"),
    Index("ix_match_decision_right", "right_ref"),
)


# --- link analysis, deconfliction, watchlists and alerts (issue 5) ---
# A touch is one search, report or link query about a subject made on behalf of an agency; its keys
# ("person:P1", "ref:SOURCE/ID", "phone:+1...") are what another agency's touch must share to be told.

deconfliction_touch = Table(
    "deconfliction_touch",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("agency", String(200), nullable=False),
    Column("action", String(40), nullable=False),  # tip-links, path, report, search, deconflict ...
    Column("subject", String(440), nullable=False),  # as asked: person id, record reference or identifier
    Column("purpose", String(1000), nullable=False, default=""),
    Index("ix_deconfliction_touch_agency", "agency"),
)

deconfliction_key = Table(
    "deconfliction_key",
    metadata,
    Column("touch_id", RowId, ForeignKey("deconfliction_touch.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(440), primary_key=True),
    Index("ix_deconfliction_key_key", "key"),
)

# A watch raises alerts for records loaded after it was last checked (`checked_through` is the
# highest source_record.id already looked at), so `vigil alerts` is incremental and never re-alerts.
watch = Table(
    "watch",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("agency", String(200), nullable=False, default=""),
    Column("kind", String(20), nullable=False),  # person, record, case, identifier
    Column("target", String(440), nullable=False),  # person id, record reference or "kind:value"
    Column("radius_mi", Float),  # incidents within this distance of a watched person's addresses
    Column("note", String(2000), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("checked_through", RowId, nullable=False, default=0),
    Index("ix_watch_active", "active"),
)

alert = Table(
    "alert",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),  # watch, deconfliction
    Column("agency", String(200), nullable=False, default=""),  # who is told
    Column("user", String(200), nullable=False, default=""),
    Column("watch_id", RowId, ForeignKey("watch.id", ondelete="CASCADE")),
    Column("touch_id", RowId, ForeignKey("deconfliction_touch.id", ondelete="CASCADE")),
    Column("other_touch_id", RowId, ForeignKey("deconfliction_touch.id", ondelete="CASCADE")),
    Column("subject", String(440), nullable=False),  # the watched target or touched subject
    Column("ref", String(420)),  # the record that raised it, when one did
    Column("reason", String(2000), nullable=False),
    Column("seen_at", DateTime(timezone=True)),
    Index("ix_alert_agency_seen", "agency", "seen_at"),
    Index("ix_alert_watch_ref", "watch_id", "ref"),
)


# --- case analysis: series decisions (issue 6) ---
# Analysts' "same series" / "not same series" decisions on a pair of incidents, by reference (left <
# right). Append-only history: the newest decision on a pair wins over the model on every rerun.

series_decision = Table(
    "series_decision",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("left_ref", String(420), nullable=False),
    Column("right_ref", String(420), nullable=False),
    Column("decision", String(10), nullable=False),  # same, not_same
    Column("reason", String(2000), nullable=False),
    Column("user", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_series_decision_left", "left_ref"),
    Index("ix_series_decision_right", "right_ref"),
)


# --- accounts, sessions, requests, case management (issue 7) ---
# Web accounts (`vigil users add`), server-side sessions and login throttling. Passwords are argon2
# hashes; session rows hold only a SHA-256 of the cookie token, so a copy of the database cannot be
# replayed as a login.

app_user = Table(
    "app_user",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # analyst, case_manager, le_requester, supervisor, admin
    Column("agency", String(200), nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("totp_secret", String(64)),  # base32; null = no second factor
    Column("totp_last_step", BigInteger),  # last accepted TOTP time step: a code works once
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True)),
    UniqueConstraint("username"),
)

web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", RowId, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("mfa_pending", Boolean, nullable=False, default=False),  # password ok, TOTP code still due
    Column("ip", String(64), nullable=False, default=""),
    Column("user_agent", String(300), nullable=False, default=""),
    Column("purpose", String(1000), nullable=False, default=""),  # last purpose given: prefills forms
    Index("ix_web_session_user", "user_id"),
)

login_failure = Table(
    "login_failure",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failure_username_at", "username", "at"),
)


# --- technical-assistance requests, in-app notifications (issue 7) ---
# A law-enforcement requester asks for a comprehensive report, a quick-hit batch, a custom hybrid or an
# RFI; a supervisor triages it, an analyst works it and returns a deliverable. `agency` is the
# requester's agency when it was submitted: it alone decides which LE accounts may see the request and
# its files. Files live in the store (not on a disk path), so a backup holds them and access is one rule.

assistance_request = Table(
    "assistance_request",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),  # comprehensive_report, quickhit_batch, custom_hybrid, rfi
    Column("title", String(300), nullable=False),
    Column("details", Text, nullable=False, default=""),
    Column(
        "subject", String(440), nullable=False, default=""
    ),  # person, record or case as the requester gave it
    Column("urgency", String(10), nullable=False),  # routine, priority, urgent
    Column("after_hours", Boolean, nullable=False, default=False),  # urgent and sent outside office hours
    Column("status", String(20), nullable=False),  # submitted, triaged, assigned, in_progress, delivered, ...
    Column("agency", String(200), nullable=False),
    Column("requester", String(100), nullable=False),
    Column("contact", String(300), nullable=False, default=""),
    Column("triaged_by", String(100)),
    Column("assignee", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column(
        "due_at", DateTime(timezone=True), nullable=False
    ),  # the SLA deadline (urgency; triage may move it)
    Column("delivered_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_assistance_request_agency", "agency"),
    Index("ix_assistance_request_status", "status"),
    Index("ix_assistance_request_assignee", "assignee"),
)

assistance_file = Table(
    "assistance_file",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("request_id", RowId, ForeignKey("assistance_request.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(12), nullable=False),  # attachment (from the requester) or deliverable
    Column("name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Index("ix_assistance_file_request", "request_id"),
)

# The request's history, oldest first: every status change and every note, with who and when.
assistance_event = Table(
    "assistance_event",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("request_id", RowId, ForeignKey("assistance_request.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(100), nullable=False),
    Column("action", String(20), nullable=False),  # submitted, triaged, assigned, started, note, delivered...
    Column("status", String(20), nullable=False),  # the request's status after it
    Column("note", Text, nullable=False, default=""),
    Index("ix_assistance_event_request", "request_id"),
)

# In-app notifications, one row per recipient. `key` makes reminders idempotent (one per user and key).
notification = Table(
    "notification",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("user", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("text", String(1000), nullable=False),
    Column("link", String(500), nullable=False, default=""),
    Column("key", String(300)),
    Column("seen_at", DateTime(timezone=True)),
    UniqueConstraint("user", "key"),
    Index("ix_notification_user_seen", "user", "seen_at"),
)


# --- case management of missing-child cases (issue 7) ---
# Cases are the current `missing_case` source records, named by reference ("missing_cases/ID"). Who
# works them is ours: a team (its members are accounts) and a case manager. `rule` says why the case
# went where it went, e.g. continuity with an earlier case of the same child.

case_team_member = Table(
    "case_team_member",
    metadata,
    Column("team", String(100), primary_key=True),
    Column("username", String(100), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

case_assignment = Table(
    "case_assignment",
    metadata,
    Column("case_ref", String(420), primary_key=True),
    Column("team", String(100)),
    Column("manager", String(100)),
    Column("rule", String(500), nullable=False),
    Column("assigned_by", String(100), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_assignment_team", "team"),
    Index("ix_case_assignment_manager", "manager"),
)

case_note = Table(
    "case_note",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("case_ref", String(420), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_case_note_case", "case_ref"),
)

# Call-center leads an analyst attached to a case (a lead may concern several cases).
case_lead = Table(
    "case_lead",
    metadata,
    Column("case_ref", String(420), primary_key=True),
    Column("lead_ref", String(420), primary_key=True),
    Column("attached_by", String(100), nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False),
    Column("note", String(1000), nullable=False, default=""),
    Index("ix_case_lead_lead", "lead_ref"),
)


# --- background jobs of the web application (issue 7) ---
# Uploads, quick-hit batches and operation bundles run in the background. Their state is kept here so
# a restart forgets nothing: jobs that were running when the server stopped are marked `interrupted`
# at the next start, and finished jobs' files (on disk under <data dir>/jobs/<id>/) stay downloadable.
# `agency` and `owner_role` decide who else may see a job (LE requesters: their agency's requesters').

job = Table(
    "job",
    metadata,
    Column("id", String(32), primary_key=True),  # random hex: job ids are not to be guessed
    Column("kind", String(30), nullable=False),  # ingest, quickhit, operation
    Column("owner", String(100), nullable=False),
    Column("owner_role", String(20), nullable=False, default=""),
    Column("agency", String(200), nullable=False, default=""),
    Column("status", String(12), nullable=False),  # queued, running, done, failed, interrupted
    Column("stage", String(200)),
    Column("done", BigInteger, nullable=False, default=0),
    Column("total", BigInteger),
    Column("result", Text),  # JSON document of the finished work
    Column("error", Text),
    Column("download_path", String(1000)),
    Column("download_name", String(300)),
    Column("download_type", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_job_owner_created", "owner", "created_at"),
    Index("ix_job_agency_created", "agency", "created_at"),
    Index("ix_job_status", "status"),
)
