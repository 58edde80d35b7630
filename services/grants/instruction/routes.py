"""HTTP routes of the instruction: scoring grids, each institution's private marks and notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from identity.principal import Principal
from kit.api_models import read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.instruction import use_cases as instruction
from services.grants.instruction.domain import Annotation, Criterion, Grid, GridMarks
from services.grants.instruction.schemas import (
    AnnotationCreate,
    AnnotationRead,
    GridCreate,
    GridMarksRead,
    GridRead,
    MarkRead,
    MarksInput,
)
from services.grants.policies import ANNOTATE, READ_ANNOTATIONS, READ_GRANTS

router = platform_router(["scoring"], authenticated=True, writes=True)
# An institution's private notes are read with the application (and listed with its routes).
notes_router = platform_router(["applications"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _grid(grid: Grid) -> GridRead:
    return read_of(GridRead, grid, id=grid.grid_id)


def _marks(found: list[GridMarks]) -> list[GridMarksRead]:
    return [
        GridMarksRead(
            grid_id=item.grid.grid_id,
            grid_code=item.grid.code,
            grid_version=item.grid.version,
            marks=[
                MarkRead(criterion=code, value=value, comment=comment) for code, (value, comment) in item.marks.items()
            ],
            total=None if item.total is None else str(item.total),
        )
        for item in found
    ]


@router.post(
    "/calls/{call_id}/scoring-grids",
    operation_id="publish_scoring_grid",
    response_model=GridRead,
    status_code=status.HTTP_201_CREATED,
)
async def publish_scoring_grid(
    uow: Uow, call_id: uuid.UUID, body: GridCreate, principal: Annotated[Principal, Depends(authorize(ANNOTATE))]
) -> GridRead:
    """A new version of the caller's institution's grid (the gender-equality grid is the State's)."""
    criteria = [Criterion(item.code, item.label, item.weight, item.scale_max) for item in body.criteria]
    return _grid(await instruction.publish_grid(uow, principal, call_id, body.code, body.label, criteria))


@router.get("/calls/{call_id}/scoring-grids", operation_id="list_scoring_grids", response_model=list[GridRead])
async def list_scoring_grids(
    uow: Uow, call_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> list[GridRead]:
    """Every version of every grid of the call. Not paged: a call has a few grids, read whole to mark."""
    return [_grid(grid) for grid in await instruction.list_grids(uow, principal, call_id)]


@router.put("/applications/{application_id}/marks", operation_id="mark_application", response_model=list[GridMarksRead])
async def mark_application(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    body: MarksInput,
    principal: Annotated[Principal, Depends(authorize(ANNOTATE))],
) -> list[GridMarksRead]:
    """The caller's institution's marks on one grid; no other institution reads them. If-Match: the ETag
    of the institution's marks. Not paged: one entry per grid of the call."""
    marks = {item.criterion: (item.value, item.comment) for item in body.marks}
    found = await instruction.mark(uow, principal, application_id, body.grid_id, marks)
    response.headers["ETag"] = instruction.marks_etag(application_id, principal.institution or "", found)
    return _marks(found)


@router.get("/applications/{application_id}/marks", operation_id="list_marks", response_model=list[GridMarksRead])
async def list_marks(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_ANNOTATIONS))],
) -> list[GridMarksRead]:
    """The caller's institution's own marks, with each grid's weighted total. Not paged: one entry per grid
    of the call."""
    found = await instruction.my_marks(uow, principal, application_id)
    response.headers["ETag"] = instruction.marks_etag(application_id, principal.institution or "", found)
    return _marks(found)


def _annotation(note: Annotation) -> AnnotationRead:
    return read_of(AnnotationRead, note, id=note.annotation_id)


@notes_router.post(
    "/applications/{application_id}/annotations",
    operation_id="annotate_application",
    response_model=AnnotationRead,
    status_code=status.HTTP_201_CREATED,
)
async def annotate_application(
    uow: Uow,
    application_id: uuid.UUID,
    body: AnnotationCreate,
    principal: Annotated[Principal, Depends(authorize(ANNOTATE))],
) -> AnnotationRead:
    """A private note (and score) of the caller's institution; no other institution reads it."""
    return _annotation(await instruction.add_annotation(uow, principal, application_id, body.text, body.score))


@notes_router.get(
    "/applications/{application_id}/annotations",
    operation_id="list_annotations",
    response_model=list[AnnotationRead],
)
async def list_annotations(
    uow: Uow,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_ANNOTATIONS))],
) -> list[AnnotationRead]:
    """The caller's institution's own notes on the application. Not paged: the notes of one institution on
    one application."""
    return [_annotation(note) for note in await instruction.list_annotations(uow, principal, application_id)]
