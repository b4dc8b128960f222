"""Who may see what: API tokens and clinician sign-in, CSRF tokens on forms, security headers.

- Self-check results need no account: each lives at an unguessable link (its id).
- Clinician pages need a signed-in user. The session lives on the server (``web_sessions``,
  its key stored hashed); the signed cookie carries only the key, so signing out, a password
  change, deactivation or a time-out (idle and absolute, see ``Settings``) ends it for every
  copy of the cookie. The API accepts the same session or ``Authorization: Bearer np_…``
  (tokens are stored hashed).
- Every form carries a CSRF token bound to the session, checked on every POST.
- Every response carries headers that stop framing, sniffing, referrer leaks of the link and
  caching of health data.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nervepath.storage import User
from nervepath.web.errors import ApiError
from nervepath.web.settings import Settings

__all__ = [
    "CSP",
    "SecurityHeaders",
    "check_csrf",
    "csrf_token",
    "current_user",
    "private_data_dir",
    "require_api_user",
    "require_clinician",
    "secret_key",
    "sign_in",
    "sign_out",
]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
"""Scripts only from this server, on every page /docs included; inline styles are allowed for
the SVG body map's fills (and Swagger UI's)."""


def secret_key(settings: Settings) -> str:
    """The configured key, or one kept in the data directory (created once, owner-only)."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def private_data_dir(settings: Settings) -> None:
    """Make the data folder owner-only when nervepath keeps anything there (the SQLite
    database, the secret key): an older version created it with the default permissions."""
    path = settings.data_dir
    in_use = settings.database_url is None or settings.secret_key is None
    if in_use and path.is_dir() and path.stat().st_mode & 0o077:
        path.chmod(0o700)


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                # The self-check link is the key to the result: never send it to another site.
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if not path.startswith("/static/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ── sign-in ────────────────────────────────────────────────────────────────────────────────
def current_user(request: Request) -> User | None:
    """The signed-in clinician of this session, if still active (looked up once a request:
    the dependency and the page template both ask)."""
    if not hasattr(request.state, "user"):
        request.state.user = _session_user(request)
    user: User | None = request.state.user
    return user


def _session_user(request: Request) -> User | None:
    key = request.session.get("sid")
    if not isinstance(key, str) or not key:
        return None
    settings: Settings = request.app.state.settings
    user: User | None = request.app.state.store.session_user(
        key,
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(hours=settings.session_lifetime_hours),
    )
    if user is None:
        request.session.clear()  # ended elsewhere or timed out: the cookie is worthless now
    return user


def sign_in(request: Request, user: User) -> None:
    # A new session key and CSRF token at sign-in, so ones planted before it are worthless.
    old = request.session.get("sid")
    if isinstance(old, str):
        request.app.state.store.end_session(old)
    request.session.clear()
    request.session["sid"] = request.app.state.store.start_session(user.username)
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    key = request.session.get("sid")
    if isinstance(key, str):
        request.app.state.store.end_session(key)
    request.session.clear()
    request.state.user = None


# Declared for the OpenAPI document (the Authorize button, generated clients); the checks
# themselves are below, so that a bad token gets our error shape.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: nervepath users token USERNAME --label …",
)
SESSION_COOKIE = APIKeyCookie(
    name="nervepath_session",
    auto_error=False,
    scheme_name="session",
    description="The cookie of a signed-in browser session (POST /login).",
)


def require_api_user(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    _session: Annotated[str | None, Depends(SESSION_COOKIE)] = None,
) -> User:
    """FastAPI dependency: a bearer token or a signed-in session, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        user = request.app.state.store.verify_token(token.strip())
        if user is not None:
            return user  # type: ignore[no-any-return]
        raise ApiError(
            401,
            "unauthorized",
            "the API token is not valid (unknown, revoked, or its user is deactivated)",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    user = current_user(request)
    if user is not None:
        return user
    raise ApiError(
        401,
        "unauthorized",
        "sign in, or send an API token as 'Authorization: Bearer …' "
        "(create one with: nervepath users token USERNAME)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_clinician(request: Request) -> User:
    """Dependency for clinician pages: a signed-in user, else a redirect to sign-in."""
    user = current_user(request)
    if user is None:
        raise ApiError(
            303,
            "sign_in",
            "sign in to see this page",
            headers={"Location": f"/login?next={_safe_next(request.url.path)}"},
        )
    return user


def _safe_next(path: str) -> str:
    """Only local paths: ``next`` must never send a signed-in user to another site."""
    return path if path.startswith("/") and not path.startswith("//") else "/clinic"


# ── CSRF ───────────────────────────────────────────────────────────────────────────────────
def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use) for a form's hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, form: Any) -> None:
    """Refuse a form whose token is missing or is not this session's."""
    sent = str(form.get("csrf_token", ""))
    expected = str(request.session.get("csrf", ""))
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(
            403,
            "csrf",
            "this form has expired or did not come from this site; reload the page and try again",
        )
