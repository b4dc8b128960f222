"""``nervepath serve``: the app under Uvicorn, announced in one line once it listens.

Start-up says where the server listens and where the data are, and nothing else: Alembic's
and Uvicorn's INFO lines are dropped, their warnings and errors kept (a port in use, a failed
migration). Each request then logs one line (``nervepath.web``: method, route, status, time).

With several workers Uvicorn starts each in a fresh interpreter, which builds its app from
the import string ``APP_FACTORY`` and its settings from the environment, where ``serve`` put
them; the database is migrated and the secret key made once, first, so that the workers
neither race to migrate nor sign cookies with different keys.
"""

from __future__ import annotations

import logging.config
import os
import socket
import threading
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.security import secret_key
from nervepath.web.settings import Settings

__all__ = ["APP_FACTORY", "app_from_environment", "configure_logging", "ready_line", "serve"]

APP_FACTORY = f"{__name__}:app_from_environment"


def configure_logging() -> None:
    """Warnings and errors from everything; INFO from nervepath's own loggers only."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"level": "WARNING", "handlers": ["stderr"]},
            "loggers": {"nervepath": {"level": "INFO"}},
        }
    )


def ready_line(url: str, settings: Settings) -> str:
    """``nervepath is listening on URL (API docs at URL/docs); data: WHERE``."""
    from sqlalchemy.engine import make_url

    database = make_url(settings.resolved_database_url())
    if database.get_backend_name() == "sqlite" and database.database:
        where = database.database
    else:  # a database server: its URL without the password
        where = database.render_as_string(hide_password=True)
    return f"nervepath is listening on {url} (API docs at {url}docs); data: {where}"


def serve(settings: Settings, *, announce: Callable[[str], None]) -> None:
    """Run until Ctrl-C; ``announce`` gets the one line once the server listens."""
    configure_logging()
    # Uvicorn's access log prints full paths, and a self-check link is a secret: the app's
    # middleware logs the route template instead. ``log_config=None``: ours above rules.
    host, port = settings.host, settings.port
    if settings.workers == 1:
        config = uvicorn.Config(
            create_app(settings), host=host, port=port, access_log=False, log_config=None
        )
        _AnnouncingServer(config, lambda url: announce(ready_line(url, settings))).run()
        return
    open_store(settings.resolved_database_url()).close()
    secret_key(settings)
    os.environ.update(_environment(settings))
    stopped = threading.Event()
    if _can_bind(host, port):  # else Uvicorn says why it cannot
        url = _url(host, port)
        threading.Thread(
            target=_announce_when_listening,
            args=(settings, stopped, lambda: announce(ready_line(url, settings))),
            daemon=True,
        ).start()
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            workers=settings.workers,
            host=host,
            port=port,
            access_log=False,
            log_config=None,
        )
    finally:
        stopped.set()


def app_from_environment() -> FastAPI:
    """The app of one Uvicorn worker, its settings from the environment (see the module)."""
    configure_logging()
    return create_app(Settings())


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as the ``NERVEPATH_`` variables that make the same ``Settings()``."""
    return {
        f"NERVEPATH_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }


def _url(host: str, port: int) -> str:
    """The server's address as a link (an IPv6 host in brackets)."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _can_bind(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _announce_when_listening(
    settings: Settings, stop: threading.Event, announce: Callable[[], None]
) -> None:
    """Announce once a worker accepts connections: the socket Uvicorn binds first refuses
    them until a worker, its app built, listens on it."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
    while not stop.wait(0.05):
        try:
            socket.create_connection((host, settings.port), timeout=1).close()
        except OSError:
            continue
        if not stop.is_set():
            announce()
        return


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            self._on_ready(_url(host, port))
