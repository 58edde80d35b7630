"""The envelopes a contract's text gives to a scheme of its calls (the CU d'Arras' 100 000 euros for its
communes, « solidarité communautaire »), reference data beside the calls.

Revision ID: gran0021
Revises: gran0020
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.change_feed import announce_changes_sql

revision: str = "gran0021"
down_revision: str | None = "gran0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def upgrade() -> None:
    op.create_table(
        "scheme_envelopes",
        sa.Column("contract_code", sa.Text(), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("financer_code", sa.Text(), nullable=False),
        sa.Column("beneficiaries", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("contract_code", "scheme", name=op.f("pk_scheme_envelopes")),
        schema=SCHEMA,
    )
    for statement in announce_changes_sql(SCHEMA):  # the new table announces its changes, as every table does
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("scheme_envelopes", schema=SCHEMA)
