"""An institution's SIRET: the attribuant's identifier of the SCDL open data on subventions.

Revision ID: gran0012
Revises: gran0011
Create Date: 2026-11-22 19:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0012"
down_revision: str | None = "gran0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("institutions", sa.Column("siret", sa.Text(), nullable=True), schema="grants")


def downgrade() -> None:
    op.drop_column("institutions", "siret", schema="grants")
