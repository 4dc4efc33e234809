"""`vigil jobs prune`: delete the web application's finished background jobs and their files (for cron).

Jobs that ended (done, failed, interrupted) more than `--older-than` days ago go, with their rows and
their files under `<data dir>/jobs/`; queued and running jobs never do. The web server applies the same
retention (VIGIL_JOB_RETENTION_DAYS, default 30; 0 keeps jobs forever) from its periodic sweep. The
prune is audited (action `job_prune`) with who ran it and how many jobs went.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from vigil.cli.common import Db, Fmt, Format, User, actor, console, print_json
from vigil.store.db import open_store
from vigil.web.jobs import prune_jobs
from vigil.web.settings import WebSettings

app = typer.Typer(help="The web application's background jobs.", no_args_is_help=True)


@app.command("prune")
def prune(
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            min=0,
            help="Days since a job ended (default: VIGIL_JOB_RETENTION_DAYS, else 30; 0 = prune nothing).",
        ),
    ] = None,
    db: Db = None,
    user: User = None,
    fmt: Fmt = Format.table,
) -> None:
    """Delete finished, failed and interrupted jobs older than the retention, with their files."""
    settings = WebSettings(secret_key="unused: no sessions here")
    days = settings.job_retention_days if older_than is None else older_than
    who = actor(user, f"job retention: older than {days:g} days")
    document = prune_jobs(open_store(db), settings.jobs(), days, datetime.now(UTC), who)
    if fmt is Format.json:
        print_json(document)
        return
    if days <= 0:
        console(fmt).print("Retention is off (0 days): nothing pruned.")
        return
    console(fmt).print(
        f"{document['pruned']} job(s) that ended before {document['cutoff'][:19]} pruned, "
        f"{document['files']} file(s) removed."
    )
