"""Every setting of the server and the stores, typed, with its default; each is overridable by a
``NERVEPATH_``-prefixed environment variable (``NERVEPATH_DATABASE_URL``…).

Built once at the edge (the CLI or the web app factory) and passed down; nothing below reads
the environment itself.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_data_dir"]


def default_data_dir() -> Path:
    """The user's data directory for nervepath (``~/.local/share/nervepath`` on Linux)."""
    return user_data_path("nervepath", appauthor=False)


class Settings(BaseSettings):
    """The settings of ``nervepath serve`` and of the commands that touch the database."""

    model_config = SettingsConfigDict(env_prefix="NERVEPATH_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite database and the generated secret key live.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database; unset means a SQLite file in data_dir. "
            "PostgreSQL: postgresql+psycopg://user:password@host/dbname."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Server processes (Uvicorn workers); more answer more requests at once.",
    )
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        description=(
            "Key that signs session cookies and CSRF tokens; unset means a random key kept in "
            "data_dir/secret_key (created on first start, readable by the owner only)."
        ),
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark cookies Secure (set this when the server is behind HTTPS).",
    )
    session_idle_minutes: int = Field(
        default=60,
        ge=1,
        le=24 * 60,
        description="A signed-in session ends after this many minutes without a request.",
    )
    session_lifetime_hours: int = Field(
        default=8,
        ge=1,
        le=7 * 24,
        description="A signed-in session ends this many hours after sign-in, used or not.",
    )
    self_check_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description=(
            "An anonymous self-check is deleted this many days after it was made, unless its "
            "person keeps it or shares it with a clinic."
        ),
    )
    share_code_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="A share code that hands a self-check to a clinic works this many days.",
    )
    emergency_number: str = Field(
        default="999",
        pattern=r"^\+?[0-9]{2,15}$",
        description=(
            "The emergency telephone number the emergency screen and every result offer to "
            "call (a tel: link); 999 in the UK, 112 in the EU, 911 in North America."
        ),
    )
    public_url: str | None = Field(
        default=None,
        description="The address people reach the server at, for links in reports and cards.",
    )

    def resolved_database_url(self) -> str:
        """``database_url``, or the SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'nervepath.db'}"
