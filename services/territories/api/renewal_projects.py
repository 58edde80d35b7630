"""HTTP routes of the urban renewal projects."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.territories.api.schemas import RenewalProjectCreate, RenewalProjectRead, RenewalProjectUpdate
from services.territories.domain.renewal_projects import Interest, Programme, ProjectStatus, RenewalProject
from services.territories.policies import REFERENCE, Editor
from services.territories.use_cases import renewal_projects

public = platform_router(["renewal projects"], authenticated=False)
protected = platform_router(["renewal projects"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


CONVERTERS: dict[str, Any] = {"programme": Programme, "interest": Interest, "status": ProjectStatus, "qpv_codes": tuple}
CLEARABLE = frozenset({"interest", "notes", "starts_year", "ends_year"})


def _project(project: RenewalProject) -> RenewalProjectRead:
    return RenewalProjectRead(
        id=project.project_id,
        nom=project.nom,
        programme=project.programme.value,
        interest=project.interest.value if project.interest else None,
        qpv_codes=list(project.qpv_codes),
        generation=project.generation,
        code_epci=project.code_epci,
        starts_year=project.starts_year,
        ends_year=project.ends_year,
        status=project.status.value,
        notes=project.notes,
        version=project.version,
    )


@public.get(
    "/renewal-projects",
    operation_id="list_renewal_projects",
    response_model=Page[RenewalProjectRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_renewal_projects(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    qpv: Annotated[str | None, Query(pattern=r"^Q[A-Z0-9]{5,9}$", description="Projects concerning this QPV")] = None,
    code_epci: Annotated[str | None, Query(alias="codeEpci", pattern=r"^[0-9]{9}$")] = None,
) -> Page[RenewalProjectRead]:
    """Urban renewal projects (NPNRU and others), by QPV or EPCI."""
    items, total = await renewal_projects.list_projects(uow, page, qpv, code_epci)
    return Page(items=[_project(item) for item in items], total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/renewal-projects/{project_id}",
    operation_id="get_renewal_project",
    response_model=RenewalProjectRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_renewal_project(uow: Uow, project_id: uuid.UUID, response: Response) -> RenewalProjectRead:
    project = await renewal_projects.get_project(uow, project_id)
    response.headers["ETag"] = renewal_projects.project_etag(project)
    return _project(project)


@protected.post(
    "/renewal-projects",
    operation_id="create_renewal_project",
    response_model=RenewalProjectRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_renewal_project(
    uow: Uow, body: RenewalProjectCreate, response: Response, principal: Editor
) -> RenewalProjectRead:
    """Record a project (platform admins; pilots for the EPCI of their contracts)."""
    project = RenewalProject(
        project_id=uuid.uuid4(),
        nom=body.nom,
        programme=Programme(body.programme),
        interest=Interest(body.interest) if body.interest else None,
        qpv_codes=tuple(body.qpv_codes),
        generation=body.generation,
        code_epci=None,
        starts_year=body.starts_year,
        ends_year=body.ends_year,
        status=ProjectStatus(body.status),
        notes=body.notes,
    )
    created = await renewal_projects.create_project(uow, principal, project)
    locate_created(response, f"renewal-projects/{created.project_id}", renewal_projects.project_etag(created))
    return _project(created)


@protected.patch(
    "/renewal-projects/{project_id}", operation_id="update_renewal_project", response_model=RenewalProjectRead
)
async def update_renewal_project(
    uow: Uow,
    body: RenewalProjectUpdate,
    response: Response,
    principal: Editor,
    project_id: uuid.UUID,
) -> RenewalProjectRead:
    """Change a project; If-Match with the ETag read is required."""
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None and name not in CLEARABLE:
            continue
        changes[name] = CONVERTERS[name](value) if value is not None and name in CONVERTERS else value
    updated = await renewal_projects.update_project(uow, principal, project_id, changes)
    response.headers["ETag"] = renewal_projects.project_etag(updated)
    return _project(updated)
