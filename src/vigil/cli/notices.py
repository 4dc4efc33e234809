"""`vigil notices run`: write the in-app notices that are due by the clock (for cron).

SLA warnings on technical-assistance requests and anniversary reminders of long-term missing cases.
The web server runs the same sweep every VIGIL_NOTICE_INTERVAL seconds; running both is safe: a notice
is written once per recipient and key however many sweeps run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from vigil.cli.common import Db, Fmt, Format, console, print_json
from vigil.store.db import open_store
from vigil.web.scheduler import run_due_notices

app = typer.Typer(
    help="In-app notices due by the clock (SLA warnings, case anniversaries).", no_args_is_help=True
)


@app.command("run")
def run(
    days: Annotated[
        int, typer.Option(min=1, max=366, help="Remind of case anniversaries this many days ahead.")
    ] = 30,
    db: Db = None,
    fmt: Fmt = Format.table,
) -> None:
    """Run the due-notice sweep once (idempotent: schedule it from cron as often as you like)."""
    document = run_due_notices(open_store(db), datetime.now(UTC), days)
    if fmt is Format.json:
        print_json(document)
        return
    console(fmt).print(
        f"{document['written']} notice(s) written: {document['sla_nearing']} SLA nearing, "
        f"{document['sla_overdue']} SLA overdue, {document['anniversaries']} anniversary reminder(s)."
    )
