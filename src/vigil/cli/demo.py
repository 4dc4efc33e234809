"""`vigil demo`: make the synthetic scenario, load it, and show what to try next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigil.cli.common import Db, Format, Purpose, User, actor, console, fail
from vigil.config import data_dir
from vigil.ingest import ingest_file
from vigil.resolve.run import ensure_resolved
from vigil.store.db import analyze, open_store

if TYPE_CHECKING:
    from vigil.demo import Scenario

app = typer.Typer(help="The synthetic demo scenario (synthetic data only).")
SCALE_NAMES = ("small", "medium", "large")

Scale = Annotated[str, typer.Option(help=f"One of: {', '.join(SCALE_NAMES)}.")]
Seed = Annotated[int, typer.Option(help="Same seed, same data.")]
Out = Annotated[
    Path | None, typer.Option(help="Folder for the JSONL files (default: data dir/demo/SCALE-SEED).")
]


def _generate(scale: str, seed: int, out: Path | None) -> Scenario:
    # Imported here: the generator pulls in Faker, which other commands should not pay for.
    from vigil.demo import SCALES, estimated_records, generate

    if scale not in SCALES:
        raise fail(f"unknown scale {scale!r}; one of {', '.join(SCALES)}")
    folder = out or data_dir() / "demo" / f"{scale}-{seed}"
    con = console(Format.table)
    with Progress(
        TextColumn(f"generating {scale} scenario"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=con,
        transient=True,
    ) as bar:
        task = bar.add_task("generate", total=estimated_records(scale))
        scenario = generate(folder, scale=scale, seed=seed, progress=lambda n: bar.advance(task, n))
    con.print(f"Wrote {sum(scenario.counts.values()):,} synthetic records to {scenario.out_dir}")
    return scenario


@app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    scale: Scale = "small",
    seed: Seed = 7,
    out: Out = None,
    db: Db = None,
    user: User = None,
    purpose: Purpose = None,
) -> None:
    """Generate the scenario, load it into the store, and print what to try next."""
    if ctx.invoked_subcommand:
        return
    scenario = _generate(scale, seed, out)
    engine = open_store(db)
    who = actor(user, purpose or "demo load")
    con = console(Format.table)
    table = Table(title="Loaded")
    for column in ("file", "new", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "file" else "right")
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), console=con, transient=True
    ) as bar:
        task = bar.add_task("loading", total=len(scenario.files))
        for path in scenario.files:
            bar.update(task, description=f"loading {path.name}")
            s = ingest_file(engine, path, who)
            table.add_row(
                path.name, f"{s.inserted:,}", f"{s.updated:,}", f"{s.unchanged:,}", f"{s.rejected:,}"
            )
            bar.advance(task)
    con.print(table)
    analyze(engine)
    with Progress(
        TextColumn("resolving records into persons"), BarColumn(), console=con, transient=True
    ) as bar:
        bar.add_task("resolve", total=None)
        stats = ensure_resolved(engine, who)
    if stats:
        con.print(f"Resolved {stats.parties:,} people in records into {stats.persons:,} persons.")
    from vigil.web.accounts import ensure_demo_users

    accounts = ensure_demo_users(engine)
    _next_steps(scenario, db, accounts)


def _next_steps(scenario: Scenario, db: str | None, accounts: list[tuple[str, str, str]]) -> None:
    truth = orjson.loads(scenario.ground_truth.read_bytes())
    absconder = (truth.get("absconders") or [{}])[0].get("registry_ref", "registry:TX/TX-000001")
    chain = (truth.get("tip_chains") or [{}])[0].get("via", ["phone:+15125550100"])[0]
    kind, _, value = chain.partition(":")
    db_flag = f" --db {db}" if db else ""
    con = console(Format.table)
    con.rule("Try next")
    con.print(
        f"  vigil stats{db_flag}\n"
        f"  vigil record '{absconder}' --history --purpose 'demo'{db_flag}\n"
        f"  vigil lookup {kind} '{value}' --purpose 'demo'{db_flag}\n"
        f"  vigil lookup {kind} '{value}' --purpose 'demo' --format json{db_flag}\n"
        f"  vigil audit list{db_flag}\n"
        f"  vigil search --name '{_a_name(scenario)}' --purpose 'demo'{db_flag}\n"
        f"  vigil quickhit {scenario.out_dir / 'quickhit_request.csv'} -o quickhit_result.xlsx "
        f"--purpose 'demo'{db_flag}\n"
        f"  vigil ingest {scenario.files[0]}{db_flag}   # again: idempotent, nothing changes\n"
        f"  vigil serve{db_flag}   # then open http://127.0.0.1:8000/ and log in as one of:\n"
        + "".join(f"      {user} / {password}   ({role})\n" for user, role, password in accounts)
        + f"Ground truth for this scenario: {scenario.ground_truth}",
        highlight=False,
        soft_wrap=True,
    )


def _a_name(scenario: Scenario) -> str:
    import csv

    with (scenario.out_dir / "quickhit_request.csv").open() as fh:
        row = next(csv.DictReader(fh), None)
    return f"{row['first_name']} {row['last_name']}" if row else "John Smith"


@app.command("generate")
def generate_command(scale: Scale = "small", seed: Seed = 7, out: Out = None) -> None:
    """Only write the scenario's JSONL files and ground truth (no loading)."""
    scenario = _generate(scale, seed, out)
    for path in scenario.files:
        console(Format.table).print(f"  {path}")
