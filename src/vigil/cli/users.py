"""`vigil users`: web accounts (add, disable, enable, password, list). Changes are audited."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli.common import Db, Fmt, Format, User, actor, console, fail, print_json
from vigil.store.db import open_store
from vigil.web import accounts
from vigil.web.roles import ROLES

app = typer.Typer(help="Web accounts and their roles.", no_args_is_help=True)

Role = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]


def _new_password() -> str:
    password = os.environ.get("VIGIL_NEW_PASSWORD")
    if password:
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Log-in name (lower case).")],
    role: Role,
    agency: Annotated[str, typer.Option(help="The user's agency (audit log; LE requesters' scope).")] = "",
    totp: Annotated[bool, typer.Option(help="Require an authenticator-app code at log-in.")] = False,
    db: Db = None,
    user: User = None,
    fmt: Fmt = Format.table,
) -> None:
    """Create an account; the password comes from VIGIL_NEW_PASSWORD or a prompt."""
    engine = open_store(db)
    try:
        created, secret = accounts.create_user(
            engine, actor(user, None), username, _new_password(), role, agency, totp=totp
        )
    except accounts.AccountError as exc:
        raise fail(str(exc)) from exc
    document = {"username": created.username, "role": created.role, "agency": created.agency}
    if secret:
        document |= {"totp_secret": secret, "totp_uri": accounts.totp_uri(created.username, secret)}
    if fmt is Format.json:
        print_json(document)
        return
    con = console(fmt)
    con.print(
        f"Created {created.username} ({created.role}{', ' + created.agency if created.agency else ''})."
    )
    if secret:
        con.print("Add this to the user's authenticator app (shown once):", highlight=False)
        con.print(f"  secret {secret}\n  {document['totp_uri']}", highlight=False, markup=False)


@app.command("disable")
def disable(username: str, db: Db = None, user: User = None) -> None:
    """Disable an account: it cannot log in and its open sessions end at once."""
    _set(username, True, db, user)


@app.command("enable")
def enable(username: str, db: Db = None, user: User = None) -> None:
    """Enable a disabled account again."""
    _set(username, False, db, user)


def _set(username: str, disabled: bool, db: str | None, user: str | None) -> None:
    try:
        changed = accounts.set_disabled(open_store(db), actor(user, None), username, disabled)
    except accounts.AccountError as exc:
        raise fail(str(exc)) from exc
    console(Format.table).print(f"{changed.username} is {'disabled' if changed.disabled else 'enabled'}.")


@app.command("password")
def password(username: str, db: Db = None, user: User = None) -> None:
    """Set a new password (VIGIL_NEW_PASSWORD or a prompt); the account's sessions end."""
    try:
        accounts.set_password(open_store(db), actor(user, None), username, _new_password())
    except accounts.AccountError as exc:
        raise fail(str(exc)) from exc
    console(Format.table).print(f"Password of {accounts.normalize_username(username)} changed.")


@app.command("list")
def list_(db: Db = None, fmt: Fmt = Format.table) -> None:
    """Accounts with role, agency and state."""
    users = accounts.list_users(open_store(db))
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "agency": u.agency,
            "disabled": u.disabled,
            "totp": u.has_totp,
            "created_at": u.created_at,
        }
        for u in users
    ]
    if fmt is Format.json:
        print_json({"users": rows})
        return
    table = Table(title="Accounts")
    for column in ("username", "role", "agency", "state", "totp", "created"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["username"],
            r["role"],
            r["agency"],
            "disabled" if r["disabled"] else "active",
            "yes" if r["totp"] else "",
            f"{r['created_at']:%Y-%m-%d}",
        )
    console(fmt).print(table)
