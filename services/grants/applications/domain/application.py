"""An action's application of one year: what its operator writes in it, and how it reads back."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.grants.applications.domain.budget import BudgetLine, BudgetTotals, totals_of
from services.grants.applications.domain.financing import FinancingLine, Outcome
from services.grants.applications.domain.workflow import State, Transition
from services.grants.errors import RuleViolationError
from services.grants.institutions.domain import Institution

# Dauphin's number of a file (dossier): DA, the 8 digits of its action, and the rank of its request
# (research/grants.md §4.2, `numero_dossier_dauphin`).
DAUPHIN_NUMBER = re.compile(r"^DA([0-9]{8})-([0-9]{1,3})$")


@dataclass(frozen=True, slots=True)
class Beneficiaries:
    total: int | None = None
    women: int | None = None
    men: int | None = None
    age_bands: Mapping[str, int] = field(default_factory=dict)
    share_in_qpv_percent: int | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """Where an action takes place: a QPV, a commune (INSEE code) or an address label, exactly one of them.
    Not where its beneficiaries live (the QPVs it serves): an action held in a town hall outside any QPV may
    serve a QPV's residents (the contract, ../shared/seeds/002…txt, line 847)."""

    qpv_code: str | None = None
    code_commune: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """What an operator writes in an application (all optional but the call, operator and title)."""

    title: str
    description: str | None = None
    primary_objective_id: uuid.UUID | None = None
    other_objective_ids: tuple[uuid.UUID, ...] = ()
    qpv_codes: tuple[str, ...] = ()  # the QPVs whose residents the action serves
    codes_communes: tuple[str, ...] = ()
    venues: tuple[Venue, ...] = ()
    served_vulnerability_zones: tuple[str, ...] = ()  # codes of the contract's official zones
    beneficiaries: dict[str, Any] = field(default_factory=dict)
    starts_on: date | None = None
    ends_on: date | None = None
    multi_year: bool = False
    previous_application_id: uuid.UUID | None = None
    dauphin_number: str | None = None

    @property
    def hors_qpv(self) -> bool:
        """An action that serves vulnerability zones and no QPV: its P147 credits count under the 2.5 % cap
        of the departmental envelope (circulaire du 31 août 2023; the contract, lines 190 and 847). An action
        held outside any QPV for QPV residents serves QPVs (it is not counted); one serving neither a QPV nor
        an official zone is not counted either (the cap is on credits for the zones)."""
        return not self.qpv_codes and bool(self.served_vulnerability_zones)


@dataclass(frozen=True, slots=True)
class NewApplication:
    """Where a new draft goes: its call, its operator, and the action it is a year of (None: a new action)."""

    call_id: uuid.UUID
    operator_id: uuid.UUID
    action_id: uuid.UUID | None
    draft: Draft


@dataclass(frozen=True, slots=True)
class Application:
    application_id: uuid.UUID
    action_id: uuid.UUID
    call_id: uuid.UUID
    contract_code: str
    operator_id: uuid.UUID
    year: int
    state: State
    outcome: Outcome | None
    version: int
    draft: Draft
    hors_qpv: bool
    dauphin_normalised: str | None
    notified_on: date | None = None  # the date of the notification letter

    @property
    def renewal(self) -> bool:
        return self.draft.previous_application_id is not None


@dataclass(frozen=True, slots=True)
class ApplicationEvent:
    at: datetime
    actor: str
    actor_institution: str | None
    transition: Transition
    from_state: State
    to_state: State
    reason: str | None


