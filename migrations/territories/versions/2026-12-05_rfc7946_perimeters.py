"""Perimeters as RFC 7946 writes them: the perimeters stored before the import normalised them (clockwise
outer rings, counter-clockwise holes, vertices repeated in a row, float noise such as 5.336160000000001)
are written again once, by the rule the import now applies (services/territories/qpvs/domain.py,
`check_perimeter`); the generations whose perimeters changed get a new revision, so that every process
rebuilds its index. A perimeter already normalised is left as it is: running it again changes nothing.
Vulnerability zones are not stored (their outlines are drawn from the kept squares at each request).

Revision ID: terr0009
Revises: terr0008
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from services.territories.qpvs.domain import check_perimeter

revision: str = "terr0009"
down_revision: str | None = "terr0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "territories"

qpvs = sa.table(
    "qpvs",
    sa.column("qpv_id", sa.Uuid()),
    sa.column("generation", sa.Text()),
    sa.column("perimeter", JSONB()),
    schema=SCHEMA,
)
generations = sa.table("qpv_generations", sa.column("generation", sa.Text()), sa.column("revision"), schema=SCHEMA)


def upgrade() -> None:
    connection = op.get_bind()
    stored = connection.execute(
        sa.select(qpvs.c.qpv_id, qpvs.c.generation, qpvs.c.perimeter).where(qpvs.c.perimeter.is_not(None))
    )
    changed: set[str] = set()
    for qpv_id, generation, perimeter in stored.all():
        normalised = check_perimeter(perimeter).geometry
        if normalised != perimeter:
            connection.execute(sa.update(qpvs).where(qpvs.c.qpv_id == qpv_id).values(perimeter=normalised))
            changed.add(generation)
    if changed:
        connection.execute(
            sa.update(generations)
            .where(generations.c.generation.in_(sorted(changed)))
            .values(revision=generations.c.revision + 1)
        )


def downgrade() -> None:
    """Nothing to undo: the same perimeters, written the way RFC 7946 asks; the former ring orientation,
    repeated vertices and float noise carried no information."""
