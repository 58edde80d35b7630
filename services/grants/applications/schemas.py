"""The applications' wire: what an operator writes, the CERFA budget, the workflow's moves, a financer's
line, and the application as it reads back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import (
    BeneficiariesModel,
    BeneficiariesRead,
    BudgetAccount,
    ChorusNumber,
    LongText,
    Money,
    Title,
)

QpvCode = Annotated[str, StringConstraints(pattern=r"^Q[A-Z0-9]{5,9}$")]
CommuneCode = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")]


ZoneCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]


class VenueInput(ApiInput):
    """One place where the action is held: exactly one of a QPV of the contract, a commune, an address."""

    qpv_code: QpvCode | None = None
    code_commune: CommuneCode | None = None
    label: Title | None = Field(default=None, description="An address or a place's name")


class VenueRead(ApiModel):
    qpv_code: str | None
    code_commune: str | None
    label: str | None


class ApplicationWrite(ApiInput):
    title: Title
    description: LongText | None = None
    primary_objective_id: uuid.UUID | None = None
    other_objective_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    qpv_codes: list[QpvCode] = Field(
        default_factory=list,
        max_length=20,
        description="The QPVs whose residents the action serves (wherever it is held); empty: it serves no QPV",
    )
    codes_communes: list[CommuneCode] = Field(default_factory=list, max_length=50)
    venues: list[VenueInput] = Field(
        default_factory=list, max_length=20, description="Where the action takes place (not whom it serves)"
    )
    served_vulnerability_zones: list[ZoneCode] = Field(
        default_factory=list,
        max_length=20,
        description="Codes of the contract's official vulnerability zones it serves (territories' /vulnerability-zones)"
        "; with no QPV served, its P147 credits count under the 2.5 % cap",
    )
    beneficiaries: BeneficiariesModel = Field(default_factory=BeneficiariesModel)
    starts_on: date | None = None
    ends_on: date | None = Field(default=None, description="May fall in the next year")
    multi_year: bool = False
    previous_application_id: uuid.UUID | None = Field(default=None, description="Renewal of this application")
    dauphin_number: Annotated[str, StringConstraints(min_length=3, max_length=30)] | None = None


class ApplicationCreate(ApplicationWrite):
    call_id: uuid.UUID
    operator_id: uuid.UUID
    action_id: uuid.UUID | None = Field(default=None, description="The action renewed; absent: a new action")


class BudgetLineInput(ApiInput):
    account: BudgetAccount
    label: Title
    amount: Money = Field(description="Whole euros (the CERFA takes no cents)")
    institution_id: uuid.UUID | None = Field(default=None, description="The financer of a 74 line")


class BudgetInput(ApiInput):
    lines: list[BudgetLineInput] = Field(max_length=200)


Move = Literal[
    "submit", "declare_receivable", "declare_not_receivable", "instruct", "request_correction",
    "propose", "notify", "withdraw", "reopen",
]  # fmt: skip


class TransitionInput(ApiInput):
    transition: Move = Field(
        description="An application is decided when every financer has decided its line (no move decides it)"
    )
    reason: LongText | None = Field(
        default=None, description="Required to refuse, correct, withdraw, reopen, and for a pilot's late-file exception"
    )
    notified_on: date | None = Field(default=None, description="notify: the date of the notification letter")


class FinancingLineUpdate(ApiInput):
    proposed: Money | None = None
    opinion: Literal["favourable", "unfavourable", "reserved"] | None = None
    opinion_comment: LongText | None = None


ActNumber = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class FinancingLineDecision(ApiInput):
    """A financer's decision of its own line, by its own act."""

    decision: Literal["granted", "refused", "no_follow_up"]
    amount: Money | None = Field(default=None, description="Granted: above 0, at most requested; else 0 or absent")
    act_kind: Literal["arrete", "deliberation", "dauphin_decision"] = Field(
        description="arrete or dauphin_decision (the State's), deliberation (a board's: CAF, Département…)"
    )
    act_number: ActNumber | None = Field(default=None, description="Required for an arrêté or a deliberation")
    decided_on: date = Field(description="The date of the act")
    chorus_commitment: ChorusNumber | None = Field(
        default=None, description="The Chorus engagement juridique (EJ), when the act gives one"
    )


class BudgetLineRead(ApiModel):
    account: str
    label: str
    amount: str
    institution_id: uuid.UUID | None


class BudgetRead(ApiModel):
    lines: list[BudgetLineRead]
    total_charges: str
    total_products: str
    in_kind_uses: str
    in_kind_resources: str
    balanced: bool


class FinancingLineRead(ApiModel):
    institution_id: uuid.UUID
    institution_code: str
    institution_nom: str
    cerfa_subline: str
    requested: str
    proposed: str | None
    decided: str | None
    opinion: str | None
    opinion_comment: str | None
    decision: str | None
    committee_id: uuid.UUID | None = Field(description="The comité des financeurs that agreed the proposed amount")
    act_kind: str | None = Field(description="The act that decided the line (None: recorded before acts were kept)")
    act_number: str | None
    decided_on: date | None = Field(description="The date of the act that decided the line")
    chorus_commitment: str | None


class EventRead(ApiModel):
    at: datetime
    actor: str
    actor_institution: str | None
    transition: str
    from_state: str
    to_state: str
    reason: str | None


class ApplicationSummary(ApiModel):
    id: uuid.UUID
    action_id: uuid.UUID
    operator_id: uuid.UUID
    year: int
    title: str
    state: str
    outcome: str | None
    qpv_codes: list[str] = Field(description="The QPVs whose residents the action serves")
    hors_qpv: bool = Field(description="Serves no QPV (qpvCodes empty)")
    served_vulnerability_zones: list[str]
    counted_in_vulnerability_cap: bool = Field(
        description="Serves vulnerability zones and no QPV: its P147 credits count under the 2.5 % cap"
    )
    version: int


class ApplicationRead(ApplicationSummary):
    call_id: uuid.UUID
    contract_code: str
    description: str | None
    primary_objective_id: uuid.UUID | None
    other_objective_ids: list[uuid.UUID]
    codes_communes: list[str]
    venues: list[VenueRead]
    beneficiaries: BeneficiariesRead
    starts_on: date | None
    ends_on: date | None
    multi_year: bool
    renewal: bool
    previous_application_id: uuid.UUID | None
    dauphin_number: str | None
    dauphin_normalised: str | None
    notified_on: date | None = Field(description="The date of the notification letter")
    budget: BudgetRead
    financing_lines: list[FinancingLineRead]
    events: list[EventRead]
