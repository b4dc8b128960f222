"""Self-checks that expire, and share codes that hand one to a clinic.

An anonymous self-check now lasts a set time (``NERVEPATH_SELF_CHECK_DAYS``, 30 days by
default) unless its person keeps it or shares it with a clinic by a share code. Existing
self-checks get an expiry 30 days after they were made (the default: a migration cannot know
a server's settings), so the next purge removes those already older than that; clinician
records are untouched and never expire.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

EXISTING_SELF_CHECK_DAYS = 30


def upgrade() -> None:
    # Plain nullable ADD COLUMNs and separate indexes: SQLite can add neither a UNIQUE column
    # nor a constraint, and a batch copy of ``assessments`` is what migration 0003 avoids.
    op.add_column("assessments", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.add_column("assessments", sa.Column("share_code_hash", sa.String(length=64)))
    op.add_column("assessments", sa.Column("share_code_expires_at", sa.DateTime(timezone=True)))
    op.create_index(op.f("ix_assessments_expires_at"), "assessments", ["expires_at"])
    op.create_index(
        op.f("ix_assessments_share_code_hash"), "assessments", ["share_code_hash"], unique=True
    )
    days = EXISTING_SELF_CHECK_DAYS
    if op.get_bind().dialect.name == "sqlite":
        # The format SQLAlchemy writes (UTC wall time), milliseconds kept.
        later = f"strftime('%Y-%m-%d %H:%M:%f', created_at, '+{days} days')"
    else:
        later = f"created_at + INTERVAL '{days} days'"
    op.execute(
        f"UPDATE assessments SET expires_at = {later} WHERE owner_id IS NULL AND clinic_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index(op.f("ix_assessments_share_code_hash"))
        batch.drop_index(op.f("ix_assessments_expires_at"))
        batch.drop_column("share_code_expires_at")
        batch.drop_column("share_code_hash")
        batch.drop_column("expires_at")
