"""consultations

Revision ID: part0005
Revises: part0004
Create Date: 2026-11-22 15:14:42.370953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "part0005"
down_revision: str | None = "part0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("territory_questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("target_interviews", sa.Integer(), nullable=True),
        sa.Column("target_events", sa.Integer(), nullable=True),
        sa.Column("target_neighbourhoods", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_consultations")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_consultations_contract_code"), "consultations", ["contract_code"], unique=False, schema="participation"
    )
    op.create_table(
        "consultation_answers",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("captured_on", sa.Date(), nullable=False),
        sa.Column("qpv_code", sa.Text(), nullable=True),
        sa.Column("neighbourhood", sa.Text(), nullable=True),
        sa.Column("event", sa.Text(), nullable=True),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["participation.consultations.consultation_id"],
            name=op.f("fk_consultation_answers_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("consultation_id", "client_id", name=op.f("pk_consultation_answers")),
        schema="participation",
    )
    op.create_table(
        "consultation_contacts",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("contact_client_id", sa.Uuid(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["participation.consultations.consultation_id"],
            name=op.f("fk_consultation_contacts_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("consultation_id", "contact_client_id", name=op.f("pk_consultation_contacts")),
        schema="participation",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("consultation_contacts", schema="participation")
    op.drop_table("consultation_answers", schema="participation")
    op.drop_index(op.f("ix_consultations_contract_code"), table_name="consultations", schema="participation")
    op.drop_table("consultations", schema="participation")
    # ### end Alembic commands ###
