"""The wire of consultation campaigns: questions and targets, answers synced from the field, results."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kit.api_models import ApiInput, ApiModel
from services.participation.schemas import ContractCode, ProgressRead, QpvCode, Title

QuestionCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]


AnswerText = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class QuestionModel(ApiInput):
    code: QuestionCode
    text: Annotated[str, StringConstraints(min_length=2, max_length=1000)]
    kind: Literal["text", "choice", "scale"]
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=30
    )


class TargetsModel(ApiInput):
    interviews: int | None = Field(default=None, ge=0, le=1_000_000)
    events: int | None = Field(default=None, ge=0, le=10_000)
    neighbourhoods: int | None = Field(default=None, ge=0, le=1_000)


class ConsultationCreate(ApiInput):
    contract_code: ContractCode
    title: Title
    starts_on: date
    ends_on: date
    questions: list[QuestionModel] = Field(min_length=1, max_length=100)
    territory_questions: dict[QpvCode, list[QuestionModel]] = Field(
        default_factory=dict, max_length=50, description="Questions asked only in one QPV"
    )
    targets: TargetsModel = Field(default_factory=TargetsModel)


class QuestionRead(ApiModel):
    code: str
    text: str
    kind: str
    choices: list[str]


class ConsultationRead(ApiModel):
    id: uuid.UUID
    contract_code: str
    title: str
    starts_on: date
    ends_on: date
    questions: list[QuestionRead]
    territory_questions: dict[str, list[QuestionRead]]
    targets: dict[str, int | None]
    progress: ProgressRead


class InterviewModel(ApiInput):
    client_id: uuid.UUID = Field(description="Made by the device: sending the interview again changes nothing")
    captured_on: date
    qpv_code: QpvCode | None = None
    neighbourhood: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Where, when not in a QPV (a quartier de veille, a town centre)"
    )
    event: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    answers: dict[QuestionCode, AnswerText] = Field(max_length=100)
    contact_client_id: uuid.UUID | None = Field(default=None, description="Another device-made id, for the contact")
    contact: Annotated[str, StringConstraints(min_length=3, max_length=300)] | None = Field(
        default=None, description="Kept apart from the answers, only with consent"
    )
    consent_text: Annotated[str, StringConstraints(min_length=10, max_length=2000)] | None = None


class AnswersSync(ApiInput):
    interviews: list[InterviewModel] = Field(min_length=1, max_length=2000)


class SyncOutcomeRead(ApiModel):
    client_id: uuid.UUID
    status: Literal["stored", "already", "rejected"]
    problem: str | None


class QuestionResult(ApiModel):
    code: str
    kind: str
    answered: int
    counts: dict[str, int] = Field(description="Per choice or scale value; empty for free text")


class ConsultationResults(ApiModel):
    consultation_id: uuid.UUID
    questions: list[QuestionResult]


class ContactRead(ApiModel):
    contact: str
    consent_text: str
    consented_on: date
