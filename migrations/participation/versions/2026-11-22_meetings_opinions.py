"""meetings_opinions

Revision ID: part0004
Revises: part0003
Create Date: 2026-11-22 14:50:46.753658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "part0004"
down_revision: str | None = "part0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("meeting_day", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("convened_on", sa.Date(), nullable=False),
        sa.Column("agenda", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["participation.bodies.body_id"], name=op.f("fk_meetings_body_id_bodies")),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meetings")),
        schema="participation",
    )
    op.create_index(
        "ix_meetings_body_day", "meetings", ["body_id", "meeting_day"], unique=False, schema="participation"
    )
    op.create_index(
        op.f("ix_meetings_contract_code"), "meetings", ["contract_code"], unique=False, schema="participation"
    )
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("from_body_id", sa.Uuid(), nullable=False),
        sa.Column("to_body_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_body_id"], ["participation.bodies.body_id"], name=op.f("fk_referrals_from_body_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["to_body_id"], ["participation.bodies.body_id"], name=op.f("fk_referrals_to_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referrals")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_referrals_contract_code"), "referrals", ["contract_code"], unique=False, schema="participation"
    )
    op.create_index(op.f("ix_referrals_to_body_id"), "referrals", ["to_body_id"], unique=False, schema="participation")
    op.create_table(
        "attendances",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("capacity", sa.Text(), nullable=False),
        sa.Column("presence", sa.Text(), nullable=False),
        sa.Column("institution", sa.Text(), nullable=True),
        sa.Column("proxy_to", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["participation.meetings.meeting_id"],
            name=op.f("fk_attendances_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["participation.people.person_id"], name=op.f("fk_attendances_person_id_people")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_attendances")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_attendances_person_id"), "attendances", ["person_id"], unique=False, schema="participation"
    )
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("abstentions", sa.Integer(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["participation.meetings.meeting_id"], name=op.f("fk_decisions_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_decisions")),
        schema="participation",
    )
    op.create_index(op.f("ix_decisions_meeting_id"), "decisions", ["meeting_id"], unique=False, schema="participation")
    op.create_table(
        "minutes",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by", sa.Text(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["participation.meetings.meeting_id"], name=op.f("fk_minutes_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "version", name=op.f("pk_minutes")),
        schema="participation",
    )
    op.create_table(
        "opinions",
        sa.Column("opinion_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("addressed_to_body_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("redirected_to", sa.Text(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("responded_by", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressed_to_body_id"],
            ["participation.bodies.body_id"],
            name=op.f("fk_opinions_addressed_to_body_id_bodies"),
        ),
        sa.ForeignKeyConstraint(["body_id"], ["participation.bodies.body_id"], name=op.f("fk_opinions_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["participation.meetings.meeting_id"], name=op.f("fk_opinions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["participation.referrals.referral_id"], name=op.f("fk_opinions_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("opinion_id", name=op.f("pk_opinions")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_opinions_addressed_to_body_id"),
        "opinions",
        ["addressed_to_body_id"],
        unique=False,
        schema="participation",
    )
    op.create_index(op.f("ix_opinions_body_id"), "opinions", ["body_id"], unique=False, schema="participation")
    op.create_index(
        "ix_opinions_contract_adopted",
        "opinions",
        ["contract_code", "adopted_on"],
        unique=False,
        schema="participation",
    )
    op.create_index(op.f("ix_opinions_referral_id"), "opinions", ["referral_id"], unique=False, schema="participation")
    op.create_table(
        "commitments",
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("opinion_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["opinion_id"], ["participation.opinions.opinion_id"], name=op.f("fk_commitments_opinion_id_opinions")
        ),
        sa.PrimaryKeyConstraint("commitment_id", name=op.f("pk_commitments")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_commitments_opinion_id"), "commitments", ["opinion_id"], unique=False, schema="participation"
    )
    op.add_column(
        "bodies", sa.Column("status", sa.Text(), server_default="active", nullable=False), schema="participation"
    )
    op.add_column("bodies", sa.Column("recognition_act", sa.Text(), nullable=True), schema="participation")
    op.add_column(
        "body_rules", sa.Column("quorum_share", sa.Numeric(precision=5, scale=4), nullable=True), schema="participation"
    )
    op.add_column("body_rules", sa.Column("notice_days", sa.Integer(), nullable=True), schema="participation")
    op.add_column("draws", sa.Column("appointed_on", sa.Date(), nullable=True), schema="participation")
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_column("draws", "appointed_on", schema="participation")
    op.drop_column("body_rules", "notice_days", schema="participation")
    op.drop_column("body_rules", "quorum_share", schema="participation")
    op.drop_column("bodies", "recognition_act", schema="participation")
    op.drop_column("bodies", "status", schema="participation")
    op.drop_index(op.f("ix_commitments_opinion_id"), table_name="commitments", schema="participation")
    op.drop_table("commitments", schema="participation")
    op.drop_index(op.f("ix_opinions_referral_id"), table_name="opinions", schema="participation")
    op.drop_index("ix_opinions_contract_adopted", table_name="opinions", schema="participation")
    op.drop_index(op.f("ix_opinions_body_id"), table_name="opinions", schema="participation")
    op.drop_index(op.f("ix_opinions_addressed_to_body_id"), table_name="opinions", schema="participation")
    op.drop_table("opinions", schema="participation")
    op.drop_table("minutes", schema="participation")
    op.drop_index(op.f("ix_decisions_meeting_id"), table_name="decisions", schema="participation")
    op.drop_table("decisions", schema="participation")
    op.drop_index(op.f("ix_attendances_person_id"), table_name="attendances", schema="participation")
    op.drop_table("attendances", schema="participation")
    op.drop_index(op.f("ix_referrals_to_body_id"), table_name="referrals", schema="participation")
    op.drop_index(op.f("ix_referrals_contract_code"), table_name="referrals", schema="participation")
    op.drop_table("referrals", schema="participation")
    op.drop_index(op.f("ix_meetings_contract_code"), table_name="meetings", schema="participation")
    op.drop_index("ix_meetings_body_day", table_name="meetings", schema="participation")
    op.drop_table("meetings", schema="participation")
    # ### end Alembic commands ###
