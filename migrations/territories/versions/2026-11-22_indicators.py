"""Indicators: the catalogue and values with provenance.

Revision ID: terr0003
Revises: terr0002
Create Date: 2026-11-22 12:12:15.848711
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "terr0003"
down_revision: str | None = "terr0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicators")),
        schema="territories",
    )
    op.create_table(
        "indicator_values",
        sa.Column("value_id", sa.Uuid(), nullable=False),
        sa.Column("indicator_code", sa.Text(), nullable=False),
        sa.Column("territory_kind", sa.Text(), nullable=False),
        sa.Column("territory_code", sa.Text(), nullable=True),
        sa.Column("qpv_id", sa.Uuid(), nullable=True),
        sa.Column("territory_label", sa.Text(), nullable=False),
        sa.Column("perimeter", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("value", sa.Numeric(precision=21, scale=6), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_reference", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["territories.indicators.code"],
            name=op.f("fk_indicator_values_indicator_code_indicators"),
        ),
        sa.ForeignKeyConstraint(["qpv_id"], ["territories.qpvs.qpv_id"], name=op.f("fk_indicator_values_qpv_id_qpvs")),
        sa.PrimaryKeyConstraint("value_id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint(
            "indicator_code",
            "territory_kind",
            "territory_code",
            "qpv_id",
            "perimeter",
            "year",
            "value",
            "secret",
            "source",
            name="indicator_values_natural_key",
            postgresql_nulls_not_distinct=True,
        ),
        schema="territories",
    )
    op.create_index(
        op.f("ix_indicator_values_qpv_id"), "indicator_values", ["qpv_id"], unique=False, schema="territories"
    )
    op.create_index(
        "ix_indicator_values_territory",
        "indicator_values",
        ["territory_kind", "territory_code", "indicator_code"],
        unique=False,
        schema="territories",
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_values_territory", table_name="indicator_values", schema="territories")
    op.drop_index(op.f("ix_indicator_values_qpv_id"), table_name="indicator_values", schema="territories")
    op.drop_table("indicator_values", schema="territories")
    op.drop_table("indicators", schema="territories")
