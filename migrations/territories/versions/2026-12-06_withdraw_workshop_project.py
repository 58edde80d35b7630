"""The « Projet de renouvellement urbain de la tour Cézanne » was loaded as one of the contract's renewal
projects; the contract lists it among a writing seminar's proposals (002_…txt l. 1651), not as a project.
Removed where it was loaded and never edited since (version 1); a project a pilot has edited is theirs.

Revision ID: terr0013
Revises: terr0012
Create Date: 2026-12-06 00:40:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "terr0013"
down_revision: str | None = "terr0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "territories"
# services/territories/renewal_projects/domain.py, seeded_project_id(), as it named the project when loaded.
WITHDRAWN = uuid.uuid5(
    uuid.UUID("6f1b2d0e-57a4-4c54-9a3e-2f43a3c0b1d7"), "Projet de renouvellement urbain de la tour Cézanne"
)
projects = sa.table(
    "renewal_projects", sa.column("project_id", sa.Uuid()), sa.column("version", sa.Integer()), schema=SCHEMA
)


def upgrade() -> None:
    op.execute(projects.delete().where(projects.c.project_id == WITHDRAWN, projects.c.version == 1))


def downgrade() -> None:
    """Nothing to restore: the next import of an older version's data would load it again."""
