"""HTTP routes of the actions' yearly applications."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from kit.auth.policies import authorize
from kit.auth.principal import Principal
from kit.database import request_unit_of_work
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import REMEMBERED
from kit.tenancy import ContractRegistry, request_contract_registry
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.api.schemas import (
    AnnotationCreate,
    AnnotationRead,
    ApplicationCreate,
    ApplicationRead,
    ApplicationSummary,
    ApplicationWrite,
    BudgetInput,
    BudgetLineRead,
    BudgetRead,
    EventRead,
    FinancingLineRead,
    FinancingLineUpdate,
    TransitionInput,
)
from services.grants.clients.territories import CommuneLookup, request_communes
from services.grants.db.models import AnnotationRow, ApplicationRow
from services.grants.domain.applications import (
    CHARGE_ACCOUNTS,
    PRODUCT_ACCOUNTS,
    BudgetLine,
    LineDecision,
    Opinion,
    State,
    Transition,
)
from services.grants.money import cents_of, euros
from services.grants.policies import ANNOTATE, INSTRUCT, READ_ANNOTATIONS, READ_GRANTS, WRITE_APPLICATIONS
from services.grants.schemas import ContractCode
from services.grants.use_cases import applications
from services.grants.use_cases.applications import ApplicationView, Draft, References

router = platform_router(["applications"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


async def request_references(
    contracts: Annotated[ContractRegistry, Depends(request_contract_registry)],
    communes: Annotated[CommuneLookup, Depends(request_communes)],
) -> References:
    return References(contracts, communes)


TerritoryReferences = Annotated[References, Depends(request_references)]


def _draft(body: ApplicationWrite) -> Draft:
    return Draft(
        title=body.title,
        description=body.description,
        primary_objective_id=body.primary_objective_id,
        other_objective_ids=tuple(body.other_objective_ids),
        qpv_codes=tuple(body.qpv_codes),
        codes_communes=tuple(body.codes_communes),
        beneficiaries=body.beneficiaries.model_dump(mode="json", by_alias=True),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        multi_year=body.multi_year,
        previous_application_id=body.previous_application_id,
        dauphin_number=body.dauphin_number,
    )


def _summary_fields(row: ApplicationRow) -> dict[str, Any]:
    return {
        "id": row.application_id,
        "action_id": row.action_id,
        "operator_id": row.operator_id,
        "year": row.year,
        "title": row.title,
        "state": row.state,
        "outcome": row.outcome,
        "qpv_codes": row.qpv_codes,
        "hors_qpv": row.hors_qpv,
        "version": row.version,
    }


def _read(view: ApplicationView) -> ApplicationRead:
    row = view.row
    lines = view.budget

    def total(accounts: frozenset[str]) -> int:
        return sum(line.amount_cents for line in lines if line.account in accounts)

    charges, products = total(CHARGE_ACCOUNTS), total(PRODUCT_ACCOUNTS)
    uses, resources = total(frozenset({"86"})), total(frozenset({"87"}))
    return ApplicationRead(
        **_summary_fields(row),
        call_id=row.call_id,
        contract_code=row.contract_code,
        description=row.description,
        primary_objective_id=row.primary_objective_id,
        other_objective_ids=row.other_objective_ids,
        codes_communes=row.codes_communes,
        beneficiaries=row.beneficiaries,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        multi_year=row.multi_year,
        renewal=row.previous_application_id is not None,
        previous_application_id=row.previous_application_id,
        dauphin_number=row.dauphin_number,
        dauphin_normalised=row.dauphin_normalised,
        budget=BudgetRead(
            lines=[
                BudgetLineRead(
                    account=line.account,
                    label=line.label,
                    amount=euros(line.amount_cents),
                    institution_id=line.institution_id,
                )
                for line in lines
            ],
            total_charges=euros(charges),
            total_products=euros(products),
            in_kind_uses=euros(uses),
            in_kind_resources=euros(resources),
            balanced=charges == products and uses == resources and charges > 0,
        ),
        financing_lines=[
            FinancingLineRead(
                institution_id=line.institution_id,
                institution_code=view.institutions[line.institution_id].code,
                institution_nom=view.institutions[line.institution_id].nom,
                cerfa_subline=view.institutions[line.institution_id].cerfa_subline,
                requested=euros(line.requested_cents),
                proposed=None if line.proposed_cents is None else euros(line.proposed_cents),
                decided=None if line.decided_cents is None else euros(line.decided_cents),
                opinion=line.opinion,
                opinion_comment=line.opinion_comment,
                decision=line.decision,
            )
            for line in sorted(view.financing, key=lambda item: view.institutions[item.institution_id].code)
        ],
        events=[
            EventRead(
                at=event.at,
                actor=event.actor,
                actor_institution=event.actor_institution,
                transition=event.transition,
                from_state=event.from_state,
                to_state=event.to_state,
                reason=event.reason,
            )
            for event in view.events
        ],
    )


def _answer(view: ApplicationView, response: Response) -> ApplicationRead:
    response.headers["ETag"] = applications.application_etag(view.row)
    return _read(view)


@router.post(
    "/applications",
    operation_id="create_application",
    response_model=ApplicationRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_application(
    uow: Uow,
    references: TerritoryReferences,
    response: Response,
    body: ApplicationCreate,
    principal: Annotated[Principal, Depends(authorize(WRITE_APPLICATIONS))],
) -> ApplicationRead:
    """Draft an application of an action (a new one, or the next year of an existing one) for a call."""
    view = await applications.create_application(
        uow, references, principal, body.call_id, body.operator_id, body.action_id, _draft(body)
    )
    response.headers["Location"] = f"applications/{view.row.application_id}"
    return _answer(view, response)


@router.get(
    "/applications",
    operation_id="list_applications",
    dependencies=[REMEMBERED],
    response_model=Page[ApplicationSummary],
)
async def list_applications(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    call_id: Annotated[uuid.UUID | None, Query(alias="callId")] = None,
    state: State | None = None,
) -> Page[ApplicationSummary]:
    """Applications of a contract; an operator's users see only their organisation's."""
    rows, total = await applications.list_applications(uow, principal, contract_code, call_id, state, page)
    items = [ApplicationSummary.model_validate(_summary_fields(row)) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/applications/{application_id}", operation_id="get_application", response_model=ApplicationRead)
async def get_application(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> ApplicationRead:
    return _answer(await applications.get_application(uow, principal, application_id), response)


@router.put("/applications/{application_id}", operation_id="update_application", response_model=ApplicationRead)
async def update_application(
    uow: Uow,
    references: TerritoryReferences,
    response: Response,
    application_id: uuid.UUID,
    body: ApplicationWrite,
    principal: Annotated[Principal, Depends(authorize(WRITE_APPLICATIONS))],
) -> ApplicationRead:
    """Rewrite an application's content (draft or correction requested); If-Match required."""
    view = await applications.update_application(uow, references, principal, application_id, _draft(body))
    return _answer(view, response)


