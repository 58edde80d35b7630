"""Regions, departments and urban renewal projects.

Revision ID: terr0005
Revises: terr0004
Create Date: 2026-11-22 12:29:52.523444
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "terr0005"
down_revision: str | None = "terr0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "departements",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("code_region", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departements")),
        schema="territories",
    )
    op.create_index(
        op.f("ix_departements_code_region"), "departements", ["code_region"], unique=False, schema="territories"
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
        schema="territories",
    )
    op.create_table(
        "renewal_projects",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("programme", sa.Text(), nullable=False),
        sa.Column("interest", sa.Text(), nullable=True),
        sa.Column("qpv_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("generation", sa.Text(), nullable=False),
        sa.Column("code_epci", sa.Text(), nullable=True),
        sa.Column("starts_year", sa.Integer(), nullable=True),
        sa.Column("ends_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_renewal_projects")),
        schema="territories",
    )
    op.create_index(
        op.f("ix_renewal_projects_code_epci"), "renewal_projects", ["code_epci"], unique=False, schema="territories"
    )
    op.create_index(
        "ix_renewal_projects_qpvs",
        "renewal_projects",
        ["qpv_codes"],
        unique=False,
        schema="territories",
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_renewal_projects_qpvs", table_name="renewal_projects", schema="territories", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_renewal_projects_code_epci"), table_name="renewal_projects", schema="territories")
    op.drop_table("renewal_projects", schema="territories")
    op.drop_table("regions", schema="territories")
    op.drop_index(op.f("ix_departements_code_region"), table_name="departements", schema="territories")
    op.drop_table("departements", schema="territories")
