"""Envelopes, portfolio rules, scenarios and their amounts, comités des financeurs.

Revision ID: gran0004
Revises: gran0003
Create Date: 2026-11-22 13:04:12.378878
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0004"
down_revision: str | None = "gran0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "envelopes",
        sa.Column("envelope_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("departmental_cents", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["grants.calls_for_projects.call_id"], name=op.f("fk_envelopes_call_id_calls_for_projects")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_envelopes_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("envelope_id", name=op.f("pk_envelopes")),
        sa.UniqueConstraint("call_id", "institution_id", name=op.f("uq_envelopes_call_id_institution_id")),
        schema="grants",
    )
    op.create_index(op.f("ix_envelopes_call_id"), "envelopes", ["call_id"], unique=False, schema="grants")
    op.create_table(
        "portfolio_rules",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("hors_qpv_cap", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("degressivity_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("new_actions_target", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("cohesion_target", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["grants.calls_for_projects.call_id"],
            name=op.f("fk_portfolio_rules_call_id_calls_for_projects"),
        ),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_portfolio_rules")),
        schema="grants",
    )
    op.create_table(
        "scenarios",
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["grants.calls_for_projects.call_id"], name=op.f("fk_scenarios_call_id_calls_for_projects")
        ),
        sa.PrimaryKeyConstraint("scenario_id", name=op.f("pk_scenarios")),
        schema="grants",
    )
    op.create_index(op.f("ix_scenarios_call_id"), "scenarios", ["call_id"], unique=False, schema="grants")
    op.create_index(op.f("ix_scenarios_contract_code"), "scenarios", ["contract_code"], unique=False, schema="grants")
    op.create_table(
        "committees",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("co_chairs", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("attendees", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["grants.calls_for_projects.call_id"], name=op.f("fk_committees_call_id_calls_for_projects")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["grants.scenarios.scenario_id"], name=op.f("fk_committees_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("committee_id", name=op.f("pk_committees")),
        sa.UniqueConstraint("scenario_id", name=op.f("uq_committees_scenario_id")),
        schema="grants",
    )
    op.create_index(op.f("ix_committees_call_id"), "committees", ["call_id"], unique=False, schema="grants")
    op.create_table(
        "scenario_amounts",
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_scenario_amounts_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_scenario_amounts_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["grants.scenarios.scenario_id"],
            name=op.f("fk_scenario_amounts_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scenario_id", "application_id", "institution_id", name=op.f("pk_scenario_amounts")),
        schema="grants",
    )


def downgrade() -> None:
    op.drop_table("scenario_amounts", schema="grants")
    op.drop_index(op.f("ix_committees_call_id"), table_name="committees", schema="grants")
    op.drop_table("committees", schema="grants")
    op.drop_index(op.f("ix_scenarios_contract_code"), table_name="scenarios", schema="grants")
    op.drop_index(op.f("ix_scenarios_call_id"), table_name="scenarios", schema="grants")
    op.drop_table("scenarios", schema="grants")
    op.drop_table("portfolio_rules", schema="grants")
    op.drop_index(op.f("ix_envelopes_call_id"), table_name="envelopes", schema="grants")
    op.drop_table("envelopes", schema="grants")
