"""The queries of the renewal projects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import any_, literal, select, update

from kit.pagination import PageRequest
from services.territories.persistence import Repository, upsert
from services.territories.renewal_projects.domain import Interest, Programme, ProjectStatus, RenewalProject
from services.territories.renewal_projects.models import RenewalProjectRow


def _project(row: RenewalProjectRow) -> RenewalProject:
    return RenewalProject(
        project_id=row.project_id,
        nom=row.nom,
        programme=Programme(row.programme),
        interest=Interest(row.interest) if row.interest else None,
        qpv_codes=tuple(row.qpv_codes),
        generation=row.generation,
        code_epci=row.code_epci,
        starts_year=row.starts_year,
        ends_year=row.ends_year,
        status=ProjectStatus(row.status),
        notes=row.notes,
        version=row.version,
    )


def _columns(project: RenewalProject) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "nom": project.nom,
        "programme": project.programme.value,
        "interest": project.interest.value if project.interest else None,
        "qpv_codes": list(project.qpv_codes),
        "generation": project.generation,
        "code_epci": project.code_epci,
        "starts_year": project.starts_year,
        "ends_year": project.ends_year,
        "status": project.status.value,
        "notes": project.notes,
        "version": project.version,
    }


class RenewalProjectRepository(Repository):
    async def list(
        self, page: PageRequest, qpv_code: str | None, code_epci: str | None
    ) -> tuple[list[RenewalProject], int]:
        query = select(RenewalProjectRow).order_by(RenewalProjectRow.nom, RenewalProjectRow.project_id)
        if qpv_code is not None:
            query = query.where(literal(qpv_code) == any_(RenewalProjectRow.qpv_codes))
        if code_epci is not None:
            query = query.where(RenewalProjectRow.code_epci == code_epci)
        return await self.paged(query, page, _project)

    async def get(self, project_id: uuid.UUID, *, for_update: bool = False) -> RenewalProject | None:
        query = select(RenewalProjectRow).where(RenewalProjectRow.project_id == project_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else _project(row)

    async def add(self, project: RenewalProject) -> None:
        self.session.add(RenewalProjectRow(**_columns(project)))
        await self.session.flush()

    async def update(self, project: RenewalProject) -> None:
        statement = update(RenewalProjectRow).where(RenewalProjectRow.project_id == project.project_id)
        await self.session.execute(statement.values(**_columns(project)))

    async def store_all(self, projects: Sequence[RenewalProject]) -> int:
        """Insert or update the projects on their id; returns how many rows changed."""
        rows = [_columns(project) for project in projects]
        return await upsert(self.session, RenewalProjectRow, rows, ["project_id"])
