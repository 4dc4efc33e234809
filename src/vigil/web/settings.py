"""Web settings from the environment: secret key, session and throttling limits, cookie flags."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vigil.config import data_dir

log = logging.getLogger("vigil.web")


def _now() -> datetime:
    return datetime.now(UTC)


def _secret_key() -> str:
    key = os.environ.get("VIGIL_SECRET_KEY", "")
    if key:
        return key
    # A per-process key still protects CSRF tokens; it only means tokens do not survive a restart
    # and several worker processes would not agree, hence the warning.
    log.warning("VIGIL_SECRET_KEY is not set: using a random key for this process")
    return secrets.token_urlsafe(32)


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number of seconds: using %s", name, raw, default)
        return default
    return max(value, 0.0)


def _days(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number of days: using %s", name, raw, default)
        return default
    return max(value, 0.0)


@dataclass(frozen=True, slots=True)
class WebSettings:
    secret_key: str = field(default_factory=_secret_key)
    session_idle_seconds: int = 30 * 60
    session_max_seconds: int = 12 * 3600
    mfa_pending_seconds: int = 5 * 60
    # Login throttling: failures counted per user and client address within a sliding window, plus a
    # looser per-user limit across addresses against spread-out guessing.
    login_max_failures: int = 5
    login_max_failures_any_ip: int = 20
    login_window_seconds: int = 15 * 60
    # Secure cookies need HTTPS; turn on (VIGIL_COOKIE_SECURE=1) whenever TLS terminates in front.
    cookie_secure: bool = field(default_factory=lambda: os.environ.get("VIGIL_COOKIE_SECURE", "") == "1")
    max_upload_bytes: int = 2 << 30
    job_workers: int = 2
    upload_dir: Path | None = None  # default: <data dir>/uploads
    job_dir: Path | None = None  # files finished jobs produced; default: <data dir>/jobs
    # Seconds between sweeps for due notices (SLA warnings, case anniversaries); 0 turns the sweep off
    # (then run `vigil notices run` from cron).
    notice_interval: float = field(default_factory=lambda: _seconds("VIGIL_NOTICE_INTERVAL", 300))
    # Jobs that ended more than this many days ago are deleted with their files by the same sweep
    # (VIGIL_JOB_RETENTION_DAYS, default 30; 0 keeps them forever); `vigil jobs prune` does it by hand.
    job_retention_days: float = field(default_factory=lambda: _days("VIGIL_JOB_RETENTION_DAYS", 30))
    # Office hours of the analytical unit: urgent requests arriving outside them are flagged after-hours.
    office_tz: str = field(default_factory=lambda: os.environ.get("VIGIL_OFFICE_TZ", "America/New_York"))
    office_hours: tuple[int, int] = (8, 18)
    max_request_file_bytes: int = 25 << 20
    clock: Callable[[], datetime] = _now  # injectable so tests can move time forward

    def jobs(self) -> Path:
        path = self.job_dir or data_dir() / "jobs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def uploads(self) -> Path:
        path = self.upload_dir or data_dir() / "uploads"
        path.mkdir(parents=True, exist_ok=True)
        return path
