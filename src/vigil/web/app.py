"""The application factory: one store, one job runner, the notice sweep, every router in vigil.web.routes,
deny by default."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Connection, Engine
from sqlalchemy.engine.base import OptionEngine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from vigil import __version__
from vigil.analyze.records import UnknownReference
from vigil.audit import PurposeRequired
from vigil.store.db import open_store
from vigil.web import routes
from vigil.web.jobs import JobRunner
from vigil.web.scheduler import NoticeScheduler
from vigil.web.security import CSRF_COOKIE, Forbidden, NotAuthenticated, current_session, route_roles
from vigil.web.settings import WebSettings
from vigil.web.templating import STATIC_DIR, render

# Mounted sub-applications that are open to everyone: the static assets (CSS, our small script).
OPEN_MOUNTS = frozenset({"/static"})
# Paths answered with JSON even to a browser; everything else is a page.
JSON_PREFIXES = ("/api/", "/public/registry-counts", "/openapi.json", "/healthz")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


class HideQueryStrings(logging.Filter):
    """For uvicorn's access log: identifiers and purposes travel in query strings, keep them out of logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs (client, method, path with query, http version, status)
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?...", *args[3:])
        return True


def create_app(db_url: str | None = None, settings: WebSettings | None = None) -> FastAPI:
    """The Vigil web application on the store at `db_url` (default: the embedded store), migrated."""
    settings = settings or WebSettings()
    engine = serving_engine(open_store(db_url))
    jobs = JobRunner(engine, settings.jobs(), settings.job_workers)
    notices = NoticeScheduler(
        engine, settings.notice_interval, settings.clock, settings.jobs(), settings.job_retention_days
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.recover()  # what a previous process left running died with it
        notices.start()
        yield
        notices.stop()
        jobs.shutdown()

    app = FastAPI(
        title="Vigil",
        version=__version__,
        summary="Investigative data system: records, identifiers, audit. Every call but /healthz, /login "
        "and /public/... needs a logged-in session (cookie `vigil_session`); posts need the "
        "`X-CSRF-Token` header equal to the `vigil_csrf` cookie.",
        openapi_url=None,  # served by routes/health.py behind a login, like everything else
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.jobs = jobs
    app.state.notices = notices
    for router in discover_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    check_routes_declare_roles(app)
    _install_handlers(app, settings)
    return app


class WriteFirstEngine(OptionEngine):
    """The store engine as a server with many concurrent requests uses it on SQLite.

    `engine.begin()` takes the write lock at BEGIN (IMMEDIATE); `engine.connect()` reads stay deferred.
    A deferred transaction that reads and then writes (an audit append reads the chain's last hash
    first) fails with "database is locked" when another request committed in between; taking the lock
    up front makes concurrent writers queue (busy timeout) instead. PostgreSQL needs none of this.
    """

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.connect() as conn:
            conn.execution_options(vigil_write=True)  # read by vigil.store.db's "begin" listener
            with conn.begin():
                yield conn


def serving_engine(engine: Engine) -> Engine:
    return WriteFirstEngine(engine, {}) if engine.dialect.name == "sqlite" else engine


def discover_routers() -> Iterator[APIRouter]:
    """`router` of every module in vigil.web.routes (a capability adds its module; nothing to register)."""
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            yield router


def all_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, with included routers opened up (newer FastAPI keeps them as one lazy entry)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)
        else:
            yield route


def check_routes_declare_roles(app: FastAPI) -> None:
    """Deny by default: refuse to build an app with a route that does not say who may call it."""
    for route in all_routes(app.routes):
        if isinstance(route, APIRoute):
            if route_roles(route) is None:
                raise RuntimeError(f"route {route.path} declares no roles: add allow(...) to it")
        elif isinstance(route, Mount):
            if route.path not in OPEN_MOUNTS:
                raise RuntimeError(f"mount {route.path} is not an approved open mount")
        else:
            raise RuntimeError(f"route {getattr(route, 'path', route)!r} is not a checked APIRoute")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def _install_handlers(app: FastAPI, settings: WebSettings) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, _exc: NotAuthenticated) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "login required"}, 401, headers={"WWW-Authenticate": "Cookie"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return await _error(request, 403, str(exc) or "forbidden")

    @app.exception_handler(PurposeRequired)
    async def _purpose(request: Request, exc: PurposeRequired) -> Response:
        return await _error(request, 400, "a purpose is required: say why you are looking (it is audited)")

    @app.exception_handler(UnknownReference)
    async def _unknown(request: Request, exc: UnknownReference) -> Response:
        return await _error(request, 404, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return await _error(request, exc.status_code, str(exc.detail), exc.headers)

    async def _error(
        request: Request, status: int, detail: str, headers: dict[str, str] | None = None
    ) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": detail}, status, headers=headers)
        session = await current_session(request) if request.cookies else None
        response = render(request, "error.html", session, status, status=status, detail=detail)
        if headers:
            response.headers.update(headers)
        return response

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        state = request.scope.get("vigil", {})
        if state.get("csrf_new"):
            response.set_cookie(
                CSRF_COOKIE,
                state["csrf"],
                httponly=False,  # scripts may read it to send the X-CSRF-Token header
                samesite="strict",
                secure=settings.cookie_secure,
                path="/",
            )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Record references and purposes travel in URLs: never send them to another site.
        headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
