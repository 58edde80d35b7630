"""The instruction: scoring grids per call, the marks each institution gives and the notes it writes,
which no other institution reads."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.workflow import INSTRUCTED
from services.grants.applications.use_cases.access import APPLICATIONS, application_for
from services.grants.calls.use_cases import visible_call
from services.grants.errors import NotEditableError, RuleViolationError
from services.grants.instruction.domain import (
    Annotation,
    Criterion,
    Grid,
    GridMarks,
    check_criteria,
    check_grid_owner,
    check_grid_publisher,
    check_marks,
    speaking_institution,
    weighted_total,
)
from services.grants.instruction.models import AnnotationRow, ScoringGridRow
from services.grants.instruction.repository import ScoringRepository, annotation_of, grid_of
from services.grants.persistence import Audited

GRIDS = Audited("scoring_grid")
ANNOTATIONS = Audited("annotation")

GRIDS_AND_MARKS = "grids and marks"


async def publish_grid(
    uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, code: str, label: str, criteria: list[Criterion]
) -> Grid:
    """A new version of the caller's institution's grid for the call."""
    owner = speaking_institution(actor, GRIDS_AND_MARKS)
    check_grid_publisher(actor, code)
    check_criteria(criteria)
    async with uow:
        await visible_call(uow, actor, call_id)
        repository = ScoringRepository(uow.session)
        versions = [grid for grid in await repository.grids(call_id) if grid.code == code]
        check_grid_owner(code, owner, versions)
        row = ScoringGridRow(
            grid_id=uuid.uuid4(),
            call_id=call_id,
            code=code,
            version=(versions[-1].version + 1) if versions else 1,
            label=label,
            owner_institution=owner,
            criteria=[asdict(criterion) for criterion in criteria],
            created_at=uow.now(),
        )
        await GRIDS.created(
            uow,
            actor,
            str(row.grid_id),
            action="scoring_grid.published",
            after={"code": code, "version": row.version, "criteria": row.criteria},
            row=row,
        )
        await uow.commit()
    return grid_of(row)


async def list_grids(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> list[Grid]:
    async with uow.reading():
        await visible_call(uow, actor, call_id)
        return await ScoringRepository(uow.session).grids(call_id)


def marks_etag(application_id: uuid.UUID, institution: str, found: list[GridMarks]) -> str:
    """An institution's marks on an application carry no version: the digest of them all."""
    return etag_of_content(
        str(application_id),
        institution,
        *(
            f"{item.grid.grid_id}/{code}={value}/{comment or ''}"
            for item in found
            for code, (value, comment) in sorted(item.marks.items())
        ),
    )


def _marks_audit(institution: str, found: list[GridMarks]) -> dict[str, object]:
    grids = [
        {"grid": str(item.grid.grid_id), "marks": {code: value for code, (value, _) in item.marks.items()}}
        for item in found
    ]
    return {"institution": institution, "grids": grids}


async def _marks(repository: ScoringRepository, application_id: uuid.UUID, institution: str) -> list[GridMarks]:
    by_grid: dict[uuid.UUID, dict[str, tuple[int, str | None]]] = {}
    for row in await repository.marks(application_id, institution):
        by_grid.setdefault(row.grid_id, {})[row.criterion] = (row.value, row.comment)
    found = []
    for grid_id, marks in by_grid.items():
        grid = await repository.grid(grid_id)
        if grid is not None:
            values = {code: value for code, (value, _) in marks.items()}
            found.append(GridMarks(grid, marks, weighted_total(grid.criteria, values)))
    return sorted(found, key=lambda item: (item.grid.code, item.grid.version))


async def mark(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    grid_id: uuid.UUID,
    marks: dict[str, tuple[int, str | None]],
) -> list[GridMarks]:
    institution = speaking_institution(actor, GRIDS_AND_MARKS)
    async with uow:
        # The application's lock serialises the institutions' markings (their ETags are checked under it).
        application = await application_for(uow, actor, application_id, for_update=True)
        repository = ScoringRepository(uow.session)
        before = await _marks(repository, application_id, institution)
        uow.check_precondition(marks_etag(application_id, institution, before))
        grid = await repository.grid(grid_id)
        if grid is None or grid.call_id != application.call_id:
            raise RuleViolationError("grid_id", "grid-of-call", "the grid is not one of the application's call")
        if application.state not in INSTRUCTED:
            raise NotEditableError(
                f"applications are marked from submission to proposal, not {application.state.value}"
            )
        check_marks(grid.criteria, {code: value for code, (value, _) in marks.items()})
        await repository.set_marks(
            [
                {
                    "score_id": uuid.uuid4(),
                    "application_id": application_id,
                    "grid_id": grid_id,
                    "criterion": code,
                    "value": value,
                    "comment": comment,
                    "institution_code": institution,
                    "author": actor.subject,
                }
                for code, (value, comment) in marks.items()
            ]
        )
        after = await _marks(repository, application_id, institution)
        await APPLICATIONS.changed(
            uow,
            actor,
            str(application_id),
            action="application.marked",
            before=_marks_audit(institution, before),
            after=_marks_audit(institution, after),
        )
        await uow.commit()
    return after


async def my_marks(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> list[GridMarks]:
    institution = speaking_institution(actor, GRIDS_AND_MARKS)
    async with uow.reading():
        await application_for(uow, actor, application_id)
        return await _marks(ScoringRepository(uow.session), application_id, institution)


PRIVATE_NOTES = "private notes"


async def add_annotation(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, text: str, score: int | None
) -> Annotation:
    institution = speaking_institution(actor, PRIVATE_NOTES)
    async with uow:
        await application_for(uow, actor, application_id)
        note = AnnotationRow(
            annotation_id=uuid.uuid4(),
            application_id=application_id,
            institution_code=institution,
            author=actor.subject,
            text=text,
            score=score,
            created_at=uow.now(),
        )
        await ScoringRepository(uow.session).add(note)
        await ANNOTATIONS.changed(
            uow,
            actor,
            str(note.annotation_id),
            action="annotation.added",
            before={},
            after={"institution": institution, "score": score},
        )
        await uow.commit()
    return annotation_of(note)


async def list_annotations(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> list[Annotation]:
    institution = speaking_institution(actor, PRIVATE_NOTES)
    async with uow.reading():
        await application_for(uow, actor, application_id)
        return await ScoringRepository(uow.session).annotations(application_id, institution)
