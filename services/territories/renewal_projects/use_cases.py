"""Urban renewal projects: read by anyone, written by platform admins and the pilots of their EPCI."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.domain import may_edit_territory
from services.territories.contracts.use_cases import piloted_epcis
from services.territories.errors import NotBoundError, found
from services.territories.persistence import commit_audited
from services.territories.qpvs.domain import GENERATION_2024
from services.territories.qpvs.repository import QpvRepository
from services.territories.renewal_projects.domain import (
    Interest,
    Programme,
    ProjectStatus,
    RenewalProject,
    check_project,
    seeded_project_id,
)
from services.territories.renewal_projects.repository import RenewalProjectRepository


def _snapshot(project: RenewalProject) -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(json.dumps(asdict(project), default=str))
    return snapshot


async def _located(uow: UnitOfWork, project: RenewalProject) -> RenewalProject:
    """The project with the EPCI of its QPVs, if they exist (and lie in one EPCI)."""
    epci_of_qpv = await QpvRepository(uow.session).epci_of_qpvs(project.qpv_codes, project.generation)
    return replace(project, code_epci=check_project(project, epci_of_qpv))


async def _checked(uow: UnitOfWork, actor: Principal, project: RenewalProject) -> RenewalProject:
    """The project located, if the caller may write the records of its EPCI."""
    project = await _located(uow, project)
    if not may_edit_territory(actor, project.code_epci, await piloted_epcis(uow, actor)):
        raise NotBoundError(project.code_epci or "")
    return project


async def list_projects(
    uow: UnitOfWork, page: PageRequest, qpv_code: str | None, code_epci: str | None
) -> tuple[list[RenewalProject], int]:
    async with uow.reading():
        return await RenewalProjectRepository(uow.session).list(page, qpv_code, code_epci)


async def get_project(uow: UnitOfWork, project_id: uuid.UUID) -> RenewalProject:
    async with uow.reading():
        return found(await RenewalProjectRepository(uow.session).get(project_id), "renewal project", str(project_id))


def project_etag(project: RenewalProject) -> str:
    return etag_of(str(project.project_id), project.version)


async def create_project(uow: UnitOfWork, actor: Principal, project: RenewalProject) -> RenewalProject:
    async with uow:
        project = await _checked(uow, actor, project)
        await RenewalProjectRepository(uow.session).add(project)
        await commit_audited(
            uow,
            actor,
            action="renewal_project.created",
            entity_type="renewal_project",
            entity_id=str(project.project_id),
            before=None,
            after=_snapshot(project),
        )
    return project


async def update_project(
    uow: UnitOfWork,
    actor: Principal,
    project_id: uuid.UUID,
    changes: dict[str, Any],
) -> RenewalProject:
    async with uow:
        projects = RenewalProjectRepository(uow.session)
        before = found(await projects.get(project_id, for_update=True), "renewal project", str(project_id))
        # The caller must pilot the project's EPCI before the change and after it.
        await _checked(uow, actor, before)
        uow.check_precondition(project_etag(before))
        after = await _checked(uow, actor, replace(before, **changes, version=before.version + 1))
        await projects.update(after)
        await commit_audited(
            uow,
            actor,
            action="renewal_project.updated",
            entity_type="renewal_project",
            entity_id=str(project_id),
            before=_snapshot(before),
            after=_snapshot(after),
        )
    return after


def read_seed(path: Path) -> list[RenewalProject]:
    """The projects the contract names, as shipped (data/cua_renewal_projects.json)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        RenewalProject(
            project_id=seeded_project_id(item["nom"]),
            nom=item["nom"],
            programme=Programme(item["programme"]),
            interest=Interest(item["interest"]) if item.get("interest") else None,
            qpv_codes=tuple(item["qpvCodes"]),
            generation=GENERATION_2024,
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
        located = [await _located(uow, project) for project in projects]
        missing = [project for project in located if await repository.get(project.project_id) is None]
        created = await repository.store_all(missing)
        await uow.commit()
    return created
