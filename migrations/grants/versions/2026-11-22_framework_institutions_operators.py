"""Strategic framework, institutions and operators.

Revision ID: gran0002
Revises: gran0001
Create Date: 2026-11-22 12:48:32.398419
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0002"
down_revision: str | None = "gran0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("cerfa_subline", sa.Text(), nullable=False),
        sa.Column("dauphin_funder_title", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("contract_code", "code", name=op.f("uq_institutions_contract_code_code")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_institutions_contract_code"), "institutions", ["contract_code"], unique=False, schema="grants"
    )
    op.create_table(
        "objectives",
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("p147_theme", sa.Text(), nullable=True),
        sa.Column("pillar", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["grants.objectives.objective_id"],
            name=op.f("fk_objectives_parent_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("objective_id", name=op.f("pk_objectives")),
        sa.UniqueConstraint(
            "contract_code",
            "parent_id",
            "position",
            name=op.f("uq_objectives_contract_code_parent_id_position"),
            postgresql_nulls_not_distinct=True,
        ),
        schema="grants",
    )
    op.create_index(op.f("ix_objectives_contract_code"), "objectives", ["contract_code"], unique=False, schema="grants")
    op.create_table(
        "operators",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=False),
        sa.Column("siren", sa.Text(), nullable=False),
        sa.Column("rna", sa.Text(), nullable=True),
        sa.Column("legal_form", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("code_commune", sa.Text(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("dauphin_tiers", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_operators")),
        sa.UniqueConstraint("contract_code", "siret", name=op.f("uq_operators_contract_code_siret")),
        schema="grants",
    )
    op.create_index(op.f("ix_operators_contract_code"), "operators", ["contract_code"], unique=False, schema="grants")
    op.create_index(op.f("ix_operators_siren"), "operators", ["siren"], unique=False, schema="grants")


def downgrade() -> None:
    op.drop_index(op.f("ix_operators_siren"), table_name="operators", schema="grants")
    op.drop_index(op.f("ix_operators_contract_code"), table_name="operators", schema="grants")
    op.drop_table("operators", schema="grants")
    op.drop_index(op.f("ix_objectives_contract_code"), table_name="objectives", schema="grants")
    op.drop_table("objectives", schema="grants")
    op.drop_index(op.f("ix_institutions_contract_code"), table_name="institutions", schema="grants")
    op.drop_table("institutions", schema="grants")
