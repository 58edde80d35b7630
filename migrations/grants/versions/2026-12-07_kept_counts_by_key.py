"""The programmation's kept sums indexed by dimension and key: the total of a programmation list of a
QPV or of an operator (of a contract, or of one of its years) is read from that key's sums
(services/grants/programmation/repository/kept_sums.py `kept_count`) instead of counting the year's live
applications again after each write: a list filtered by QPV counted them in 12 ms at a call's deadline
(`bench.call_deadline --statements`: 428 counts a minute, a sixth of PostgreSQL's time).

Revision ID: gran0033
Revises: gran0032
Create Date: 2026-12-07 17:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "gran0033"
down_revision: str | None = "gran0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_programmation_sums_keys",
        "programmation_sums",
        ["contract_code", "dimension", "key", "year"],
        schema="grants",
    )


def downgrade() -> None:
    op.drop_index("ix_programmation_sums_keys", table_name="programmation_sums", schema="grants")
