"""HTTP routes of the signatories and their engagement sheets: read, written, read by the public."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Path, Query, Response, status

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.api_models import plain_decimal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.money import euros
from kit.pagination import Page, PageRequest, page_request
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import locate_created, platform_router
from services.grants.clients.territories import TerritoryReferences
from services.grants.engagements.domain.sheets import (
    Agent,
    Commitment,
    Figures,
    Intervention,
    Means,
    ObjectiveRef,
    SheetContent,
    Staff,
)
from services.grants.engagements.domain.signatories import Basis, Signatory, SignatoryKind
from services.grants.engagements.schemas import (
    AgentPublicRead,
    AgentRead,
    CommitmentRead,
    EngagementSheetPublicRead,
    EngagementSheetRead,
    EngagementSheetWrite,
    FiguresRead,
    FiguresWrite,
    InterventionModel,
    MeansRead,
    ObjectiveRefRead,
    SignatoryCreate,
    SignatoryRead,
    StaffRead,
)
from services.grants.engagements.use_cases import sheets, views
from services.grants.engagements.use_cases.sheets import SheetView
from services.grants.policies import EDIT_ENGAGEMENTS, OPEN_DATA, PILOT_CONTRACT, READ_GRANTS
from services.grants.schemas import ContractCode, cents_of

router = platform_router(["engagements"], authenticated=True, writes=True)
public_router = platform_router(["open data"], authenticated=False)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Year = Annotated[int, Path(ge=2000, le=2100)]
YearQuery = Annotated[int, Query(ge=2000, le=2100)]
Reader = Annotated[Principal, Depends(authorize(READ_GRANTS))]
SHEET = "/signatories/{signatory_id}/engagement-sheets/{year}"


def _signatory(item: Signatory) -> SignatoryRead:
    return SignatoryRead(
        id=item.signatory_id,
        contract_code=item.contract_code,
        code=item.code,
        nom=item.nom,
        kind=item.kind,
        basis=item.basis,
        source_lines=list(item.source_lines),
        institution_id=item.institution_id,
        institution_code=item.institution_code,
        code_insee=item.code_insee,
    )


def _figures(figures: Figures | None) -> FiguresRead | None:
    if figures is None:
        return None
    amount = None if figures.amount_cents is None else euros(figures.amount_cents)
    etp = None if figures.etp is None else plain_decimal(figures.etp)
    return FiguresRead(amount=amount, actions=figures.actions, etp=etp)


def _ref(ref: ObjectiveRef) -> ObjectiveRefRead:
    return ObjectiveRefRead(
        code=ref.code,
        objective_id=ref.objective_id,
        label=ref.label,
        status=ref.status,
        resolved_objective_id=ref.resolved_id,
        tree_label=ref.tree_label,
        reason=ref.reason,
    )


def _base(view: SheetView) -> dict[str, object]:
    sheet, content = view.sheet, view.sheet.content
    return {
        "id": sheet.sheet_id,
        "contract_code": sheet.contract_code,
        "signatory_id": sheet.signatory_id,
        "signatory_code": view.signatory.code,
        "signatory_nom": view.signatory.nom,
        "year": sheet.year,
        "version": sheet.version,
        "is_fictitious": content.is_fictitious,
        "source": content.source,
        "interventions": [
            InterventionModel(key=item.key, title=item.title, description=item.description)
            for item in content.interventions
        ],
        "qpv_codes": list(content.qpv_codes),
        "vulnerability_zones": list(content.vulnerability_zones),
        "commitments": [
            CommitmentRead(
                key=item.key,
                text=item.text,
                continuity=item.continuity,
                objectives=[_ref(ref) for ref in item.objectives],
            )
            for item in content.commitments
        ],
        "unresolved_objectives": len(sheet.unresolved),
        "means": [
            MeansRead(
                key=item.key,
                label=item.label,
                year=item.year,
                declared=_figures(item.declared) or FiguresRead(amount=None, actions=None, etp=None),
                realised=_figures(item.realised),
            )
            for item in content.means
        ],
        "staff": [StaffRead(function=item.function, etp=plain_decimal(item.etp)) for item in content.staff],
        "total_etp": plain_decimal(sum((item.etp for item in content.staff), Decimal(0))),
    }


def _sheet(view: SheetView) -> EngagementSheetRead:
    agents = [
        AgentRead(function=agent.function, name=agent.name if view.personal else None)
        for agent in view.sheet.content.agents
    ]
    return EngagementSheetRead.model_validate({**_base(view), "agents": agents})


def _public(view: SheetView) -> EngagementSheetPublicRead:
    agents = [AgentPublicRead(function=agent.function) for agent in view.sheet.content.agents]
    return EngagementSheetPublicRead.model_validate({**_base(view), "agents": agents})


def _figures_of(figures: FiguresWrite, where: str) -> Figures:
    amount = None if figures.amount is None else cents_of(figures.amount, f"{where}/amount")
    return Figures(amount, figures.actions, figures.etp)


def _content(body: EngagementSheetWrite) -> SheetContent:
    return SheetContent(
        interventions=tuple(Intervention(item.key, item.title, item.description) for item in body.interventions),
        qpv_codes=tuple(body.qpv_codes),
        vulnerability_zones=tuple(body.vulnerability_zones),
        agents=tuple(Agent(item.function, item.name) for item in body.agents),
        commitments=tuple(
            Commitment(
                item.key,
                item.text,
                item.continuity,
                tuple(ObjectiveRef(ref.code, ref.objective_id, ref.label) for ref in item.objectives),
            )
            for item in body.commitments
        ),
        means=tuple(
            Means(
                item.key,
                item.label,
                item.year,
                _figures_of(item.declared, f"means/{position}/declared"),
                None if item.realised is None else _figures_of(item.realised, f"means/{position}/realised"),
            )
            for position, item in enumerate(body.means)
        ),
        staff=tuple(Staff(item.function, item.etp) for item in body.staff),
        source=body.source,
    )


@public_router.get(
    "/signatories",
    operation_id="list_signatories",
    response_model=Page[SignatoryRead],
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def list_signatories(
    uow: Uow,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
) -> Page[SignatoryRead]:
    """The contract's signatories (public): those it names, and the slots it counts without naming them
    (`basis: unnamed`, `nom: null`), so that `total` is the number of co-signatories the contract states."""
    found, total = await views.list_signatories(uow, contract_code, page)
    return Page(items=[_signatory(item) for item in found], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/signatories", operation_id="register_signatory", response_model=SignatoryRead, status_code=status.HTTP_201_CREATED
)
async def register_signatory(
    uow: Uow,
    registry: Annotated[ContractRegistry, Depends(request_contract_registry)],
    body: SignatoryCreate,
    response: Response,
    principal: Annotated[Principal, Depends(authorize(PILOT_CONTRACT))],
) -> SignatoryRead:
    """Register a named signatory of the contract (pilots), linked to its financer where it is one."""
    signatory = Signatory(
        signatory_id=uuid.uuid4(),
        contract_code=body.contract_code,
        code=body.code,
        nom=body.nom,
        kind=SignatoryKind(body.kind),
        basis=Basis.NAMED,
        source_lines=tuple(body.source_lines),
        institution_code=body.institution_code,
        code_insee=body.code_insee,
    )
    created = await views.register_signatory(uow, registry, principal, signatory)
    locate_created(response, f"signatories?contractCode={created.contract_code}")
    return _signatory(created)


@router.get("/engagement-sheets", operation_id="list_engagement_sheets", response_model=Page[EngagementSheetRead])
async def list_engagement_sheets(
    uow: Uow,
    principal: Reader,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    signatory_id: Annotated[uuid.UUID | None, Query(alias="signatoryId")] = None,
) -> Page[EngagementSheetRead]:
    """The signatories' engagement sheets (by year, then signatory). Agents' names are given to the
    contract's pilots and to each signatory's own users for its sheets; null for other readers."""
    found, total = await sheets.list_sheets(uow, principal, contract_code, year, signatory_id, page)
    return Page(items=[_sheet(item) for item in found], total=total, limit=page.limit, offset=page.offset)


@public_router.get(
    "/open-data/engagement-sheets",
    operation_id="public_engagement_sheets",
    response_model=Page[EngagementSheetPublicRead],
    dependencies=[Depends(authorize(OPEN_DATA))],
)
async def public_engagement_sheets(
    uow: Uow,
    contract_code: Annotated[ContractCode, Query(alias="contractCode")],
    page: Annotated[PageRequest, Depends(page_request)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[EngagementSheetPublicRead]:
    """The engagement sheets as anyone reads them (public): agents by function, never by name."""
    found, total = await sheets.list_sheets(uow, None, contract_code, year, None, page)
    return Page(items=[_public(item) for item in found], total=total, limit=page.limit, offset=page.offset)


@router.get(SHEET, operation_id="get_engagement_sheet", response_model=EngagementSheetRead)
async def get_engagement_sheet(
    uow: Uow, response: Response, signatory_id: uuid.UUID, year: Year, principal: Reader
) -> EngagementSheetRead:
    """A signatory's sheet of a year, with its ETag (for `PUT`)."""
    view = await sheets.get_sheet(uow, principal, signatory_id, year)
    response.headers["ETag"] = sheets.sheet_etag(view.sheet)
    return _sheet(view)


@router.put(SHEET, operation_id="write_engagement_sheet", response_model=EngagementSheetRead)
async def write_engagement_sheet(
    uow: Uow,
    response: Response,
    references: TerritoryReferences,
    signatory_id: uuid.UUID,
    year: Year,
    body: EngagementSheetWrite,
    principal: Annotated[Principal, Depends(authorize(EDIT_ENGAGEMENTS))],
) -> EngagementSheetRead:
    """Write a signatory's sheet of a year, whole (its own users, or the contract's pilots; another
    signatory's user: 403 `own-signatory-sheet`). No If-Match to create it; the ETag read to replace it.
    QPV codes are checked against the contract's generation (territories); each objective is resolved
    against the contract's tree: one the tree lacks is kept and reported (`status: unresolved`, `reason`),
    one of another contract's tree is refused (422 `objective-of-contract`). Every broken rule at once."""
    view = await sheets.write_sheet(uow, references, principal, signatory_id, year, _content(body))
    response.headers["ETag"] = sheets.sheet_etag(view.sheet)
    return _sheet(view)
