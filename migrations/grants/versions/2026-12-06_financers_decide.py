"""Each financer decides its own line by its own act: the comité des financeurs that proposed the line's
amount (its frozen scenario) is kept on the line, beside the act that decided it (its kind, number and
date: `decided_on`); an application keeps the date of its notification letter.

Revision ID: gran0022
Revises: gran0021
Create Date: 2026-12-06 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0022"
down_revision: str | None = "gran0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.add_column("financing_lines", sa.Column("committee_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.create_foreign_key(
        op.f("fk_financing_lines_committee_id_committees"),
        "financing_lines",
        "committees",
        ["committee_id"],
        ["committee_id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.add_column("financing_lines", sa.Column("decision_act_kind", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("financing_lines", sa.Column("decision_act_number", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("applications", sa.Column("notified_on", sa.Date(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("applications", "notified_on", schema=SCHEMA)
    op.drop_column("financing_lines", "decision_act_number", schema=SCHEMA)
    op.drop_column("financing_lines", "decision_act_kind", schema=SCHEMA)
    op.drop_constraint(
        op.f("fk_financing_lines_committee_id_committees"), "financing_lines", schema=SCHEMA, type_="foreignkey"
    )
    op.drop_column("financing_lines", "committee_id", schema=SCHEMA)
