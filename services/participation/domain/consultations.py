"""Consultations: campaigns with targets, a fixed question set plus questions per territory, anonymous
answers captured offline and synced idempotently, and contact consent kept apart from the answers.

An answer carries no identity and no link to a contact: a person who agrees to be contacted again leaves
a contact in a separate list, so the answers stay anonymous whatever is done with the contacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from services.participation.errors import RuleViolationError


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
    codes = [question.code for question in questions]
    for qpv_code, extra in territory_questions.items():
        clash = sorted({question.code for question in extra} & set(codes))
        if clash:
            raise RuleViolationError(
                f"territory_questions/{qpv_code}", "question-codes-unique", "codes already used: " + ", ".join(clash)
            )
        codes_here = [question.code for question in extra]
        if len(set(codes_here)) != len(codes_here):
            raise RuleViolationError(f"territory_questions/{qpv_code}", "question-codes-unique", "a code is repeated")
    if len(set(codes)) != len(codes):
        raise RuleViolationError("questions", "question-codes-unique", "a question code is repeated")
    for position, question in enumerate(questions):
        if question.kind is QuestionKind.CHOICE and len(question.choices) < 2:
            raise RuleViolationError(f"questions/{position}/choices", "choices", "a choice question offers 2 choices")


def check_answers(campaign: Campaign, qpv_code: str | None, answers: Mapping[str, str]) -> str | None:
    """None if the answers fit the questions asked in that territory; else the first problem, named."""
    asked = campaign.questions_for(qpv_code)
    for code, value in answers.items():
        question = asked.get(code)
        if question is None:
            return f"{code}: not a question of this campaign here"
        if question.kind is QuestionKind.CHOICE and value not in question.choices:
            return f"{code}: not one of the choices"
        if question.kind is QuestionKind.SCALE and value not in SCALE:
            return f"{code}: a scale answer is 1 to 5"
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
