"""Connected programmes of a contract (TFPB abatement plans, Cités éducatives and de l'emploi, PRE,
adultes-relais, Quartiers d'été) and the figures each declares per year; the new tables announce their
changes like every other.

Revision ID: gran0020
Revises: gran0019
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.change_feed import announce_changes_sql

revision: str = "gran0020"
down_revision: str | None = "gran0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.create_table(
        "connected_programmes",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("qpv_codes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("landlord", sa.Text(), nullable=True),
        sa.Column("carrier", sa.Text(), nullable=True),
        sa.Column("scheme", sa.Text(), nullable=True),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=False),
        sa.Column("is_fictitious", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_connected_programmes")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_connected_programmes_contract_code"),
        "connected_programmes",
        ["contract_code"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "connected_programme_years",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("realised_cents", sa.BigInteger(), nullable=True),
        sa.Column("measures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("axes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=False),
        sa.Column("is_fictitious", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            [f"{SCHEMA}.connected_programmes.programme_id"],
            name=op.f("fk_connected_programme_years_programme_id_connected_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "year", name=op.f("pk_connected_programme_years")),
        schema=SCHEMA,
    )
    for statement in announce_changes_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("connected_programme_years", schema=SCHEMA)
    op.drop_index(op.f("ix_connected_programmes_contract_code"), table_name="connected_programmes", schema=SCHEMA)
    op.drop_table("connected_programmes", schema=SCHEMA)
