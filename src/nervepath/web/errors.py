"""Every error the web app returns, in one JSON shape (API) or one page (HTML).

    {"error": {"status": 422, "code": "invalid_case",
               "message": "answers › numbness_heel_lft: no finding has this id; …",
               "fields": [{"field": "answers.numbness_heel_lft", "message": "…"}]}}

Bad input is always a 4xx; a 500 says nothing about the request (no health data leaks).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from nervepath.errors import AssessmentNotFound, CaseError, NervepathError, ShareCodeRefused

__all__ = [
    "ERROR_SCHEMA",
    "ApiError",
    "error_responses",
    "install_error_handlers",
    "leaf_routes",
    "wants_json",
]

log = logging.getLogger("nervepath.web")

_FIELD = re.compile(r"^(?P<field>[\w.\- ›]+?): (?P<message>.+)$", re.DOTALL)


_STRING = {"type": "string"}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": _STRING,
                "message": _STRING,
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": _STRING, "message": _STRING},
                    },
                },
            },
        }
    },
}
"""Every error the API returns, whatever its status and whatever the route's own media type."""

_MEANINGS = {
    400: "The request cannot be carried out (the message says why).",
    401: "No valid API token or signed-in session.",
    404: "No such record, or not one of your clinic's.",
    422: "A field is missing or invalid; ``fields`` names each one.",
    429: "Too many wrong share codes lately; ``Retry-After`` says when to try again.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of these error statuses, in the one shape they all share."""
    return {
        s: {
            "description": _MEANINGS[s],
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        for s in statuses
    }


class ApiError(Exception):
    """An error with its HTTP status and a stable machine-readable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers


def wants_json(request: Request) -> bool:
    """API and CDS Hooks clients get JSON; people get a page."""
    path = request.url.path
    return path.startswith(("/api", "/cds-services")) or "application/json" in request.headers.get(
        "accept", ""
    )


def _case_fields(message: str) -> list[dict[str, str]]:
    """``answers › x: why`` → ``[{"field": "answers.x", "message": "why"}]``."""
    match = _FIELD.match(message)
    if not match:
        return []
    field = ".".join(p.strip() for p in match["field"].split("›"))
    return [{"field": field, "message": match["message"]}]


def _render(request: Request, error: ApiError) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {
            "error": {
                "status": error.status,
                "code": error.code,
                "message": error.message,
                "fields": error.fields,
            }
        }
        return JSONResponse(body, status_code=error.status, headers=error.headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "error.html",
        {"error": error},
        status_code=error.status,
        headers=error.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the shape above; register on the app once."""

    async def api_error(request: Request, exc: Exception) -> Response:
        return _render(request, exc)  # type: ignore[arg-type]

    async def case_error(request: Request, exc: Exception) -> Response:
        return _render(
            request, ApiError(422, "invalid_case", str(exc), fields=_case_fields(str(exc)))
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return _render(request, ApiError(404, "not_found", "no assessment has this id"))

    async def share_code_refused(request: Request, exc: Exception) -> Response:
        if getattr(exc, "too_many", False):
            error = ApiError(429, "too_many_share_codes", str(exc), headers={"Retry-After": "3600"})
        else:
            error = ApiError(404, "share_code_not_found", str(exc))
        return _render(request, error)

    async def nervepath_error(request: Request, exc: Exception) -> Response:
        return _render(request, ApiError(400, "bad_request", str(exc)))

    async def validation(request: Request, exc: Exception) -> Response:
        errors = exc.errors()  # type: ignore[attr-defined]
        fields = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                "message": e["msg"],
            }
            for e in errors
        ]
        first = fields[0] if fields else {"field": "body", "message": "invalid"}
        return _render(
            request,
            ApiError(
                422,
                "invalid_request",
                f"{first['field']}: {first['message']}",
                fields=fields,
            ),
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code  # type: ignore[attr-defined]
        detail = exc.detail  # type: ignore[attr-defined]
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            status, "http_error"
        )
        headers = getattr(exc, "headers", None)
        if status == 405:
            # Starlette names only the first route of the path; list every method it has.
            headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
        return _render(request, ApiError(status, code, str(detail), headers=headers))

    async def unexpected(request: Request, exc: Exception) -> Response:
        # The type only: the message could quote the request, and requests carry health data.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, _route(request))
        return _render(
            request, ApiError(500, "internal_error", "something went wrong on the server")
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(AssessmentNotFound, not_found)
    app.add_exception_handler(CaseError, case_error)
    app.add_exception_handler(ShareCodeRefused, share_code_refused)
    app.add_exception_handler(NervepathError, nervepath_error)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _allowed(request: Request) -> list[str]:
    scope = {**request.scope, "method": "GET"}
    methods = {
        method
        for route in leaf_routes(request.app.router.routes)
        if route.matches(scope)[0] != Match.NONE
        for method in getattr(route, "methods", None) or ()
    }
    return sorted(methods)


def leaf_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, included routers opened up (FastAPI wraps an included router in one)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from leaf_routes(inner.routes)
        else:
            yield route


def _route(request: Request) -> str:
    """The route's template (``/r/{assessment_id}``), never the concrete path with its id."""
    route = request.scope.get("route")
    return getattr(route, "path", "?")
