"""Scoring grids per call and the marks each institution gives, which no other institution reads."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kit.auth.principal import Principal, Role
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.calls.repository import CallRepository
from services.grants.db.models import ScoringGridRow
from services.grants.db.repositories import ScoringRepository
from services.grants.domain.applications import State
from services.grants.domain.scoring import GENDER_EQUALITY, Criterion, check_criteria, check_marks, weighted_total
from services.grants.errors import ForbiddenMoveError, NotEditableError, NotFoundError, RuleViolationError
from services.grants.operators.domain import own_organisations
from services.grants.persistence import ledger
from services.grants.use_cases.applications import visible_application

SCORED_STATES = frozenset({State.SUBMITTED, State.RECEIVABLE, State.UNDER_INSTRUCTION, State.PROPOSED})


def _institution(actor: Principal) -> str:
    if own_organisations(actor) is not None or not actor.institution:
        raise ForbiddenMoveError("grids and marks belong to an institution; this caller speaks for none")
    return actor.institution


def criteria_of(row: ScoringGridRow) -> list[Criterion]:
    return [Criterion(**item) for item in row.criteria]


async def publish_grid(
    uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, code: str, label: str, criteria: list[Criterion]
) -> ScoringGridRow:
    """A new version of the caller's institution's grid for the call."""
    owner = _institution(actor)
    if code == GENDER_EQUALITY and Role.STATE not in actor.roles:
        raise ForbiddenMoveError("the gender-equality grid is the State's")
    check_criteria(criteria)
    async with uow:
        call = await CallRepository(uow.session).get(call_id)
        if call is None or not actor.works_on(call.contract_code):
            raise NotFoundError("call for projects", str(call_id))
        repository = ScoringRepository(uow.session)
        versions = [row for row in await repository.grids(call_id) if row.code == code]
        if versions and versions[-1].owner_institution != owner:
            raise ForbiddenMoveError(f"grid {code} belongs to {versions[-1].owner_institution}")
        row = ScoringGridRow(
            grid_id=uuid.uuid4(),
            call_id=call_id,
            code=code,
            version=(versions[-1].version + 1) if versions else 1,
            label=label,
            owner_institution=owner,
            criteria=[asdict(criterion) for criterion in criteria],
            created_at=datetime.now(UTC),
        )
        await repository.add(row)
        await ledger.created(
            uow.session,
            actor,
            action="scoring_grid.published",
            entity_type="scoring_grid",
            entity_id=str(row.grid_id),
            after={"code": code, "version": row.version, "criteria": row.criteria},
        )
        await uow.commit()
    return row


async def list_grids(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> list[ScoringGridRow]:
    async with uow.reading():
        call = await CallRepository(uow.session).get(call_id)
        if call is None or not actor.works_on(call.contract_code):
            raise NotFoundError("call for projects", str(call_id))
        return await ScoringRepository(uow.session).grids(call_id)


@dataclass(frozen=True, slots=True)
class GridMarks:
    grid: ScoringGridRow
    marks: dict[str, tuple[int, str | None]]
    total: Decimal | None


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


def _marks_audit(found: list[GridMarks]) -> list[dict[str, object]]:
    return [
        {"grid": str(item.grid.grid_id), "marks": {code: value for code, (value, _) in item.marks.items()}}
        for item in found
    ]


async def mark(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    grid_id: uuid.UUID,
    marks: dict[str, tuple[int, str | None]],
) -> list[GridMarks]:
    institution = _institution(actor)
    async with uow:
        # The application's lock serialises the institutions' markings (their ETags are checked under it).
        application = await visible_application(uow, actor, application_id, for_update=True)
        repository = ScoringRepository(uow.session)
        before = await _marks(repository, application_id, institution)
        uow.check_precondition(marks_etag(application_id, institution, before))
        grid = await repository.grid(grid_id)
        if grid is None or grid.call_id != application.call_id:
            raise RuleViolationError("gridId", "grid-of-call", "the grid is not one of the application's call")
        if State(application.state) not in SCORED_STATES:
            raise NotEditableError(f"applications are marked from submission to proposal, not {application.state}")
        check_marks(criteria_of(grid), {code: value for code, (value, _) in marks.items()})
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
        found = await _marks(repository, application_id, institution)
        await ledger.changed(
            uow.session,
            actor,
            action="application.marked",
            entity_type="application",
            entity_id=str(application_id),
            before={"institution": institution, "grids": _marks_audit(before)},
            after={
                "institution": institution,
                "grids": _marks_audit(await _marks(repository, application_id, institution)),
            },
        )
        found = await _marks(repository, application_id, institution)
        await uow.commit()
    return found


async def _marks(repository: ScoringRepository, application_id: uuid.UUID, institution: str) -> list[GridMarks]:
    rows = await repository.marks(application_id, institution)
    by_grid: dict[uuid.UUID, dict[str, tuple[int, str | None]]] = {}
    for row in rows:
        by_grid.setdefault(row.grid_id, {})[row.criterion] = (row.value, row.comment)
    found = []
    for grid_id, marks in by_grid.items():
        grid = await repository.grid(grid_id)
        if grid is not None:
            values = {code: value for code, (value, _) in marks.items()}
            found.append(GridMarks(grid, marks, weighted_total(criteria_of(grid), values)))
    return sorted(found, key=lambda item: (item.grid.code, item.grid.version))


async def my_marks(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> list[GridMarks]:
    institution = _institution(actor)
    async with uow.reading():
        await visible_application(uow, actor, application_id)
        return await _marks(ScoringRepository(uow.session), application_id, institution)
