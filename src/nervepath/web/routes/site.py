"""The site's own pages: the API documentation (Swagger UI) and the favicon's old address."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

__all__ = ["SWAGGER_UI", "router"]

# Swagger UI 5 (reads OpenAPI 3.1) as installed with fastapi-offline: nothing comes from a
# CDN, so /docs works on a clinic network without internet.
SWAGGER_UI = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    # Started by /static/api-docs.js rather than an inline script: the page keeps the CSP
    # every other page has.
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "api_docs.html")  # type: ignore[no-any-return]


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    # Browsers ask here for pages that name no icon (the JSON documents, a PDF).
    return RedirectResponse("/static/favicon.svg", status_code=308)
