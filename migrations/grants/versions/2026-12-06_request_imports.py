"""Request imports: the lists of requests extracted from Dauphin (or a Démarches Simplifiées export)
imported into a call as draft applications, each batch with its lines as read and what became of them;
the new tables announce their changes like every other.

Revision ID: gran0024
Revises: gran0023
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0024"
down_revision: str | None = "gran0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_imports",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["grants.calls_for_projects.call_id"],
            name=op.f("fk_request_imports_call_id_calls_for_projects"),
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_request_imports")),
        sa.UniqueConstraint("call_id", "file_sha256", name=op.f("uq_request_imports_call_id_file_sha256")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_request_imports_contract_code"), "request_imports", ["contract_code"], unique=False, schema="grants"
    )
    op.create_table(
        "request_import_lines",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("operator_created", sa.Boolean(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_request_import_lines_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["grants.request_imports.batch_id"],
            name=op.f("fk_request_import_lines_batch_id_request_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_request_import_lines")),
        schema="grants",
    )
    for statement in announce_changes_sql("grants"):  # the new tables announce their changes like every other
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("request_import_lines", schema="grants")
    op.drop_index(op.f("ix_request_imports_contract_code"), table_name="request_imports", schema="grants")
    op.drop_table("request_imports", schema="grants")
