"""The programmation's wire: envelopes, portfolio rules, scenarios and their checks, the comité, the
programmation's table and its totals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import Money, Title, TotalRead

Rate = Annotated[str, StringConstraints(pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$")]


InstitutionCodeText = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]


class EnvelopeWrite(ApiInput):
    amount: Money
    departmental_amount: Money | None = Field(
        default=None, description="State P147 only: the departmental envelope the 2.5 % hors-QPV cap applies to"
    )


class EnvelopeRead(ApiModel):
    institution_id: uuid.UUID
    amount: str
    departmental_amount: str | None


class PortfolioRulesModel(ApiInput):
    hors_qpv_cap: Rate = "0.025"
    degressivity_rate: Rate = "0"
    new_actions_target: Rate = "0.30"
    cohesion_target: Rate = "0.50"


class PortfolioRulesRead(ApiModel):
    hors_qpv_cap: str
    degressivity_rate: str
    new_actions_target: str
    cohesion_target: str


class ScenarioCreate(ApiInput):
    call_id: uuid.UUID
    name: Title


class ScenarioAmountInput(ApiInput):
    application_id: uuid.UUID
    institution_id: uuid.UUID
    amount: Money


class ScenarioAmountsInput(ApiInput):
    amounts: list[ScenarioAmountInput] = Field(max_length=5000, description="At most 5 000 per request (1 MiB)")


class FreezeInput(ApiInput):
    held_on: date
    co_chairs: list[InstitutionCodeText] = Field(min_length=1, max_length=5, description="Institution codes")
    attendees: list[InstitutionCodeText] = Field(default_factory=list, max_length=50, description="Institution codes")


class ScenarioAmountRead(ApiModel):
    application_id: uuid.UUID
    title: str
    institution_id: uuid.UUID
    institution_code: str
    amount: str


class ConsumptionRead(ApiModel):
    institution_id: uuid.UUID
    institution_code: str
    used: str
    envelope: str | None
    share: str | None


class FindingRead(ApiModel):
    rule: str
    message: str
    application_id: uuid.UUID | None


class PortfolioCheckRead(ApiModel):
    consumption: list[ConsumptionRead]
    p147_total: str
    hors_qpv_amount: str = Field(
        description="P147 credits of actions serving vulnerability zones and no QPV (those under the 2.5 % cap)"
    )
    hors_qpv_base: str | None = Field(description="The departmental P147 envelope")
    hors_qpv_share: str | None
    funded_actions: int
    new_actions: int
    new_actions_share: str | None
    cohesion_amount: str
    cohesion_share: str | None
    leverage: str | None = Field(description="Co-financing per euro of P147")
    blocking: list[FindingRead]
    warnings: list[FindingRead]
    can_freeze: bool


class ScenarioRead(ApiModel):
    id: uuid.UUID
    call_id: uuid.UUID
    name: str
    status: Literal["draft", "frozen"]
    version: int
    amounts: list[ScenarioAmountRead]
    check: PortfolioCheckRead


class CommitteeRead(ApiModel):
    id: uuid.UUID
    held_on: date
    co_chairs: list[str]
    attendees: list[str]


class FrozenRead(ApiModel):
    scenario: ScenarioRead
    committee: CommitteeRead


class ProgrammationLine(ApiModel):
    institution_code: str
    requested: str
    proposed: str | None
    decided: str | None


class ProgrammationRow(ApiModel):
    application_id: uuid.UUID
    title: str
    year: int
    scheme: str
    state: str
    outcome: str | None
    qpv_codes: list[str]
    hors_qpv: bool = Field(description="Serves vulnerability zones and no QPV: counted under the 2.5 % cap")
    operator_id: uuid.UUID
    operator_nom: str
    operator_profile: str
    objective_code: str | None
    pillar: str | None
    financers: list[ProgrammationLine]


class EvaluationFigures(ApiModel):
    applications: int
    funded_actions: int = Field(description="Applications with a decided amount above 0")
    operators: int
    expected_beneficiaries: int


class ProgrammationTotals(ApiModel):
    by_financer: list[TotalRead]
    by_pillar: list[TotalRead]
    by_ambition: list[TotalRead]
    by_theme: list[TotalRead] = Field(description="Nature of the actions: the P147 theme of their primary objective")
    by_year: list[TotalRead]
    by_qpv: list[TotalRead] = Field(
        description="Per QPV served; `hors-QPV`: serving vulnerability zones and no QPV (the 2.5 % cap's credits);"
        " `none`: serving neither a QPV nor an official zone"
    )
    by_operator_profile: list[TotalRead]
    figures: EvaluationFigures


class KeptSumsRebuiltRead(ApiModel):
    contract_code: str = Field(description="The contract whose kept sums were rebuilt")
    differing_keys: int = Field(description="Sums (per year, objective, operator, QPV, financer) that differed")
    mismarked_lines: int = Field(description="Financing lines marked with a liveness their application did not have")


class KeptItemsRewrittenRead(ApiModel):
    contract_code: str
    items: int = Field(description="Its applications whose kept programmation item differed from their rows")


class KeptSumsCheckRead(ApiModel):
    contracts: int = Field(description="How many contracts with live applications were checked")
    rebuilt: list[KeptSumsRebuiltRead] = Field(description="The contracts whose kept sums differed, now rebuilt")
    items_rewritten: list[KeptItemsRewrittenRead] = Field(
        description="The contracts whose kept programmation items differed, now written again"
    )