@dataclass(frozen=True, slots=True)
class LineView:
    line: FinancingLine
    institution: Institution


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application as it reads back: its budget, each financer's line (in the order of their codes) and
    its history."""

    application: Application
    budget: list[BudgetLine]
    lines: list[LineView]
    events: list[ApplicationEvent]

    @property
    def totals(self) -> BudgetTotals:
        return totals_of(self.budget)


def normalised_dauphin(number: str) -> str:
    """`da 2024 0001-1` and `DA20240001-1` are the same Dauphin file."""
    compact = "".join(number.split()).upper()  # any spaces, the no-break ones of French formatting too
    if not DAUPHIN_NUMBER.fullmatch(compact):
        raise RuleViolationError("dauphin_number", "dauphin-number", "a Dauphin number is DA + 8 digits + -n")
    return compact


def _a_year_later(day: date | None) -> date | None:
    if day is None:
        return None
    return day.replace(year=day.year + 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year + 1)


def renewal_of(previous: Application) -> Draft:
    """Next year's draft of an action, pre-filled from this year's application (a new Dauphin number to
    come): the yearly application of a multi-year convention (research/grants.md §3.4, the annual cycle)."""
    was = previous.draft
    return Draft(
        title=was.title,
        description=was.description,
        primary_objective_id=was.primary_objective_id,
        other_objective_ids=was.other_objective_ids,
        qpv_codes=was.qpv_codes,
        codes_communes=was.codes_communes,
        venues=was.venues,
        served_vulnerability_zones=was.served_vulnerability_zones,
        beneficiaries=dict(was.beneficiaries),
        starts_on=_a_year_later(was.starts_on),
        ends_on=_a_year_later(was.ends_on),
        multi_year=True,
        previous_application_id=previous.application_id,
    )


def check_objectives(draft: Draft, contract_code: str, operational: Collection[uuid.UUID]) -> None:
    """An action serves operational objectives of its contract's framework (the leaves of the tree)."""
    for name, ids in (
        ("primary_objective_id", {draft.primary_objective_id} - {None}),
        ("other_objective_ids", set(draft.other_objective_ids)),
    ):
        missing = sorted(str(item) for item in ids - set(operational))
        if missing:
            message = f"not an operational objective of {contract_code}: {', '.join(missing)}"
            raise RuleViolationError(name, "operational-objective-of-contract", message)


def check_qpvs(draft: Draft, contract_qpvs: Sequence[str]) -> None:
    """An action serves QPVs of its contract's generation (décret n°2023-1314 for 2024-2030)."""
    foreign = sorted(set(draft.qpv_codes) - set(contract_qpvs))
    if foreign:
        message = (
            f"QPV {', '.join(foreign)} not among the contract's QPV of its generation ({', '.join(contract_qpvs)})"
        )
        raise RuleViolationError("qpv_codes", "qpv-of-contract", message)


def check_venues(draft: Draft, contract_qpvs: Sequence[str]) -> None:
    """Each venue is one place: a QPV of the contract, a commune, or an address label."""
    for index, venue in enumerate(draft.venues):
        given = [item for item in (venue.qpv_code, venue.code_commune, venue.label) if item]
        if len(given) != 1:
            message = f"venue {index + 1}: give exactly one of qpvCode, codeCommune, label"
            raise RuleViolationError(f"venues[{index}]", "one-venue-kind", message)
        if venue.qpv_code and venue.qpv_code not in contract_qpvs:
            message = f"venue {index + 1}: QPV {venue.qpv_code} is not one of the contract's"
            raise RuleViolationError(f"venues[{index}].qpv_code", "qpv-of-contract", message)


def check_vulnerability_zones(draft: Draft, official: Collection[str]) -> None:
    """An action serves vulnerability zones the préfet validated for its contract (territories'
    `/vulnerability-zones`): only those may bear the 2.5 % of P147 credits outside the QPVs."""
    unknown = sorted(set(draft.served_vulnerability_zones) - set(official))
    if unknown:
        known = ", ".join(sorted(official)) or "none"
        message = f"not an official vulnerability zone of the contract: {', '.join(unknown)} (official: {known})"
        raise RuleViolationError("served_vulnerability_zones", "vulnerability-zone-of-contract", message)


def check_commune(code: str, known: bool, commune_epci: str | None, contract_epci: str) -> None:
    """An action serves communes (that exist) of its contract's EPCI."""
    if not known:
        raise RuleViolationError("codes_communes", "known-commune", f"commune {code} not found")
    if commune_epci != contract_epci:
        raise RuleViolationError(
            "codes_communes", "commune-of-contract", f"commune {code} is not in the contract's EPCI {contract_epci}"
        )


def check_dates(draft: Draft) -> None:
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        raise RuleViolationError("ends_on", "after-start", "an action cannot end before it starts")


def check_renewed(previous: Application | None, action_id: uuid.UUID, year: int) -> None:
    """A renewal renews an earlier year of the same action."""
    if previous is None or previous.action_id != action_id or previous.year >= year:
        raise RuleViolationError(
            "previous_application_id",
            "earlier-year-of-action",
            "the renewed application is an earlier year of the same action",
        )
