"""HTTP routes of the actions' yearly applications."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from identity.principal import Principal
from kit.api_models import json_response, model_response, page_json_response, read_of
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.response_cache import remembered_by
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, platform_router
from services.grants.applications.domain.application import (
    Application,
    ApplicationView,
    Draft,
    LineView,
    NewApplication,
    Venue,
)
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.domain.financing import ActKind, Deciding, DecisionAct, LineDecision, Opinion
from services.grants.applications.domain.workflow import State, Transition, call_part
from services.grants.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationSummary,
    ApplicationWrite,
    BudgetInput,
    BudgetLineRead,
    BudgetRead,
    EventRead,
    FinancingLineDecision,
    FinancingLineRead,
    FinancingLineUpdate,
    TransitionInput,
    VenueRead,
)
from services.grants.applications.use_cases import access, drafting, financing, workflow
from services.grants.clients.territories import TerritoryReferences
from services.grants.policies import DECIDE_LINES, INSTRUCT, READ_GRANTS, WRITE_APPLICATIONS
from services.grants.schemas import BeneficiariesRead, ContractCode, cents_of

router = platform_router(["applications"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def _draft(body: ApplicationWrite) -> Draft:
    return Draft(
        title=body.title,
        description=body.description,
        primary_objective_id=body.primary_objective_id,
        other_objective_ids=tuple(body.other_objective_ids),
        qpv_codes=tuple(body.qpv_codes),
        codes_communes=tuple(body.codes_communes),
        venues=tuple(Venue(venue.qpv_code, venue.code_commune, venue.label) for venue in body.venues),
        served_vulnerability_zones=tuple(body.served_vulnerability_zones),
        # Kept in the domain's names (as Beneficiaries, and as an activity report keeps them).
        beneficiaries=body.beneficiaries.model_dump(mode="json", by_alias=False),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        multi_year=body.multi_year,
        previous_application_id=body.previous_application_id,
        dauphin_number=body.dauphin_number,
    )


def _summary_fields(application: Application) -> dict[str, Any]:
    return {
        "id": application.application_id,
        "action_id": application.action_id,
        "operator_id": application.operator_id,
        "year": application.year,
        "title": application.draft.title,
        "state": application.state.value,
        "outcome": None if application.outcome is None else application.outcome.value,
        "qpv_codes": list(application.draft.qpv_codes),
        "hors_qpv": not application.draft.qpv_codes,
        "served_vulnerability_zones": list(application.draft.served_vulnerability_zones),
        "counted_in_vulnerability_cap": application.hors_qpv,
        "version": application.version,
    }


def _read(view: ApplicationView) -> ApplicationRead:
    application, draft, totals = view.application, view.application.draft, view.totals
    return ApplicationRead(
        **_summary_fields(application),
        call_id=application.call_id,
        contract_code=application.contract_code,
        description=draft.description,
        primary_objective_id=draft.primary_objective_id,
        other_objective_ids=list(draft.other_objective_ids),
        codes_communes=list(draft.codes_communes),
        venues=[VenueRead(qpv_code=v.qpv_code, code_commune=v.code_commune, label=v.label) for v in draft.venues],
        beneficiaries=BeneficiariesRead.model_validate(draft.beneficiaries),
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        multi_year=draft.multi_year,
        renewal=application.renewal,
        previous_application_id=draft.previous_application_id,
        dauphin_number=draft.dauphin_number,
        dauphin_normalised=application.dauphin_normalised,
        notified_on=application.notified_on,
        budget=BudgetRead(
            lines=[
                BudgetLineRead(
                    account=line.account,
                    label=line.label,
                    amount=euros(line.amount_cents),
                    institution_id=line.institution_id,
                )
                for line in view.budget
            ],
            total_charges=euros(totals.charges_cents),
            total_products=euros(totals.products_cents),
            in_kind_uses=euros(totals.in_kind_uses_cents),
            in_kind_resources=euros(totals.in_kind_resources_cents),
            balanced=totals.balanced,
        ),
        financing_lines=[_line_read(item) for item in view.lines],
        events=[read_of(EventRead, event) for event in view.events],
    )


def _line_read(item: LineView) -> FinancingLineRead:
    return FinancingLineRead(
        institution_id=item.line.institution_id,
        institution_code=item.institution.code,
        institution_nom=item.institution.nom,
        cerfa_subline=item.institution.cerfa_subline,
        requested=euros(item.line.requested_cents),
        proposed=None if item.line.proposed_cents is None else euros(item.line.proposed_cents),
        decided=None if item.line.decided_cents is None else euros(item.line.decided_cents),
        opinion=None if item.line.opinion is None else item.line.opinion.value,
        opinion_comment=item.line.opinion_comment,
        decision=None if item.line.decision is None else item.line.decision.value,
        committee_id=item.line.committee_id,
        act_kind=None if item.line.act is None or item.line.act.kind is None else item.line.act.kind.value,
        act_number=None if item.line.act is None else item.line.act.number,
        decided_on=None if item.line.act is None else item.line.act.decided_on,
        chorus_commitment=item.line.chorus_commitment,
    )


def _answer(view: ApplicationView, response: Response) -> ApplicationRead:
    response.headers["ETag"] = access.application_etag(view.application)
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
    new = NewApplication(body.call_id, body.operator_id, body.action_id, _draft(body))
    view = await drafting.create_application(uow, references, principal, new)
    response.headers["Location"] = f"applications/{view.application.application_id}"
    return _answer(view, response)


def _parts_asked(request: Request) -> frozenset[str] | None:
    """The applications of one call hold that call's part of the contract's data (None: every part)."""
    asked = request.query_params.get("callId", "")
    try:
        return frozenset({call_part(uuid.UUID(asked))})
    except ValueError:
        return None


@router.get(
    "/applications",
    operation_id="list_applications",
    dependencies=[remembered_by(_parts_asked)],
    response_model=Page[ApplicationSummary],
)
async def list_applications(
    uow: Uow,
    page: Annotated[PageRequest, Depends(page_request)],
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    call_id: Annotated[uuid.UUID | None, Query(alias="callId")] = None,
    state: State | None = None,
) -> Response:
    """Applications of a contract; an operator's users see only their organisation's."""
    items, total = await access.list_applications(uow, principal, contract_code, call_id, state, page)
    return page_json_response(items, total, page.limit, page.offset)


@router.get("/applications/{application_id}", operation_id="get_application", response_model=ApplicationRead)
async def get_application(
    uow: Uow, application_id: uuid.UUID, principal: Annotated[Principal, Depends(authorize(READ_GRANTS))]
) -> Response:
    """The application with its CERFA budget and its totals, each financer's line (its opinion, proposal and
    decision with its act) and its history; an operator's users read only their organisation's."""
    record, etag = await access.application_json(uow, principal, application_id)
    return json_response(record, headers={"ETag": etag})


@router.get(
    "/applications/{application_id}/financing-lines/{institution_id}",
    operation_id="get_financing_line",
    response_model=FinancingLineRead,
)
async def get_financing_line(
    uow: Uow,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> Response:
    """A financer's line of an application, as the application shows it: the resource the
    `financing_line.*` events name `<applicationId>/<institutionId>`. Who reads the application reads its
    lines (404 otherwise, as for the application). Its ETag is the application's: a line is versioned with
    it, and written with it in If-Match."""
    view, line = await access.get_financing_line(uow, principal, application_id, institution_id)
    return model_response(_line_read(line), headers={"ETag": access.application_etag(view.application)})


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
    view = await drafting.update_application(uow, references, principal, application_id, _draft(body))
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
    view = await drafting.replace_budget(uow, principal, application_id, lines)
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
    """One step of the workflow (submit, declare_receivable, instruct, request_correction, propose, notify,
    withdraw, reopen…); the step's rules are checked first and the event is kept. A file is submitted by the
    call's closing day, a late one by a pilot with the reason of the exception; a notification gives the
    date of its letter (`notifiedOn`). No move decides: the last financer's decision does."""
    view = await workflow.move(
        uow, principal, application_id, Transition(body.transition), body.reason, body.notified_on
    )
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
    """A financer's line while it is instructed: its opinion and proposed amount (0 ≤ proposed ≤ requested;
    a comité's agreed amount no longer changes); the decision is the financer's act (…/decision).
    If-Match with the application's ETag is required."""
    converters: dict[str, Any] = {
        "proposed": lambda value: ("proposed_cents", cents_of(value, "proposed")),
        "opinion": lambda value: ("opinion", Opinion(value)),
        "opinion_comment": lambda value: ("opinion_comment", value),
    }
    changes = dict(
        converters[name](getattr(body, name)) for name in body.model_fields_set if getattr(body, name) is not None
    )
    view = await financing.set_financing_line(uow, principal, application_id, institution_id, changes)
    return _answer(view, response)


@router.post(
    "/applications/{application_id}/financing-lines/{institution_id}/decision",
    operation_id="decide_financing_line",
    response_model=ApplicationRead,
    dependencies=[conditional(read_at="/applications/{application_id}")],
)
async def decide_financing_line(
    uow: Uow,
    response: Response,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    body: FinancingLineDecision,
    principal: Annotated[Principal, Depends(authorize(DECIDE_LINES))],
) -> ApplicationRead:
    """The financer's decision of its own line by its own act (arrêté or Dauphin decision for the State, a
    board's deliberation for the CAF or the Département): kept beside the amount the comité proposed, which
    it may differ from. The last financer's decision decides the application. If-Match: the application's
    ETag."""
    deciding = Deciding(
        decision=LineDecision(body.decision),
        decided_cents=None if body.amount is None else cents_of(body.amount, "amount"),
        act=DecisionAct(ActKind(body.act_kind), body.act_number, body.decided_on),
        chorus_commitment=body.chorus_commitment,
    )
    view = await financing.decide_line(uow, principal, application_id, institution_id, deciding)
    return _answer(view, response)
