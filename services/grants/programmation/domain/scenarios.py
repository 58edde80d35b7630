"""A call's what-if scenarios, the comité des financeurs that freezes one into each financer's proposal,
and who reads and programmes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from identity.principal import Principal
from services.grants.errors import ForbiddenMoveError, NotEditableError
from services.grants.programmation.domain.portfolio import PortfolioCheck
from services.grants.roles import INSTRUCTORS, PARTNERS


class ScenarioStatus(StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"  # by the comité des financeurs: its amounts are the financers' proposals


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if programmation of a call: proposed amounts per application and financer."""

    scenario_id: uuid.UUID
    call_id: uuid.UUID
    contract_code: str
    name: str
    status: ScenarioStatus
    version: int


@dataclass(frozen=True, slots=True)
class ScenarioView:
    """A scenario, its amounts ((application, financer) → cents) and its rules evaluated on them now."""

    scenario: Scenario
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int]
    check: PortfolioCheck
    codes: dict[uuid.UUID, str]  # the financers' codes
    titles: dict[uuid.UUID, str]  # the applications' titles

    @property
    def can_freeze(self) -> bool:
        return self.scenario.status is ScenarioStatus.DRAFT and not self.check.blocking


def check_freezable(scenario: Scenario, already: str) -> None:
    """A frozen scenario is the comité's decision: it does not change."""
    if scenario.status is not ScenarioStatus.DRAFT:
        raise NotEditableError(already)


@dataclass(frozen=True, slots=True)
class Committee:
    """The comité des financeurs that froze a scenario into the financers' proposals: co-chaired by the
    State and the EPCI (the contract, line 2095), named by institutions (no personal names)."""

    committee_id: uuid.UUID
    held_on: date
    co_chairs: list[str]
    attendees: list[str]


def reads_programmation(actor: Principal, contract_code: str) -> bool:
    """The contract's pilots, the State, the co-financers and the auditors read its programmation."""
    return actor.works_on(contract_code) and bool(actor.roles & PARTNERS)


def check_programmer(actor: Principal, what: str) -> None:
    """The contract's pilots and the State programme a call (envelopes, rules, scenarios, the comité)."""
    if not actor.roles & INSTRUCTORS:
        raise ForbiddenMoveError(f"only the contract's pilots and the State change the {what}")
