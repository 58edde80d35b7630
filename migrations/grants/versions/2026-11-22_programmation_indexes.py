"""Indexes for the programmation pages (a contract's year, a call, in title order).

Revision ID: gran0005
Revises: gran0004
Create Date: 2026-11-22 13:22:35.872784
"""

from collections.abc import Sequence

from alembic import op

revision: str = "gran0005"
down_revision: str | None = "gran0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_applications_call_title",
        "applications",
        ["call_id", "title", "application_id"],
        unique=False,
        postgresql_include=["state", "contract_code"],
        schema="grants",
    )
    op.create_index(
        "ix_applications_contract_year_title",
        "applications",
        ["contract_code", "year", "title", "application_id"],
        unique=False,
        postgresql_include=["state"],
        schema="grants",
    )


def downgrade() -> None:
    op.drop_index("ix_applications_contract_year_title", table_name="applications", schema="grants")
    op.drop_index("ix_applications_call_title", table_name="applications", schema="grants")
