"""``create_app``: the FastAPI app with its knowledge base, assessor, store and settings."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nervepath import __version__
from nervepath.assessment.service import Assessor
from nervepath.interview.state import StateCache
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base
from nervepath.storage import Store, open_store
from nervepath.web.errors import install_error_handlers
from nervepath.web.expiry import purge_periodically
from nervepath.web.security import SecurityHeaders, private_data_dir, secret_key
from nervepath.web.settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("nervepath.web")

INTENDED_USE = (
    "nervepath supports decisions about foot and leg symptoms that may come from the lower "
    "back, a nerve in the leg or the foot. It does not make a diagnosis and does not replace "
    "an examination by a health professional."
)


def create_app(
    settings: Settings | None = None,
    *,
    kb: KnowledgeBase | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The app. ``kb`` and ``store`` default to the shipped knowledge base and the database
    that ``settings`` names (created and migrated on first start)."""
    settings = settings or Settings()
    kb = kb or load_knowledge_base()
    owns_store = store is None
    store = store or open_store(settings.resolved_database_url())
    private_data_dir(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        purging = asyncio.create_task(purge_periodically(store))  # at start-up, then hourly
        yield
        purging.cancel()
        if owns_store:
            store.close()

    app = FastAPI(
        title="nervepath",
        version=__version__,
        summary="Trace foot and leg symptoms back along the nerves to where they start.",
        description=INTENDED_USE,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.kb = kb
    app.state.assessor = Assessor(kb)
    app.state.store = store
    app.state.interview_cache = StateCache[Any](256)
    templates = Jinja2Templates(directory=str(files("nervepath.web") / "templates"))
    templates.env.globals.update(
        kb_version=kb.version,
        kb_hash=kb.content_hash,
        version=__version__,
        intended_use=INTENDED_USE,
        share_code_days=settings.share_code_days,
    )
    app.state.templates = templates

    install_error_handlers(app)
    # Outermost last: headers wrap everything, sessions wrap the routes.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings),
        session_cookie="nervepath_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=settings.session_lifetime_hours * 3600,
    )
    app.add_middleware(SecurityHeaders)
    app.middleware("http")(_log_request)
    app.add_middleware(HeadAsGet)  # outermost: every layer inside sees the GET it answers

    from nervepath.web.routes import admin, api, interop, pages, sharing, site

    app.include_router(api.router)
    app.include_router(interop.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(sharing.router)
    app.include_router(site.router)
    # The more specific mount first: ``/static`` would otherwise swallow ``/static/swagger``.
    app.mount("/static/swagger", StaticFiles(directory=site.SWAGGER_UI), name="swagger")
    app.mount(
        "/static", StaticFiles(directory=str(files("nervepath.web") / "static")), name="static"
    )
    return app


class HeadAsGet:
    """ASGI middleware: HEAD answered wherever GET is (FastAPI routes take only the methods
    they name, so ``HEAD /`` would be a 405): the GET's status and headers, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


async def _log_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """One line per request: method, route template, status, time — never an id or a body."""
    start = time.perf_counter()
    response = await call_next(request)
    route = getattr(request.scope.get("route"), "path", "-")
    log.info(
        "%s %s %d %.1f ms",
        request.method,
        route,
        response.status_code,
        1000 * (time.perf_counter() - start),
    )
    return response
