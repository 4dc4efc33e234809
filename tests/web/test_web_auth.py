"""Log-in, throttling, CSRF, session idle timeout, TOTP, log-out and account changes."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from webtools import PASSWORD, Clock, add_user, csrf_of, login, new_client

from vigil import audit
from vigil.config import Actor
from vigil.store.tables import web_session
from vigil.web import accounts
from vigil.web.roles import ANALYST, CASE_MANAGER, LE_REQUESTER, SUPERVISOR
from vigil.web.security import CSRF_COOKIE, SESSION_COOKIE


def test_login_sets_a_server_side_session_and_audits_it(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST, "TX DPS")
    client = new_client(web_app)
    response = login(client, "Ann", next="/lookup")  # user names are case-insensitive
    assert response.status_code == 303 and response.headers["location"] == "/lookup"
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith(f"{SESSION_COOKIE}="))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
    assert client.get("/api/me").json() == {
        "username": "ann",
        "role": ANALYST,
        "agency": "TX DPS",
        "totp": False,
        "last_purpose": "",
    }
    # Only a hash of the token is stored: a copy of the database is no log-in.
    token = client.cookies[SESSION_COOKIE]
    with web_app.state.engine.connect() as conn:
        stored = conn.execute(select(web_session.c.token_hash)).scalars().all()
    assert token not in stored and accounts.hash_token(token) in stored
    entry = next(audit.entries(web_app.state.engine, 1, "login"))
    assert (entry.user, entry.agency) == ("ann", "TX DPS")


def test_wrong_password_and_unknown_user_get_the_same_answer(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    wrong = login(client, "ann", "not the password at all")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text and "Wrong user name or password." in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_login_throttled_after_five_failures_per_user_and_address(web_app: FastAPI, clock: Clock) -> None:
    add_user(web_app, "ann", ANALYST)
    attacker = new_client(web_app, ip="203.0.113.5")
    for _ in range(5):
        assert login(attacker, "ann", "guess guess guess").status_code == 401
    # Now even the right password is refused from there, without being checked.
    blocked = login(attacker, "ann")
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    # The same user from another address is not locked out by the attacker.
    assert login(new_client(web_app, ip="198.51.100.7"), "ann").status_code == 303
    clock.advance(minutes=16)
    assert login(attacker, "ann").status_code == 303


def test_throttle_counts_failures_across_addresses(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST)
    for i in range(20):
        login(new_client(web_app, ip=f"203.0.113.{i + 1}"), "ann", "spread out guessing")
    assert login(new_client(web_app, ip="198.51.100.9"), "ann").status_code == 429


def test_posts_need_the_csrf_token(web_app: FastAPI, client_as: Callable[..., TestClient]) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    token = csrf_of(client)
    form = {"username": "ann", "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 403  # no token
    assert client.post("/login", data={**form, "csrf_token": "forged"}).status_code == 403
    # A token that was never signed by this server is refused even when cookie and form agree.
    client.cookies.set(CSRF_COOKIE, "made-up.value")
    assert client.post("/login", data={**form, "csrf_token": "made-up.value"}).status_code == 403
    client.cookies.set(CSRF_COOKIE, token)
    assert client.post("/login", data={**form, "csrf_token": token}).status_code == 303

    analyst = client_as(ANALYST)
    upload = {"file": ("x.jsonl", b"{}\n")}
    assert analyst.post("/api/ingest", files=upload).status_code == 403
    wrong = analyst.post("/api/ingest", files=upload, headers={"X-CSRF-Token": token + "x"})
    assert wrong.status_code == 403
    assert analyst.post("/logout").status_code == 403
    assert analyst.get("/api/me").status_code == 200  # the forged log-out did nothing


def test_session_ends_after_30_idle_minutes(web_app: FastAPI, clock: Clock) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    login(client, "ann")
    for _ in range(3):  # activity keeps the session alive well past 30 minutes in all
        clock.advance(minutes=25)
        assert client.get("/api/me").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/api/me").status_code == 401
    page = client.get("/lookup?kind=phone")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Flookup%3Fkind%3Dphone"
    with web_app.state.engine.connect() as conn:
        assert conn.execute(select(web_session)).all() == []  # the expired session is gone


def test_sessions_have_a_maximum_age(web_app: FastAPI, clock: Clock) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    login(client, "ann")
    for _ in range(35):  # active all the time: 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/api/me").status_code == 200
    clock.advance(minutes=25)  # past 12 hours since log-in
    assert client.get("/api/me").status_code == 401


def test_logout_ends_the_session_on_the_server(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    login(client, "ann")
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/logout", headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    replay = new_client(web_app)
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/api/me").status_code == 401


def test_disabling_a_user_ends_its_sessions(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST)
    client = new_client(web_app)
    login(client, "ann")
    accounts.set_disabled(web_app.state.engine, Actor("boss"), "ann")
    assert client.get("/api/me").status_code == 401
    assert login(new_client(web_app), "ann").status_code == 401
    accounts.set_disabled(web_app.state.engine, Actor("boss"), "ann", disabled=False)
    assert login(new_client(web_app), "ann").status_code == 303


def test_login_redirects_only_to_local_paths(web_app: FastAPI) -> None:
    add_user(web_app, "ann", ANALYST)
    for target in ("https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com"):
        response = login(new_client(web_app), "ann", next=target)
        assert response.headers["location"] == "/", target


def test_totp_second_factor(web_app: FastAPI, clock: Clock) -> None:
    secret = add_user(web_app, "sue", SUPERVISOR, totp=True)
    assert secret
    client = new_client(web_app)
    first = login(client, "sue", next="/audit")
    assert first.status_code == 303 and first.headers["location"].startswith("/login/totp")
    # Password alone is not a log-in.
    assert client.get("/api/me").status_code == 401
    assert client.get("/login/totp").status_code == 200

    def submit(code: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/login/totp", data={"code": code, "next": "/audit", "csrf_token": csrf_of(client)}
        )

    wrong = "000000" if pyotp.TOTP(secret).at(clock.now) != "000000" else "111111"
    assert submit(wrong).status_code == 401
    code = pyotp.TOTP(secret).at(clock.now)
    ok = submit(code)
    assert ok.status_code == 303 and ok.headers["location"] == "/audit"
    assert client.get("/api/me").json()["totp"] is True

    # The same code cannot be used again (a shoulder-surfed code is worthless once used).
    other = new_client(web_app)
    login(other, "sue")
    replay = other.post("/login/totp", data={"code": code, "csrf_token": csrf_of(other)})
    assert replay.status_code == 401
    clock.advance(seconds=30)
    fresh = other.post(
        "/login/totp", data={"code": pyotp.TOTP(secret).at(clock.now), "csrf_token": csrf_of(other)}
    )
    assert fresh.status_code == 303


def test_totp_step_expires(web_app: FastAPI, clock: Clock) -> None:
    secret = add_user(web_app, "sue", SUPERVISOR, totp=True)
    assert secret
    client = new_client(web_app)
    login(client, "sue")
    clock.advance(minutes=6)  # the half-logged-in state lasts five minutes
    code = pyotp.TOTP(secret).at(clock.now)
    response = client.post("/login/totp", data={"code": code, "csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/api/me").status_code == 401


def test_demo_user_gets_working_credentials(web_app: FastAPI) -> None:
    engine = web_app.state.engine
    username, password = accounts.ensure_demo_user(engine)
    assert login(new_client(web_app), username, password).status_code == 303
    again_user, again_password = accounts.ensure_demo_user(engine)  # a rerun resets the password
    assert again_user == username
    assert login(new_client(web_app), username, password).status_code == 401
    assert login(new_client(web_app), username, again_password).status_code == 303
    assert accounts.get_user(engine, username).role == SUPERVISOR  # type: ignore[union-attr]


def test_demo_accounts_cover_the_requester_and_case_manager(web_app: FastAPI) -> None:
    made = accounts.ensure_demo_users(web_app.state.engine)
    demo = {role: (user, password) for user, role, password in made}
    assert set(demo) == {SUPERVISOR, LE_REQUESTER, CASE_MANAGER}
    officer = new_client(web_app)
    assert login(officer, *demo[LE_REQUESTER]).status_code == 303
    assert officer.get("/requests").status_code == 200
    assert officer.get("/search").status_code == 403  # a requester asks; analysts search
    manager = new_client(web_app)
    assert login(manager, *demo[CASE_MANAGER]).status_code == 303
    assert manager.get("/cases").status_code == 200


def test_account_rules(web_app: FastAPI) -> None:
    engine = web_app.state.engine
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.create_user(engine, Actor("a"), "bob", "short", ANALYST)
    with pytest.raises(accounts.AccountError, match="unknown role"):
        accounts.create_user(engine, Actor("a"), "bob", PASSWORD, "root")
    with pytest.raises(accounts.AccountError, match="user names"):
        accounts.create_user(engine, Actor("a"), "bob smith", PASSWORD, ANALYST)
    accounts.create_user(engine, Actor("a"), "bob", PASSWORD, ANALYST)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_user(engine, Actor("a"), "BOB", PASSWORD, ANALYST)
    added = next(audit.entries(engine, 1, "user_add"))
    assert added.user == "a" and added.query["username"] == "bob"