@router.put(
    "/applications/{application_id}/budget",
    operation_id="replace_budget",
    response_model=ApplicationRead,
    dependencies=[conditional(read_at="/applications/{application_id}")],
)
async def replace_budget(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    body: BudgetInput,
    principal: Annotated[Principal, Depends(authorize(WRITE_APPLICATIONS))],
) -> ApplicationRead:
    """The CERFA 12156 budget, whole: charges 60-68 and indirect, products 70-78 and own funds, 86/87."""
    lines = [
        BudgetLine(
            account=line.account,
            label=line.label,
            amount_cents=cents_of(line.amount, f"lines/{position}/amount"),
            institution_id=line.institution_id,
        )
        for position, line in enumerate(body.lines)
    ]
    view = await applications.replace_budget(uow, principal, application_id, lines)
    return _answer(view, response)


@router.post(
    "/applications/{application_id}/transitions",
    operation_id="move_application",
    response_model=ApplicationRead,
    dependencies=[conditional(read_at="/applications/{application_id}")],
)
async def move_application(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    body: TransitionInput,
    principal: Annotated[Principal, Depends(authorize(INSTRUCT))],
) -> ApplicationRead:
    """One step of the workflow (submit, declare_receivable, instruct, request_correction, propose, decide,
    notify, withdraw, reopen…); the step's rules are checked first and the event is kept."""
    view = await applications.move(uow, principal, application_id, Transition(body.transition), body.reason)
    return _answer(view, response)


@router.patch(
    "/applications/{application_id}/financing-lines/{institution_id}",
    operation_id="set_financing_line",
    response_model=ApplicationRead,
    dependencies=[conditional(read_at="/applications/{application_id}")],
)
async def set_financing_line(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    body: FinancingLineUpdate,
    principal: Annotated[Principal, Depends(authorize(INSTRUCT))],
) -> ApplicationRead:
    """A financer's line: opinion, proposed and decided amounts, decision (0 ≤ decided ≤ requested);
    If-Match with the application's ETag is required."""
    converters: dict[str, Any] = {
        "proposed": lambda value: ("proposed_cents", cents_of(value, "proposed")),
        "decided": lambda value: ("decided_cents", cents_of(value, "decided")),
        "opinion": lambda value: ("opinion", Opinion(value)),
        "opinion_comment": lambda value: ("opinion_comment", value),
        "decision": lambda value: ("decision", LineDecision(value)),
    }
    changes = dict(
        converters[name](getattr(body, name)) for name in body.model_fields_set if getattr(body, name) is not None
    )
    view = await applications.set_financing_line(uow, principal, application_id, institution_id, changes)
    return _answer(view, response)


def _annotation(row: AnnotationRow) -> AnnotationRead:
    return AnnotationRead(
        id=row.annotation_id,
        institution_code=row.institution_code,
        author=row.author,
        text=row.text,
        score=row.score,
        created_at=row.created_at,
    )


@router.post(
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
    return _annotation(await applications.add_annotation(uow, principal, application_id, body.text, body.score))


@router.get(
    "/applications/{application_id}/annotations",
    operation_id="list_annotations",
    response_model=list[AnnotationRead],
)
async def list_annotations(
    uow: Uow,
    application_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_ANNOTATIONS))],
) -> list[AnnotationRead]:
    """The caller's institution's own notes on the application."""
    return [_annotation(row) for row in await applications.list_annotations(uow, principal, application_id)]
