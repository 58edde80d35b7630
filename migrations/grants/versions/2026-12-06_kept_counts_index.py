"""The `counts` sums of the programmation indexed on their own: the total of a programmation list of a
contract or a year is read from them (services/grants/programmation/repository/kept_sums.py `kept_count`)
at each page that does not tell it, instead of counting the year's live applications again after each
write (7-14 ms each at a call's deadline); among a year's thousands of kept sums, a partial index reaches its
few `counts` rows at once.

Revision ID: gran0030
Revises: gran0029
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gran0030"
down_revision: str | None = "gran0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_programmation_sums_counts",
        "programmation_sums",
        ["contract_code", "year"],
        schema="grants",
        postgresql_where=sa.text("dimension = 'counts'"),
    )


def downgrade() -> None:
    op.drop_index("ix_programmation_sums_counts", table_name="programmation_sums", schema="grants")
