"""citizen_funds

Revision ID: part0006
Revises: part0005
Create Date: 2026-11-22 15:18:53.787814
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "part0006"
down_revision: str | None = "part0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizen_funds",
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("envelope_cents", sa.BigInteger(), nullable=False),
        sa.Column("committee_body_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_body_id"],
            ["participation.bodies.body_id"],
            name=op.f("fk_citizen_funds_committee_body_id_bodies"),
        ),
        sa.PrimaryKeyConstraint("fund_id", name=op.f("pk_citizen_funds")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_citizen_funds_contract_code"), "citizen_funds", ["contract_code"], unique=False, schema="participation"
    )
    op.create_table(
        "fund_applications",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("qpv_codes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("granted_cents", sa.BigInteger(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("votes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("paid_cents", sa.BigInteger(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("spent_cents", sa.BigInteger(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["participation.citizen_funds.fund_id"],
            name=op.f("fk_fund_applications_fund_id_citizen_funds"),
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_fund_applications")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_fund_applications_fund_id"), "fund_applications", ["fund_id"], unique=False, schema="participation"
    )
    op.create_table(
        "fund_conflicts",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["participation.fund_applications.application_id"],
            name=op.f("fk_fund_conflicts_application_id_fund_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["participation.people.person_id"], name=op.f("fk_fund_conflicts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("application_id", "person_id", name=op.f("pk_fund_conflicts")),
        schema="participation",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("fund_conflicts", schema="participation")
    op.drop_index(op.f("ix_fund_applications_fund_id"), table_name="fund_applications", schema="participation")
    op.drop_table("fund_applications", schema="participation")
    op.drop_index(op.f("ix_citizen_funds_contract_code"), table_name="citizen_funds", schema="participation")
    op.drop_table("citizen_funds", schema="participation")
    # ### end Alembic commands ###
