"""Calls for projects: one per contract, year and scheme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.grants.errors import RuleViolationError

# The contract (../shared/seeds/002…txt, line 1411): operators notified by mid-February, within the budget year.
NOTIFICATION_DAY = (2, 15)


class Scheme(StrEnum):
    P147 = "p147"
    QUARTIERS_ETE = "quartiers_ete"
    # The EPCI's own envelope for the communes of its contract, « au titre de la solidarité communautaire »:
    # the CU d'Arras' 100 000 euros (002_…txt l. 876).
    SOLIDARITE_COMMUNAUTAIRE = "solidarite_communautaire"


@dataclass(frozen=True, slots=True)
class Calendar:
    """When a call opens and closes, and when its operators are to be notified: in that order."""

    opens_on: date
    closes_on: date
    notification_target_on: date

    def check(self) -> None:
        if self.closes_on < self.opens_on:
            raise RuleViolationError("closes_on", "after-opening", "a call cannot close before it opens")
        if self.notification_target_on < self.closes_on:
            raise RuleViolationError(
                "notification_target_on", "after-closing", "operators cannot be notified before the call closes"
            )


@dataclass(frozen=True, slots=True)
class CallForProjects:
    call_id: uuid.UUID
    contract_code: str
    year: int
    scheme: Scheme
    title: str
    calendar: Calendar
    version: int = 1


def default_notification_target(year: int) -> date:
    return date(year, *NOTIFICATION_DAY)


def check_call(call: CallForProjects, contract_start_year: int, contract_end_year: int) -> None:
    if not contract_start_year <= call.year <= contract_end_year:
        raise RuleViolationError(
            "year",
            "within-contract-period",
            f"year must be within the contract's period {contract_start_year}-{contract_end_year}",
        )
    call.calendar.check()


@dataclass(frozen=True, slots=True)
class SchemeEnvelope:
    """What a contract's text puts into a scheme: who funds it, for whom, how much (cents), over which period
    when the text says, and the text itself (`source`)."""

    contract_code: str
    scheme: Scheme
    financer_code: str
    beneficiaries: str
    amount_cents: int
    period: str | None
    source: str
