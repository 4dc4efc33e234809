"""Accounts, passwords, server-side sessions, login throttling and TOTP, on the store's tables.

No HTTP here: the CLI (`vigil users`) and the web routes both call these. Account changes are
written to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, select, update

from vigil import audit
from vigil.config import Actor
from vigil.store.db import write_transaction
from vigil.store.tables import app_user, login_failure, web_session
from vigil.web.roles import CASE_MANAGER, LE_REQUESTER, ROLES, SUPERVISOR
from vigil.web.settings import WebSettings

MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Vigil"
DEMO_USERNAME = "demo"
DEMO_AGENCY = "Demo Analytical Unit"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


@cache
def _dummy_hash() -> str:
    # Verified when the user does not exist, so a wrong name costs as long as a wrong password.
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request to create or change an account that cannot be honoured (message says why)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    agency: str
    disabled: bool
    has_totp: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionInfo:
    token_hash: str
    user: User
    created_at: datetime
    last_seen: datetime
    mfa_pending: bool
    purpose: str

    def actor(self, purpose: str = "") -> Actor:
        # The role travels with the actor: the library decides from it who may unmask an SSN.
        return Actor(user=self.user.username, purpose=purpose, agency=self.user.agency, role=self.user.role)


class LoginStatus(StrEnum):
    ok = "ok"
    mfa_required = "mfa_required"
    failed = "failed"  # wrong name, wrong password or disabled: one answer, so names cannot be probed
    throttled = "throttled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    status: LoginStatus
    user: User | None = None


def normalize_username(username: str) -> str:
    return username.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- accounts ---


def create_user(
    engine: Engine,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    agency: str = "",
    *,
    totp: bool = False,
    now: datetime | None = None,
) -> tuple[User, str | None]:
    """A new account; returns it and its TOTP secret (None unless `totp`)."""
    username = normalize_username(username)
    if not _USERNAME.match(username):
        raise AccountError(
            "user names are 2-100 characters: a-z, 0-9 and . _ @ - (starting with a letter or digit)"
        )
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    _check_password(password)
    secret = pyotp.random_base32() if totp else None
    at = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        if conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first():
            raise AccountError(f"user {username!r} already exists")
        conn.execute(
            app_user.insert().values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                agency=agency.strip(),
                disabled=False,
                totp_secret=secret,
                created_at=at,
                password_changed_at=at,
            )
        )
        audit.write(
            conn, actor, "user_add", {"username": username, "role": role, "agency": agency, "totp": totp}
        )
        user = _user_by_name(conn, username)
    assert user is not None
    return user, secret


def set_password(engine: Engine, actor: Actor, username: str, password: str) -> None:
    """Replace a password; every session of the account ends."""
    username = normalize_username(username)
    _check_password(password)
    with write_transaction(engine) as conn:
        user = _require(conn, username)
        conn.execute(
            update(app_user)
            .where(app_user.c.id == user.id)
            .values(password_hash=_hasher.hash(password), password_changed_at=datetime.now(UTC))
        )
        conn.execute(delete(web_session).where(web_session.c.user_id == user.id))
        audit.write(conn, actor, "user_password", {"username": username})


def set_disabled(engine: Engine, actor: Actor, username: str, disabled: bool = True) -> User:
    """Disable (or enable) an account; disabling ends its sessions at once."""
    username = normalize_username(username)
    with write_transaction(engine) as conn:
        user = _require(conn, username)
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(disabled=disabled))
        if disabled:
            conn.execute(delete(web_session).where(web_session.c.user_id == user.id))
        audit.write(conn, actor, "user_disable" if disabled else "user_enable", {"username": username})
        changed = _user_by_name(conn, username)
    assert changed is not None
    return changed


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(row) for row in conn.execute(select(app_user).order_by(app_user.c.username))]


def get_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        return _user_by_name(conn, normalize_username(username))


# The demo's accounts: every flow of the web UI can be tried from the browser, the requester's too.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (DEMO_USERNAME, SUPERVISOR, DEMO_AGENCY),  # every analyst flow plus the audit view
    ("demo-officer", LE_REQUESTER, "Demo County Sheriff's Office"),  # submits requests, sees its own
    ("demo-cases", CASE_MANAGER, DEMO_AGENCY),  # missing-child cases, teams, leads
)


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str]]:
    """The demo accounts as (username, role, password), each with a fresh password.

    The password is VIGIL_DEMO_PASSWORD when set, else random per account; it is reset on every call
    because only its hash is stored, so the caller can always print working credentials.
    """
    actor = Actor(user="vigil-demo", purpose="demo setup")
    out = []
    for username, role, agency in DEMO_ACCOUNTS:
        password = os.environ.get("VIGIL_DEMO_PASSWORD") or secrets.token_urlsafe(12)
        if get_user(engine, username) is None:
            create_user(engine, actor, username, password, role, agency)
        else:
            set_password(engine, actor, username, password)
            set_disabled(engine, actor, username, disabled=False)
        out.append((username, role, password))
    return out


def ensure_demo_user(engine: Engine) -> tuple[str, str]:
    """The supervisor demo account (username, password); see `ensure_demo_users`."""
    username, _, password = ensure_demo_users(engine)[0]
    return username, password


def totp_uri(username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


# --- login ---


def authenticate(engine: Engine, username: str, password: str, ip: str, settings: WebSettings) -> LoginResult:
    """Check a password, counting failures; too many recent failures refuse without checking."""
    username = normalize_username(username)[:100]
    now = settings.clock()
    with engine.connect() as conn:
        if _throttled(conn, username, ip, now, settings):
            return LoginResult(LoginStatus.throttled)
        row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    ok = _verify(row.password_hash if row else _dummy_hash(), password)
    if not ok or row is None or row.disabled:
        with write_transaction(engine) as conn:
            # Failures older than the window no longer count: drop this name's, so the table stays small.
            since = now - timedelta(seconds=settings.login_window_seconds)
            conn.execute(
                delete(login_failure).where(login_failure.c.username == username, login_failure.c.at < since)
            )
            conn.execute(login_failure.insert().values(username=username, ip=ip[:64], at=now))
        return LoginResult(LoginStatus.failed)
    if _hasher.check_needs_rehash(row.password_hash):
        with write_transaction(engine) as conn:
            conn.execute(
                update(app_user).where(app_user.c.id == row.id).values(password_hash=_hasher.hash(password))
            )
    user = _user(row)
    return LoginResult(LoginStatus.mfa_required if user.has_totp else LoginStatus.ok, user)


def verify_totp_code(engine: Engine, user: User, code: str, ip: str, settings: WebSettings) -> LoginResult:
    """The second factor: a current code (one step of clock drift allowed), never the same code twice."""
    now = settings.clock()
    code = re.sub(r"\s+", "", code)
    with write_transaction(engine) as conn:
        if _throttled(conn, user.username, ip, now, settings):
            return LoginResult(LoginStatus.throttled)
        row = conn.execute(select(app_user).where(app_user.c.id == user.id)).first()
        step = _matching_step(row.totp_secret, code, row.totp_last_step, now) if row else None
        if row is None or row.disabled or step is None:
            conn.execute(login_failure.insert().values(username=user.username, ip=ip[:64], at=now))
            return LoginResult(LoginStatus.failed)
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(totp_last_step=step))
    return LoginResult(LoginStatus.ok, user)


def _matching_step(secret: str | None, code: str, last_step: int | None, now: datetime) -> int | None:
    if not secret or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def clear_failures(engine: Engine, username: str, ip: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            delete(login_failure).where(
                login_failure.c.username == normalize_username(username), login_failure.c.ip == ip[:64]
            )
        )


def _throttled(conn: Connection, username: str, ip: str, now: datetime, settings: WebSettings) -> bool:
    since = now - timedelta(seconds=settings.login_window_seconds)
    recent = login_failure.c.at >= since
    same_user = login_failure.c.username == username
    here = conn.execute(
        select(func.count()).where(same_user, login_failure.c.ip == ip[:64], recent)
    ).scalar_one()
    if here >= settings.login_max_failures:
        return True
    anywhere = conn.execute(select(func.count()).where(same_user, recent)).scalar_one()
    return anywhere >= settings.login_max_failures_any_ip


# --- sessions ---


def start_session(
    engine: Engine,
    user: User,
    settings: WebSettings,
    *,
    ip: str = "",
    user_agent: str = "",
    mfa_pending: bool = False,
    replaces: str | None = None,
) -> str:
    """A new session token (the cookie value). A replaced session (e.g. the pre-TOTP one) ends."""
    token = secrets.token_urlsafe(32)
    now = settings.clock()
    with write_transaction(engine) as conn:
        if replaces:
            conn.execute(delete(web_session).where(web_session.c.token_hash == hash_token(replaces)))
        # Housekeeping on the rare path: drop this user's sessions that have already expired.
        conn.execute(
            delete(web_session).where(
                web_session.c.user_id == user.id,
                web_session.c.last_seen < now - timedelta(seconds=settings.session_idle_seconds),
            )
        )
        conn.execute(
            web_session.insert().values(
                token_hash=hash_token(token),
                user_id=user.id,
                created_at=now,
                last_seen=now,
                mfa_pending=mfa_pending,
                ip=ip[:64],
                user_agent=user_agent[:300],
                purpose="",
            )
        )
    return token


def load_session(engine: Engine, token: str, settings: WebSettings) -> SessionInfo | None:
    """The live session for a cookie token, touched; None when unknown, expired or its user disabled."""
    if not token or len(token) > 200:
        return None
    now = settings.clock()
    token_hash = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(web_session, app_user)
            .join(app_user, app_user.c.id == web_session.c.user_id)
            .where(web_session.c.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    m = row._mapping
    created, last_seen = _aware(m[web_session.c.created_at]), _aware(m[web_session.c.last_seen])
    idle_limit = settings.mfa_pending_seconds if m["mfa_pending"] else settings.session_idle_seconds
    expired = (
        now - last_seen > timedelta(seconds=idle_limit)
        or now - created > timedelta(seconds=settings.session_max_seconds)
        or m[app_user.c.disabled]
    )
    if expired:
        end_session(engine, token)
        return None
    if now - last_seen > timedelta(seconds=60):
        # Touching on every request would make every page view a write; a minute's grain is plenty
        # for a 30-minute idle limit.
        with write_transaction(engine) as conn:
            conn.execute(
                update(web_session).where(web_session.c.token_hash == token_hash).values(last_seen=now)
            )
        last_seen = now
    user = User(
        id=m[app_user.c.id],
        username=m[app_user.c.username],
        role=m[app_user.c.role],
        agency=m[app_user.c.agency],
        disabled=m[app_user.c.disabled],
        has_totp=m[app_user.c.totp_secret] is not None,
        created_at=_aware(m[app_user.c.created_at]),
    )
    return SessionInfo(token_hash, user, created, last_seen, m["mfa_pending"], m[web_session.c.purpose])


def end_session(engine: Engine, token: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(web_session).where(web_session.c.token_hash == hash_token(token)))


def remember_purpose(engine: Engine, token_hash: str, purpose: str) -> None:
    """Keep the last purpose a user gave, so the next form can offer it (it is still sent each time)."""
    with write_transaction(engine) as conn:
        conn.execute(
            update(web_session).where(web_session.c.token_hash == token_hash).values(purpose=purpose[:1000])
        )


# --- helpers ---


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords have at least {MIN_PASSWORD_LENGTH} characters")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _require(conn: Connection, username: str) -> User:
    user = _user_by_name(conn, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def _user_by_name(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    return _user(row) if row else None


def _user(row) -> User:  # type: ignore[no-untyped-def]
    return User(
        id=row.id,
        username=row.username,
        role=row.role,
        agency=row.agency,
        disabled=row.disabled,
        has_totp=row.totp_secret is not None,
        created_at=_aware(row.created_at),
    )


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is written in UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)
