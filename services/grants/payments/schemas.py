"""The payments' wire: a financer's tranches, a payment, a failure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from kit.api_models import ApiInput, ApiModel
from services.grants.schemas import ChorusNumber, LongText, Money


class TrancheInput(ApiInput):
    kind: Literal["single", "advance", "instalment", "balance"]
    amount: Money | None = Field(default=None, description="Every tranche an amount (adding up to the decided)…")
    weight: Annotated[StrictInt, Field(ge=0, le=1000)] | None = Field(
        default=None, description="…or every tranche a weight: the decided amount is split, largest remainders first"
    )
    planned_on: date | None = None


class TranchePlanInput(ApiInput):
    tranches: list[TrancheInput] = Field(min_length=1, max_length=24)


class PaymentInput(ApiInput):
    amount: Money
    paid_on: date
    chorus_commitment: ChorusNumber | None = Field(default=None, description="Chorus engagement juridique (EJ)")
    chorus_payment: ChorusNumber | None = Field(default=None, description="Chorus demande de paiement (DP)")
    override_reason: LongText | None = Field(
        default=None, description="Pays although a gate is not met (previous report, credits); kept and audited"
    )


class FailureInput(ApiInput):
    reason: LongText


class TrancheRead(ApiModel):
    id: uuid.UUID
    application_id: uuid.UUID
    institution_id: uuid.UUID
    position: int
    kind: str
    planned: str
    planned_on: date | None
    status: Literal["planned", "paid", "failed", "replaced"]
    paid: str | None
    paid_on: date | None
    chorus_commitment: str | None
    chorus_payment: str | None
    overridden_gates: list[str]
    override_reason: str | None
    failure_reason: str | None
    replaces: uuid.UUID | None
