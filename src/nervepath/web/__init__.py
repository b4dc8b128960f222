"""The web app and REST API (FastAPI): a thin door onto the same services as the CLI."""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    # Lazy, so that ``import nervepath.web`` stays cheap and FastAPI loads only when used.
    if name == "create_app":
        from nervepath.web.app import create_app

        return create_app
    raise AttributeError(name)
