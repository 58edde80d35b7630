"""Consultations: campaigns with targets, a fixed question set plus questions per territory, anonymous
answers captured offline and synced idempotently, and contact consent kept apart from the answers (the
contract's "concertation citoyenne dans les quartiers": 002_…txt l. 1465; the guide's "recueil de la parole
des habitants": 001_…txt l. 16 and 69).

An answer carries no identity and no link to a contact: a person who agrees to be contacted again leaves
a contact in a separate list, so the answers stay anonymous whatever is done with the contacts (RGPD
art. 25, data protection by design; the contact is kept on its consent, art. 6.1.a and 7).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from identity.principal import Principal, Role
from services.participation.bodies.domain import pilots_contract
from services.participation.errors import RuleViolationError, raise_broken


class QuestionKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    SCALE = "scale"  # 1 to 5


SCALE = frozenset({"1", "2", "3", "4", "5"})


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: str
    kind: QuestionKind
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Targets:
    interviews: int | None = None
    events: int | None = None
    neighbourhoods: int | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    questions: tuple[Question, ...]
    territory_questions: Mapping[str, tuple[Question, ...]] = field(default_factory=dict)

    def questions_for(self, qpv_code: str | None) -> dict[str, Question]:
        asked = {question.code: question for question in self.questions}
        if qpv_code is not None:
            asked |= {question.code: question for question in self.territory_questions.get(qpv_code, ())}
        return asked


def check_campaign(questions: Sequence[Question], territory_questions: Mapping[str, Sequence[Question]]) -> None:
    """The questions' codes are unique (the common ones and each territory's), and a choice offers two choices:
    every broken rule named at once."""
    broken: list[RuleViolationError] = []
    codes = [question.code for question in questions]
    for qpv_code, extra in territory_questions.items():
        field = f"territory_questions/{qpv_code}"
        clash = sorted({question.code for question in extra} & set(codes))
        codes_here = [question.code for question in extra]
        if clash:
            broken.append(RuleViolationError(field, "question-codes-unique", "codes already used: " + ", ".join(clash)))
        elif len(set(codes_here)) != len(codes_here):
            broken.append(RuleViolationError(field, "question-codes-unique", "a code is repeated"))
    if len(set(codes)) != len(codes):
        broken.append(RuleViolationError("questions", "question-codes-unique", "a question code is repeated"))
    broken.extend(
        RuleViolationError(f"questions/{position}/choices", "choices", "a choice question offers 2 choices")
        for position, question in enumerate(questions)
        if question.kind is QuestionKind.CHOICE and len(question.choices) < 2
    )
    raise_broken(broken)


def check_answers(campaign: Campaign, qpv_code: str | None, answers: Mapping[str, str]) -> InterviewProblem | None:
    """None if the answers fit the questions asked in that territory; else the first problem, named."""
    asked = campaign.questions_for(qpv_code)
    for code, value in answers.items():
        question = asked.get(code)
        if question is None:
            return InterviewProblem("not a question of this campaign here", code=code)
        if question.kind is QuestionKind.CHOICE and value not in question.choices:
            return InterviewProblem("not one of the choices", code=code)
        if question.kind is QuestionKind.SCALE and value not in SCALE:
            return InterviewProblem("a scale answer is 1 to 5", code=code)
    return None


@dataclass(frozen=True, slots=True)
class Progress:
    interviews: int
    events: int
    neighbourhoods: int
    targets: Targets

    @property
    def reached(self) -> dict[str, bool | None]:
        def against(done: int, target: int | None) -> bool | None:
            return None if target is None else done >= target

        return {
            "interviews": against(self.interviews, self.targets.interviews),
            "events": against(self.events, self.targets.events),
            "neighbourhoods": against(self.neighbourhoods, self.targets.neighbourhoods),
        }


@dataclass(frozen=True, slots=True)
class Consultation:
    consultation_id: uuid.UUID
    contract_code: str
    title: str
    starts_on: date
    ends_on: date
    campaign: Campaign
    targets: Targets


@dataclass(frozen=True, slots=True)
class Contact:
    contact: str
    consent_text: str
    consented_on: date


@dataclass(frozen=True, slots=True)
class Interview:
    client_id: uuid.UUID
    captured_on: date
    qpv_code: str | None
    neighbourhood: str | None
    event: str | None
    answers: Mapping[str, str]
    contact_client_id: uuid.UUID | None
    contact: str | None
    consent_text: str | None


@dataclass(frozen=True, slots=True)
class InterviewProblem:
    """Why an interview is refused: the interview's field (as Python names it) or, for an answer, the
    question's code (as the campaign spells it), and what is wrong."""

    message: str
    field: str | None = None
    code: str | None = None


