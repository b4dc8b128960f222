"""The ``nervepath`` command line (``nervepath.cli:main``), one module per command group."""

from nervepath.cli.app import app, main

__all__ = ["app", "main"]
