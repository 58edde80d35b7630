"""The signatories' and engagement sheets' wire."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from kit.api_models import ApiInput, ApiModel
from services.grants.engagements.domain.comparison import Change
from services.grants.engagements.domain.sheets import Resolution
from services.grants.engagements.domain.signatories import Basis, SignatoryKind
from services.grants.schemas import ContractCode, Count, LongText, Money, Title

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]
QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
Label = Annotated[str, StringConstraints(min_length=2, max_length=300, strip_whitespace=True)]
Etp = Annotated[Decimal, Field(ge=0, le=10_000, max_digits=7, decimal_places=2)]
ObjectiveCode = Annotated[
    str, StringConstraints(pattern=r"^([A-Z0-9][A-Z0-9-]{2,39}:)?[A-Za-z0-9]{1,20}(/[A-Za-z0-9]{1,20}){0,2}$")
]


class SignatoryRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    code: str
    nom: str | None = Field(description="null: a signatory the contract counts without naming it")
    kind: SignatoryKind
    basis: Basis = Field(
        description="named: the contract names it; obligatory: an obligatory signatory the contract states in "
        "general terms (line 2275), its institution following from where the EPCI lies; unnamed: counted only"
    )
    source_lines: list[int] = Field(description="Lines of the contract (seeds/002…txt) it comes from")
    institution_id: uuid.UUID | None = Field(description="The financer it is, where the contract has one")
    institution_code: str | None
    code_insee: str | None


class SignatoryCreate(ApiInput):
    contract_code: ContractCode
    code: Key
    nom: Title
    kind: Literal["state", "epci", "commune", "departement", "region", "association", "other"]
    institution_code: Key | None = Field(default=None, description="The financer it is (GET /institutions)")
    code_insee: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")] | None = Field(
        default=None, description="A commune's: its users bound to this code speak for it"
    )
    source_lines: list[Annotated[int, Field(ge=1, le=1_000_000)]] = Field(default_factory=list, max_length=20)


class InterventionModel(ApiInput):
    key: Key
    title: Title
    description: LongText | None = None


class AgentWrite(ApiInput):
    function: Label
    name: Label | None = Field(default=None, description="Professional data: read by pilots and the signatory only")


class ObjectiveRefWrite(ApiInput):
    code: ObjectiveCode | None = Field(
        default=None, description="Codes as the sheet writes them: A2/OS3/3A (ambition/strategic/operational)"
    )
    objective_id: uuid.UUID | None = Field(default=None, description="Or the id of a node of the contract's tree")
    label: Label | None = Field(default=None, description="The sheet's own label, compared with the tree's")

    @model_validator(mode="after")
    def _one_reference(self) -> ObjectiveRefWrite:
        if (self.code is None) == (self.objective_id is None):
            raise ValueError("give code or objectiveId, one of them")
        return self


class CommitmentWrite(ApiInput):
    key: Key
    text: LongText
    continuity: Literal["maintained", "new"] | None = Field(
        default=None, description="« dispositifs maintenus, nouvelles orientations »"
    )
    objectives: list[ObjectiveRefWrite] = Field(default_factory=list, max_length=30)


class FiguresWrite(ApiInput):
    amount: Money | None = Field(default=None, description="Euros, a dot before the cents: 12500.50")
    actions: Count | None = None
    etp: Etp | None = Field(default=None, description="Staff in full-time equivalents, e.g. 0.5")


class MeansWrite(ApiInput):
    key: Key
    label: Title
    year: int = Field(ge=2000, le=2100)
    declared: FiguresWrite
    realised: FiguresWrite | None = None


class StaffModel(ApiInput):
    function: Label
    etp: Etp


class EngagementSheetWrite(ApiInput):
    interventions: list[InterventionModel] = Field(default_factory=list, max_length=50)
    qpv_codes: list[QpvCode] = Field(default_factory=list, max_length=30)
    vulnerability_zones: list[Label] = Field(default_factory=list, max_length=30)
    agents: list[AgentWrite] = Field(default_factory=list, max_length=30)
    commitments: list[CommitmentWrite] = Field(default_factory=list, max_length=50)
    means: list[MeansWrite] = Field(default_factory=list, max_length=100)
    staff: list[StaffModel] = Field(default_factory=list, max_length=50)
    source: LongText | None = None


class AgentRead(ApiModel):
    function: str
    name: str | None = Field(description="Given to the contract's pilots and the signatory's own users only")


class AgentPublicRead(ApiModel):
    function: str


class ObjectiveRefRead(ApiModel):
    code: str | None
    objective_id: uuid.UUID | None
    label: str | None
    status: Resolution
    resolved_objective_id: uuid.UUID | None
    tree_label: str | None
    reason: str | None = Field(description="Why it is unresolved: kept as the sheet writes it, never dropped")


class CommitmentRead(ApiModel):
    key: str
    text: str
    continuity: str | None
    objectives: list[ObjectiveRefRead]


class FiguresRead(ApiModel):
    amount: str | None
    actions: int | None
    etp: str | None


class MeansRead(ApiModel):
    key: str
    label: str
    year: int
    declared: FiguresRead
    realised: FiguresRead | None


class StaffRead(ApiModel):
    function: str
    etp: str


class SheetBase(ApiModel):
    id: uuid.UUID
    contract_code: str
    signatory_id: uuid.UUID
    signatory_code: str
    signatory_nom: str | None
    year: int
    version: int
    is_fictitious: bool = Field(description="Demo data, not the signatory's")
    source: str | None
    interventions: list[InterventionModel]
    qpv_codes: list[str]
    vulnerability_zones: list[str]
    commitments: list[CommitmentRead]
    unresolved_objectives: int = Field(description="Objectives the contract's tree lacks as the sheet names them")
    means: list[MeansRead]
    staff: list[StaffRead]
    total_etp: str


class EngagementSheetRead(SheetBase):
    agents: list[AgentRead]


class EngagementSheetPublicRead(SheetBase):
    agents: list[AgentPublicRead]


class SetChangeRead(ApiModel):
    appeared: list[str]
    disappeared: list[str]
    kept: list[str]


class FigureChangeRead(ApiModel):
    key: str
    label: str
    change: Change
    base: str | None = Field(description="Euros for amounts, ETP for staff; null: absent on that side")
    later: str | None


class SignatoryComparisonRead(ApiModel):
    signatory_id: uuid.UUID
    signatory_code: str
    signatory_nom: str | None
    has_base: bool = Field(description="The signatory has a sheet of the base year")
    has_later: bool
    qpv_codes: SetChangeRead
    vulnerability_zones: SetChangeRead
    interventions: SetChangeRead
    commitments: SetChangeRead
    agent_functions: SetChangeRead
    means: list[FigureChangeRead] = Field(description="Droit commun means of each sheet's own year, by key")
    staff: list[FigureChangeRead]
    amount: FigureChangeRead = Field(description="The sheet's droit commun, realised where said, else declared")
    etp: FigureChangeRead


class YearComparisonRead(ApiModel):
    year: int
    against: int
    amount: FigureChangeRead = Field(description="The contract's droit commun on both sides")
    etp: FigureChangeRead
    signatories: list[SignatoryComparisonRead]


class EngagementComparisonRead(ApiModel):
    contract_code: str
    year: int
    comparisons: list[YearComparisonRead] = Field(description="One per later year: N+2 and N+3 by default")


class SignatoryStaffRead(ApiModel):
    signatory_id: uuid.UUID
    signatory_code: str
    signatory_nom: str | None
    institution_code: str | None
    is_fictitious: bool
    total_etp: str
    functions: list[StaffRead]


class EngineeringStaffRead(ApiModel):
    contract_code: str
    year: int
    total_etp: str = Field(description="The contract's engineering staff: the sum of the signatories' sheets")
    signatories: list[SignatoryStaffRead]


class MeansTotalsRead(ApiModel):
    lines: int = Field(description="Means lines of the year")
    realised_lines: int = Field(description="Those whose realised figures are said")
    declared: FiguresRead
    realised: FiguresRead = Field(description="Summed over the realised lines only")


class SignatoryMeansRead(ApiModel):
    signatory_id: uuid.UUID
    signatory_code: str
    signatory_nom: str | None
    is_fictitious: bool
    totals: MeansTotalsRead


class DroitCommunRead(ApiModel):
    contract_code: str
    year: int
    totals: MeansTotalsRead = Field(description="The contract's: the sum of the signatories' sheets of the year")
    signatories: list[SignatoryMeansRead]
