"""``nervepath serve``: the app under Uvicorn, announced in one line once it listens.

Start-up says where the server listens and where the data are, and nothing else: Alembic's
and Uvicorn's INFO lines are dropped, their warnings and errors kept (a port in use, a failed
migration). Each request then logs one line (``nervepath.web``: method, route, status, time).
"""

from __future__ import annotations

import logging.config
import socket
from collections.abc import Callable

import uvicorn

from nervepath.web.app import create_app
from nervepath.web.settings import Settings

__all__ = ["configure_logging", "ready_line", "serve"]


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
    """Run until Ctrl-C; ``announce`` gets the one line once the socket is bound."""
    configure_logging()
    app = create_app(settings)
    # Uvicorn's access log prints full paths, and a self-check link is a secret: the app's
    # middleware logs the route template instead. ``log_config=None``: ours above rules.
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, access_log=False, log_config=None
    )
    _AnnouncingServer(config, lambda url: announce(ready_line(url, settings))).run()


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            self._on_ready(f"http://{shown}:{port}/")
