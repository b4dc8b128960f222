"""Clinics, roles and the audit log.

Users belong to a clinic and have a role (admin or clinician); a clinician record belongs to
its author's clinic and is visible only there. The audit log is append-only: who read,
created, exported or deleted which record, and when; a deleted record leaves its entry behind.
Existing users and their records join the clinic "default".

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    clinics = op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
        sa.UniqueConstraint("name", name=op.f("uq_clinics_name")),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    # The first row of a fresh table: id 1 on every backend, the users' default below.
    op.bulk_insert(clinics, [{"name": "default", "created_at": now}])
    # Plain ADD COLUMN, never a batch copy: on SQLite, recreating ``users`` with foreign keys
    # on would run the ON DELETE SET NULL of every record's owner. A column with a REFERENCES
    # clause must then be nullable; the code always sets it, and existing users are set below.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "users",
        sa.Column("role", sa.String(length=16), nullable=False, server_default="clinician"),
    )
    _add_clinic_id("users", sqlite)
    op.execute("UPDATE users SET clinic_id = 1")
    op.create_index(op.f("ix_users_clinic_id"), "users", ["clinic_id"])
    _add_clinic_id("assessments", sqlite)
    op.create_index(op.f("ix_assessments_clinic_id"), "assessments", ["clinic_id"])
    if not sqlite:  # SQLite cannot add a constraint to a table; the code checks the role
        op.create_check_constraint(op.f("ck_users_role"), "users", "role IN ('admin', 'clinician')")
    # A record saved by a clinician belongs to their clinic; a self-check to no clinic.
    op.execute(
        "UPDATE assessments SET clinic_id = "
        "(SELECT users.clinic_id FROM users WHERE users.id = assessments.owner_id) "
        "WHERE owner_id IS NOT NULL"
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=True),
        sa.Column("clinic", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "action IN ('read', 'create', 'export', 'delete', 'list', 'audit')",
            name=op.f("ck_audit_log_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_assessment_id"), "audit_log", ["assessment_id"])
    # Append-only in the database itself, whatever code runs against it.
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def _add_clinic_id(table: str, sqlite: bool) -> None:
    name = f"fk_{table}_clinic_id_clinics"
    if sqlite:  # Alembic would add the constraint apart, which SQLite cannot do
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN clinic_id INTEGER "
            f"CONSTRAINT {name} REFERENCES clinics (id)"
        )
    else:
        op.add_column(table, sa.Column("clinic_id", sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, "clinics", ["clinic_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_index(op.f("ix_audit_log_assessment_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index(op.f("ix_assessments_clinic_id"))
        batch.drop_column("clinic_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_clinic_id"))
        batch.drop_column("clinic_id")
        batch.drop_column("role")
    op.drop_table("clinics")
