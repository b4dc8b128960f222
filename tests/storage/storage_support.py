"""What the storage tests share: an old database made by running the migrations part way."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from nervepath.storage.database import MIGRATIONS


def upgrade_to(connection: Connection, revision: str) -> None:
    """Run the migrations on ``connection`` up to ``revision`` ("0003"), as an older release."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
