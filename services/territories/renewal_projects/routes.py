"""HTTP routes of the urban renewal projects."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.territories.policies import REFERENCE, Editor
from services.territories.renewal_projects import use_cases
from services.territories.renewal_projects.schemas import (
    RenewalProjectCreate,
    RenewalProjectRead,
    RenewalProjectUpdate,
)
from services.territories.schemas import QPV_CODE_PATTERN, EpciFilter

public = platform_router(["renewal projects"], authenticated=False)
protected = platform_router(["renewal projects"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


@public.get(
    "/renewal-projects",
    operation_id="list_renewal_projects",
    response_model=Page[RenewalProjectRead],
    dependencies=[Depends(authorize(REFERENCE))],
)
async def list_renewal_projects(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    qpv: Annotated[str | None, Query(pattern=QPV_CODE_PATTERN, description="Projects concerning this QPV")] = None,
    code_epci: EpciFilter = None,
) -> Page[RenewalProjectRead]:
    """Urban renewal projects (NPNRU and others), by QPV or EPCI."""
    projects, total = await use_cases.list_projects(uow, page, qpv, code_epci)
    items = [RenewalProjectRead.of(project) for project in projects]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@public.get(
    "/renewal-projects/{project_id}",
    operation_id="get_renewal_project",
    response_model=RenewalProjectRead,
    dependencies=[Depends(authorize(REFERENCE))],
)
async def get_renewal_project(uow: Uow, project_id: uuid.UUID, response: Response) -> RenewalProjectRead:
    project = await use_cases.get_project(uow, project_id)
    response.headers["ETag"] = use_cases.project_etag(project)
    return RenewalProjectRead.of(project)


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
    created = await use_cases.create_project(uow, principal, body.project())
    locate_created(response, f"renewal-projects/{created.project_id}", use_cases.project_etag(created))
    return RenewalProjectRead.of(created)


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
    updated = await use_cases.update_project(uow, principal, project_id, body.changes())
    response.headers["ETag"] = use_cases.project_etag(updated)
    return RenewalProjectRead.of(updated)
