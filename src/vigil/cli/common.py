"""Options every command shares (formats.md: --db, --user, --purpose, --format) and output helpers."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from vigil.config import Actor

# Human output goes to stderr when JSON is asked for, so stdout holds exactly one JSON document.
out = Console()
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"


Db = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="VIGIL_DATABASE_URL", help="Database URL (default: the embedded SQLite store)."
    ),
]
User = Annotated[str | None, typer.Option("--user", envvar="VIGIL_USER", help="Who is acting (audit log).")]
Purpose = Annotated[
    str | None,
    typer.Option("--purpose", envvar="VIGIL_PURPOSE", help="Why (audit log; required for searches)."),
]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table for people, json for programs.")]


def actor(user: str | None, purpose: str | None) -> Actor:
    return Actor.from_env(user, purpose)


def console(fmt: Format) -> Console:
    return err if fmt is Format.json else out


def print_json(document: Any) -> None:
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)
