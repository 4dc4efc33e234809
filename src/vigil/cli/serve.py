"""`vigil serve`: the web application and REST API under uvicorn."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from vigil.cli.common import Db


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: Db = None,
) -> None:
    """Start the web application and REST API (log in with an account from `vigil users add`)."""
    import uvicorn

    from vigil.web.app import HideQueryStrings, create_app

    app = create_app(db)
    # One process: jobs run on its threads; their state and files outlive it (vigil.web.jobs).
    config = uvicorn.Config(
        app, host=host, port=port, server_header=False, proxy_headers=False, log_level="info"
    )
    logging.getLogger("uvicorn.access").addFilter(HideQueryStrings())
    typer.echo(f"Vigil on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    uvicorn.Server(config).run()
