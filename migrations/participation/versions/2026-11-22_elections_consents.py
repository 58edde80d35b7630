"""elections_consents

Revision ID: part0008
Revises: part0007
Create Date: 2026-11-22 15:29:26.698149
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "part0008"
down_revision: str | None = "part0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("election_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("college", sa.Text(), nullable=True),
        sa.Column("proclaimed_on", sa.Date(), nullable=True),
        sa.Column("tie_break", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["participation.bodies.body_id"], name=op.f("fk_elections_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_elections")),
        schema="participation",
    )
    op.create_index(op.f("ix_elections_body_id"), "elections", ["body_id"], unique=False, schema="participation")
    op.create_table(
        "independence_declarations",
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("independent", sa.Boolean(), nullable=False),
        sa.Column("interests", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"], ["participation.bodies.body_id"], name=op.f("fk_independence_declarations_body_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["participation.people.person_id"],
            name=op.f("fk_independence_declarations_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_independence_declarations")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_independence_declarations_person_id"),
        "independence_declarations",
        ["person_id"],
        unique=False,
        schema="participation",
    )
    op.create_table(
        "person_consents",
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["participation.people.person_id"],
            name=op.f("fk_person_consents_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_person_consents")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_person_consents_person_id"), "person_consents", ["person_id"], unique=False, schema="participation"
    )
    op.create_table(
        "election_corrections",
        sa.Column("correction_id", sa.Uuid(), nullable=False),
        sa.Column("election_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("votes_before", sa.Integer(), nullable=False),
        sa.Column("votes_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by", sa.Text(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["participation.elections.election_id"],
            name=op.f("fk_election_corrections_election_id_elections"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["participation.people.person_id"], name=op.f("fk_election_corrections_person_id_people")
        ),
        sa.PrimaryKeyConstraint("correction_id", name=op.f("pk_election_corrections")),
        schema="participation",
    )
    op.create_index(
        op.f("ix_election_corrections_election_id"),
        "election_corrections",
        ["election_id"],
        unique=False,
        schema="participation",
    )
    op.create_table(
        "election_tallies",
        sa.Column("election_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("elected", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["participation.elections.election_id"],
            name=op.f("fk_election_tallies_election_id_elections"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["participation.people.person_id"], name=op.f("fk_election_tallies_person_id_people")
        ),
        sa.PrimaryKeyConstraint("election_id", "person_id", name=op.f("pk_election_tallies")),
        schema="participation",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("election_tallies", schema="participation")
    op.drop_index(
        op.f("ix_election_corrections_election_id"), table_name="election_corrections", schema="participation"
    )
    op.drop_table("election_corrections", schema="participation")
    op.drop_index(op.f("ix_person_consents_person_id"), table_name="person_consents", schema="participation")
    op.drop_table("person_consents", schema="participation")
    op.drop_index(
        op.f("ix_independence_declarations_person_id"), table_name="independence_declarations", schema="participation"
    )
    op.drop_table("independence_declarations", schema="participation")
    op.drop_index(op.f("ix_elections_body_id"), table_name="elections", schema="participation")
    op.drop_table("elections", schema="participation")
    # ### end Alembic commands ###
