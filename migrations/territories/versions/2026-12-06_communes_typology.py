"""The communes' typology as an EPCI's contract states it: the counts per type on the EPCI (the CU d'Arras:
1 centre, 7 periurban, 38 rural) and, on a commune, its type where the contract names it.

Revision ID: terr0012
Revises: terr0011
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "terr0012"
down_revision: str | None = "terr0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "territories"


def upgrade() -> None:
    op.add_column("epcis", sa.Column("typology", JSONB(), nullable=True), schema=SCHEMA)
    op.add_column("communes", sa.Column("typology", sa.Text(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("communes", "typology", schema=SCHEMA)
    op.drop_column("epcis", "typology", schema=SCHEMA)