class SyncStatus(StrEnum):
    STORED = "stored"
    ALREADY = "already"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    client_id: uuid.UUID
    status: SyncStatus
    problem: InterviewProblem | None = None


@dataclass(frozen=True, slots=True)
class QuestionFigures:
    code: str
    kind: QuestionKind
    answered: int
    counts: dict[str, int]  # per choice or scale value; empty for free text


def check_campaign_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise RuleViolationError("ends_on", "after-start", "a campaign ends on or after the day it starts")


def check_territories(territory_questions: Collection[str], contract_qpv_codes: Collection[str]) -> None:
    outside = sorted(set(territory_questions) - set(contract_qpv_codes))
    if outside:
        raise RuleViolationError(
            "territory_questions", "qpv-of-contract", "QPV not covered by the contract: " + ", ".join(outside)
        )


def interview_problem(
    consultation: Consultation, qpv_codes: Collection[str], item: Interview
) -> InterviewProblem | None:
    """None if the interview can be stored; else its first problem. Each interview is judged on its own."""
    if not consultation.starts_on <= item.captured_on <= consultation.ends_on:
        return InterviewProblem("outside the campaign's dates", field="captured_on")
    if item.qpv_code is not None and item.qpv_code not in qpv_codes:
        return InterviewProblem("not a QPV of the contract", field="qpv_code")
    if (item.contact is None) != (item.consent_text is None) or (item.contact is None) != (
        item.contact_client_id is None
    ):
        return InterviewProblem("a contact comes with its own id and the consent text agreed to", field="contact")
    if item.contact_client_id is not None and item.contact_client_id == item.client_id:
        return InterviewProblem("its id differs from the answer's, so that they cannot be linked", field="contact")
    return check_answers(consultation.campaign, item.qpv_code, item.answers)


def sync_outcomes(
    items: Iterable[Interview], problems: Iterable[InterviewProblem | None], stored: Collection[uuid.UUID]
) -> list[SyncOutcome]:
    """Each interview's outcome: rejected with its problem, stored now, or already there (sent before, or
    twice in one batch: the second copy is `already`)."""
    outcomes, reported = [], set()
    for item, problem in zip(items, problems, strict=True):
        if problem is not None:
            outcomes.append(SyncOutcome(item.client_id, SyncStatus.REJECTED, problem))
            continue
        fresh = item.client_id in stored and item.client_id not in reported
        reported.add(item.client_id)
        outcomes.append(SyncOutcome(item.client_id, SyncStatus.STORED if fresh else SyncStatus.ALREADY))
    return outcomes


def question_results(campaign: Campaign, counts: Iterable[tuple[str, str, int]]) -> list[QuestionFigures]:
    """How many answered each question asked anywhere, and the counts per choice or scale value."""
    answers = list(counts)
    asked = list(campaign.questions) + [item for items in campaign.territory_questions.values() for item in items]
    figures = []
    for question in asked:
        mine = {value: count for code, value, count in answers if code == question.code}
        counted = {} if question.kind is QuestionKind.TEXT else dict(sorted(mine.items()))
        figures.append(QuestionFigures(question.code, question.kind, sum(mine.values()), counted))
    return figures


def runs_campaigns(caller: Principal) -> bool:
    """Campaigns are run in the field by pilots, communes and the bodies' facilitators."""
    return caller.is_platform_admin or bool({Role.CONTRACT_PILOT, Role.COMMUNE, Role.BODY_FACILITATOR} & caller.roles)


def reads_contacts(caller: Principal, contract_code: str) -> bool:
    """The contacts left for follow-up are read by the contract's pilots only."""
    return pilots_contract(caller, contract_code)
