"""Actions, applications, CERFA budget lines, financing lines, workflow events, private notes.

Revision ID: gran0003
Revises: gran0002
Create Date: 2026-11-22 12:55:59.004198
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "gran0003"
down_revision: str | None = "gran0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["grants.operators.operator_id"], name=op.f("fk_actions_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_actions")),
        schema="grants",
    )
    op.create_index(op.f("ix_actions_contract_code"), "actions", ["contract_code"], unique=False, schema="grants")
    op.create_index(op.f("ix_actions_operator_id"), "actions", ["operator_id"], unique=False, schema="grants")
    op.create_table(
        "applications",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("primary_objective_id", sa.Uuid(), nullable=True),
        sa.Column("other_objective_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("qpv_codes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("codes_communes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("hors_qpv", sa.Boolean(), nullable=False),
        sa.Column("beneficiaries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("previous_application_id", sa.Uuid(), nullable=True),
        sa.Column("multi_year", sa.Boolean(), nullable=False),
        sa.Column("dauphin_number", sa.Text(), nullable=True),
        sa.Column("dauphin_normalised", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["grants.actions.action_id"], name=op.f("fk_applications_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["grants.calls_for_projects.call_id"], name=op.f("fk_applications_call_id_calls_for_projects")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["grants.operators.operator_id"], name=op.f("fk_applications_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["previous_application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_applications_previous_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["primary_objective_id"],
            ["grants.objectives.objective_id"],
            name=op.f("fk_applications_primary_objective_id_objectives"),
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_applications")),
        sa.UniqueConstraint("action_id", "year", name=op.f("uq_applications_action_id_year")),
        schema="grants",
    )
    op.create_index(op.f("ix_applications_action_id"), "applications", ["action_id"], unique=False, schema="grants")
    op.create_index(op.f("ix_applications_call_id"), "applications", ["call_id"], unique=False, schema="grants")
    op.create_index(
        op.f("ix_applications_contract_code"), "applications", ["contract_code"], unique=False, schema="grants"
    )
    op.create_index(
        op.f("ix_applications_dauphin_normalised"),
        "applications",
        ["dauphin_normalised"],
        unique=False,
        schema="grants",
    )
    op.create_index(op.f("ix_applications_operator_id"), "applications", ["operator_id"], unique=False, schema="grants")
    op.create_index(op.f("ix_applications_state"), "applications", ["state"], unique=False, schema="grants")
    op.create_table(
        "annotations",
        sa.Column("annotation_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("institution_code", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_annotations_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("annotation_id", name=op.f("pk_annotations")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_annotations_application_id"), "annotations", ["application_id"], unique=False, schema="grants"
    )
    op.create_table(
        "application_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_institution", sa.Text(), nullable=True),
        sa.Column("transition", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_application_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_application_events")),
        schema="grants",
    )
    op.create_index(
        op.f("ix_application_events_application_id"),
        "application_events",
        ["application_id"],
        unique=False,
        schema="grants",
    )
    op.create_table(
        "budget_lines",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_budget_lines_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_budget_lines_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("application_id", "position", name=op.f("pk_budget_lines")),
        schema="grants",
    )
    op.create_table(
        "financing_lines",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=False),
        sa.Column("proposed_cents", sa.BigInteger(), nullable=True),
        sa.Column("decided_cents", sa.BigInteger(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("opinion_comment", sa.Text(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grants.applications.application_id"],
            name=op.f("fk_financing_lines_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["grants.institutions.institution_id"],
            name=op.f("fk_financing_lines_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("application_id", "institution_id", name=op.f("pk_financing_lines")),
        schema="grants",
    )


def downgrade() -> None:
    op.drop_table("financing_lines", schema="grants")
    op.drop_table("budget_lines", schema="grants")
    op.drop_index(op.f("ix_application_events_application_id"), table_name="application_events", schema="grants")
    op.drop_table("application_events", schema="grants")
    op.drop_index(op.f("ix_annotations_application_id"), table_name="annotations", schema="grants")
    op.drop_table("annotations", schema="grants")
    op.drop_index(op.f("ix_applications_state"), table_name="applications", schema="grants")
    op.drop_index(op.f("ix_applications_operator_id"), table_name="applications", schema="grants")
    op.drop_index(op.f("ix_applications_dauphin_normalised"), table_name="applications", schema="grants")
    op.drop_index(op.f("ix_applications_contract_code"), table_name="applications", schema="grants")
    op.drop_index(op.f("ix_applications_call_id"), table_name="applications", schema="grants")
    op.drop_index(op.f("ix_applications_action_id"), table_name="applications", schema="grants")
    op.drop_table("applications", schema="grants")
    op.drop_index(op.f("ix_actions_operator_id"), table_name="actions", schema="grants")
    op.drop_index(op.f("ix_actions_contract_code"), table_name="actions", schema="grants")
    op.drop_table("actions", schema="grants")
