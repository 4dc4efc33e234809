"""Settings read from flags and the environment, never from code constants scattered around."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """Where the embedded store and generated demo data live (VIGIL_DATA_DIR overrides)."""
    configured = os.environ.get("VIGIL_DATA_DIR")
    path = Path(configured) if configured else Path(user_data_dir("vigil", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return os.environ.get("VIGIL_DATABASE_URL") or f"sqlite:///{data_dir() / 'vigil.db'}"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting and why: every audited call carries one."""

    user: str
    purpose: str = ""
    agency: str = ""
    role: str = "analyst"

    @property
    def may_see_ssn(self) -> bool:
        # Requesting officers get masked SSNs; analysts and above may unmask when they ask to.
        return self.role in ("analyst", "case_manager", "supervisor", "admin")

    @classmethod
    def from_env(cls, user: str | None = None, purpose: str | None = None) -> Actor:
        return cls(
            user=user or os.environ.get("VIGIL_USER") or _login_name(),
            purpose=purpose or os.environ.get("VIGIL_PURPOSE", ""),
            agency=os.environ.get("VIGIL_AGENCY", ""),
            role=os.environ.get("VIGIL_ROLE", "analyst"),
        )


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
