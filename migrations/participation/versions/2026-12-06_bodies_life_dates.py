"""A body's life: the day it was established and the day it was dissolved, so that the evaluation counts
each year the bodies that lived in it (and a dissolved body gives no mandate after its dissolution).

Revision ID: part0013
Revises: part0012
Create Date: 2026-12-06 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "part0013"
down_revision: str | None = "part0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "participation"


def upgrade() -> None:
    op.add_column("bodies", sa.Column("established_on", sa.Date(), nullable=True), schema=SCHEMA)
    op.add_column("bodies", sa.Column("dissolved_on", sa.Date(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("bodies", "dissolved_on", schema=SCHEMA)
    op.drop_column("bodies", "established_on", schema=SCHEMA)
