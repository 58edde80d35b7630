"""A QPV lineage link says which text states it (`source`: the contract's lines) and keeps another source's
contrary statement beside it (`contrary_note`), never silently choosing one.

Revision ID: terr0011
Revises: terr0010
Create Date: 2026-12-06 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "terr0011"
down_revision: str | None = "terr0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "territories"


def upgrade() -> None:
    op.add_column("qpv_lineage", sa.Column("source", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("qpv_lineage", sa.Column("contrary_note", sa.Text(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("qpv_lineage", "contrary_note", schema=SCHEMA)
    op.drop_column("qpv_lineage", "source", schema=SCHEMA)
