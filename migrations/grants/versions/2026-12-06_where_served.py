"""Where an action serves (issue 18 point 3): the places it is held (`venues`) and the official vulnerability
zones it serves, beside the QPVs whose residents it serves (`qpv_codes`, unchanged); `hors_qpv` now means
"serves vulnerability zones and no QPV", the applications whose P147 credits count under the 2.5 % cap
(the contract, ../shared/seeds/002…txt, lines 190 and 847).

Existing rows: none names a zone (there were none to name), so an application that served no QPV becomes
"serving no QPV and no zone" and is no longer counted under the cap until its operator names a zone; an
application serving QPVs is unchanged. Re-runnable: `reclassify()` derives the flag from the columns.

Revision ID: gran0026
Revises: gran0025
Create Date: 2026-12-06 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "gran0026"
down_revision: str | None = "gran0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "grants"


def reclassify() -> None:
    """The cap's flag from what the row says: no QPV served, at least one zone served."""
    op.execute(
        "UPDATE grants.applications SET hors_qpv = (cardinality(qpv_codes) = 0"
        " AND cardinality(served_vulnerability_zones) > 0)"
        " WHERE hors_qpv IS DISTINCT FROM (cardinality(qpv_codes) = 0 AND cardinality(served_vulnerability_zones) > 0)"
    )


def upgrade() -> None:
    op.add_column(
        "applications",
        sa.Column("venues", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "applications",
        sa.Column(
            "served_vulnerability_zones",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    reclassify()


def downgrade() -> None:
    op.execute("UPDATE grants.applications SET hors_qpv = (cardinality(qpv_codes) = 0)")
    op.drop_column("applications", "served_vulnerability_zones", schema=SCHEMA)
    op.drop_column("applications", "venues", schema=SCHEMA)
