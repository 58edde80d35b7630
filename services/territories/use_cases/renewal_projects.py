"""Urban renewal projects: read by anyone, written by platform admins and the pilots of their EPCI."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.repository import ContractRepository
from services.territories.db.models import RenewalProjectRow
from services.territories.db.repositories import RenewalProjectRepository
from services.territories.domain.renewal_projects import (
    Interest,
    Programme,
    ProjectStatus,
    RenewalProject,
    check_project,
    seeded_project_id,
)
from services.territories.errors import NotBoundError, NotFoundError
from services.territories.persistence import ledger, upsert
from services.territories.qpvs.repository import QpvRepository


def project_from_row(row: RenewalProjectRow) -> RenewalProject:
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


def _snapshot(project: RenewalProject) -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(json.dumps(asdict(project), default=str))
    return snapshot


async def _checked(uow: UnitOfWork, actor: Principal, project: RenewalProject) -> RenewalProject:
    """The project with its EPCI, if its QPVs exist and the caller pilots a contract of that EPCI."""
    epci_of_qpv = await QpvRepository(uow.session).epci_of_qpvs(project.qpv_codes, project.generation)
    code_epci = check_project(project, epci_of_qpv)
    if not actor.is_platform_admin:
        allowed = await ContractRepository(uow.session).epcis_of_contracts(actor.contracts)
        if code_epci not in allowed:
            raise NotBoundError(code_epci or "")
    return replace(project, code_epci=code_epci)


async def list_projects(
    uow: UnitOfWork, page: PageRequest, qpv_code: str | None, code_epci: str | None
) -> tuple[list[RenewalProject], int]:
    async with uow.reading():
        rows, total = await RenewalProjectRepository(uow.session).list(page, qpv_code, code_epci)
    return [project_from_row(row) for row in rows], total


async def get_project(uow: UnitOfWork, project_id: uuid.UUID) -> RenewalProject:
    async with uow.reading():
        row = await RenewalProjectRepository(uow.session).get(project_id)
    if row is None:
        raise NotFoundError("renewal project", str(project_id))
    return project_from_row(row)


def project_etag(project: RenewalProject) -> str:
    return etag_of(str(project.project_id), project.version)


async def create_project(uow: UnitOfWork, actor: Principal, project: RenewalProject) -> RenewalProject:
    async with uow:
        project = await _checked(uow, actor, project)
        await RenewalProjectRepository(uow.session).add(RenewalProjectRow(**_columns(project)))
        await ledger.created(
            uow.session,
            actor,
            action="renewal_project.created",
            entity_type="renewal_project",
            entity_id=str(project.project_id),
            after=_snapshot(project),
        )
        await uow.commit()
    return project


async def update_project(
    uow: UnitOfWork,
    actor: Principal,
    project_id: uuid.UUID,
    changes: dict[str, Any],
) -> RenewalProject:
    async with uow:
        repository = RenewalProjectRepository(uow.session)
        row = await repository.get(project_id, for_update=True)
        if row is None:
            raise NotFoundError("renewal project", str(project_id))
        before = project_from_row(row)
        # The caller must pilot the project's EPCI before the change and after it.
        await _checked(uow, actor, before)
        uow.check_precondition(project_etag(before))
        after = await _checked(uow, actor, replace(before, **changes, version=before.version + 1))
        for column, value in _columns(after).items():
            setattr(row, column, value)
        await ledger.changed(
            uow.session,
            actor,
            action="renewal_project.updated",
            entity_type="renewal_project",
            entity_id=str(project_id),
            before=_snapshot(before),
            after=_snapshot(after),
        )
        await uow.commit()
    return after


def read_seed(path: Path) -> list[RenewalProject]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        RenewalProject(
            project_id=seeded_project_id(item["nom"]),
            nom=item["nom"],
            programme=Programme(item["programme"]),
            interest=Interest(item["interest"]) if item.get("interest") else None,
            qpv_codes=tuple(item["qpvCodes"]),
            generation="2024-2030",
            code_epci=None,
            starts_year=item.get("startsYear"),
            ends_year=item.get("endsYear"),
            status=ProjectStatus(item["status"]),
            notes=item.get("notes"),
        )
        for item in document["projects"]
    ]


async def import_seed(uow: UnitOfWork, projects: list[RenewalProject]) -> int:
    """The contract's projects; a re-import changes nothing (a project edited since is left as edited)."""
    async with uow:
        repository = RenewalProjectRepository(uow.session)
        rows = []
        for project in projects:
            code_epci = check_project(
                project, await QpvRepository(uow.session).epci_of_qpvs(project.qpv_codes, project.generation)
            )
            if await repository.get(project.project_id) is None:
                rows.append(_columns(replace(project, code_epci=code_epci)))
        created = await upsert(uow.session, RenewalProjectRow, rows, ["project_id"])
        await uow.commit()
    return created
