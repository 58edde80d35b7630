"""Each request of a Dauphin extract matched to what the call holds, and what it would create or change.

The operator is found by its SIRET in the contract (created when new, with its RNA); the application by its
Dauphin number, then by its operator and title among the call's applications; an action the operator
already carries (same title) gets its new year. The lines of one request (one per financer asked) are
grouped; the amounts asked become the draft's CERFA 74 lines of those financers. What Dauphin carries is set
on a draft; a request that changes an application no longer a draft is refused (its operator corrects it
through the workflow), one that changes nothing is reported unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from services.grants.applications.domain.workflow import State
from services.grants.exchange.domain.cells import LineError, folded
from services.grants.exchange.domain.request_files import RequestLine


class RequestStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class HeldOperator:
    operator_id: uuid.UUID
    siret: str
    nom: str
    rna: str | None


@dataclass(frozen=True, slots=True)
class HeldRequest:
    """An application of the contract in the call's year, as a request compares with it."""

    application_id: uuid.UUID
    call_id: uuid.UUID
    year: int
    action_id: uuid.UUID
    operator_id: uuid.UUID
    state: str
    title: str
    dauphin_number: str | None
    description: str | None
    primary_objective_id: uuid.UUID | None
    other_objective_ids: tuple[uuid.UUID, ...]
    starts_on: date | None
    ends_on: date | None
    requested: Mapping[uuid.UUID, int]  # financer → cents asked (its 74 lines)


@dataclass(frozen=True, slots=True)
class HeldAction:
    action_id: uuid.UUID
    operator_id: uuid.UUID
    title: str
    previous_application_id: uuid.UUID | None  # its application of the year before the call's


@dataclass(frozen=True, slots=True)
class Reference:
    """What the requests are matched against: the call, the contract's financers, objectives, operators,
    applications of the call's year and actions."""

    call_id: uuid.UUID
    year: int
    p147: uuid.UUID | None
    financers: Mapping[str, uuid.UUID]  # folded code, name or Dauphin funder title → financer
    objectives: Mapping[str, Sequence[uuid.UUID]]  # folded code → operational objectives so coded
    operators: Mapping[str, HeldOperator]  # SIRET → operator
    applications: Sequence[HeldRequest]
    actions: Sequence[HeldAction]


@dataclass(slots=True)
class Request:
    """The lines of one request grouped, and what it becomes."""

    lines: list[RequestLine]
    status: RequestStatus = RequestStatus.ERROR
    operator: HeldOperator | None = None
    operator_created: bool = False
    set_rna: bool = False
    held: HeldRequest | None = None
    action: HeldAction | None = None
    values: dict[str, Any] = field(default_factory=dict)  # the application's columns Dauphin carries
    requested: dict[uuid.UUID, int] = field(default_factory=dict)  # financer → cents
    changes: list[str] = field(default_factory=list)

    @property
    def first(self) -> RequestLine:
        return self.lines[0]


def _key(line: RequestLine) -> tuple[Any, ...]:
    if line.dauphin_code:
        return ("dauphin", line.dauphin_code)
    return ("identity", line.siret, folded(line.title or ""))


def grouped(lines: Sequence[RequestLine]) -> list[Request]:
    """The lines of each request together (a request asks several financers, a line each), in file order."""
    requests: dict[tuple[Any, ...], Request] = {}
    for line in lines:
        if line.errors:
            requests[("line", line.line)] = Request([line])
            continue
        requests.setdefault(_key(line), Request([])).lines.append(line)
    return list(requests.values())


def _financer(line: RequestLine, reference: Reference) -> uuid.UUID | None:
    if line.financer is None:
        if reference.p147 is None:
            line.errors.append(LineError("financer", "required", "the contract has no State (P147) financer"))
        return reference.p147
    found = reference.financers.get(folded(line.financer))
    if found is None:
        line.errors.append(
            LineError("financer", "known-financer", f"{line.financer!r} is none of the contract's financers")
        )
    return found


def _objectives(line: RequestLine, reference: Reference) -> list[uuid.UUID]:
    chosen: list[uuid.UUID] = []
    for code in line.objective_codes:
        found = reference.objectives.get(folded(code), ())
        if not found:
            line.errors.append(
                LineError("objectives", "operational-objective-of-contract", f"{code!r}: no such operational objective")
            )
        elif len(found) > 1:
            line.errors.append(
                LineError(
                    "objectives", "ambiguous-objective", f"{code!r} codes {len(found)} objectives of the contract"
                )
            )
        elif found[0] not in chosen:
            chosen.append(found[0])
    return chosen


def _consistent(request: Request) -> None:
    """The lines of one request give the same operator, action and content; each financer once."""
    first, seen = request.first, set()
    for line in request.lines:
        for name in ("siret", "title", "description", "objective_codes", "starts_on", "ends_on", "dauphin_number"):
            if getattr(line, name) not in {getattr(first, name), None, ()}:
                line.errors.append(LineError(name, "same-request", f"differs from row {first.row}, the same request"))
        financer = line.financer and folded(line.financer)
        if financer in seen:
            line.errors.append(LineError("financer", "duplicate-row", f"the same financer as row {first.row}"))
        seen.add(financer)


@dataclass(frozen=True, slots=True)
class _Index:
    """The held applications and actions by the keys a request is matched on (never a scan per request:
    a national call has some 20,000)."""

    by_number: Mapping[str, list[HeldRequest]]  # Dauphin action code
    by_title: Mapping[tuple[uuid.UUID, str], HeldRequest]  # (operator, folded title), of the call
    by_action: Mapping[uuid.UUID, HeldRequest]  # the action's application of the call's year
    actions: Mapping[tuple[uuid.UUID, str], HeldAction]  # (operator, folded title)

    @classmethod
    def of(cls, reference: Reference) -> _Index:
        by_number: dict[str, list[HeldRequest]] = {}
        by_title: dict[tuple[uuid.UUID, str], HeldRequest] = {}
        by_action: dict[uuid.UUID, HeldRequest] = {}
        for held in reference.applications:
            if held.dauphin_number:
                by_number.setdefault(held.dauphin_number[2:10], []).append(held)
            if held.year == reference.year:
                by_action[held.action_id] = held
            if held.call_id == reference.call_id:
                by_title.setdefault((held.operator_id, folded(held.title)), held)
        actions: dict[tuple[uuid.UUID, str], HeldAction] = {}
        for action in reference.actions:
            actions.setdefault((action.operator_id, folded(action.title)), action)
        return cls(by_number, by_title, by_action, actions)


def _match(request: Request, reference: Reference, index: _Index) -> None:
    first = request.first
    if first.dauphin_code:
        found = index.by_number.get(first.dauphin_code, [])
        if len(found) > 1:
            first.errors.append(LineError("dauphin_number", "ambiguous-match", f"{len(found)} applications"))
            return
        if found and found[0].call_id != reference.call_id:
            first.errors.append(LineError("dauphin_number", "other-call", "an application of another call"))
            return
        if found and (request.operator is None or found[0].operator_id != request.operator.operator_id):
            first.errors.append(LineError("siret", "operator-of-application", "the Dauphin file is another SIRET's"))
            return
        if found:
            request.held = found[0]
            return
    if request.operator is None:
        return
    key = (request.operator.operator_id, folded(first.title or ""))
    request.held = index.by_title.get(key)
    action = None if request.held else index.actions.get(key)
    if action is None:
        return
    # The action's application of the year, renamed since, is the one the request fills (an action has one
    # application a year, whichever call it answers).
    same = index.by_action.get(action.action_id)
    if same is not None and same.call_id != reference.call_id:
        first.errors.append(LineError("title", "other-call", "the action's application of another call"))
        return
    request.held, request.action = same, action


def _compare(request: Request, objectives: list[uuid.UUID]) -> None:
    first, held = request.first, request.held
    values: dict[str, Any] = {"title": first.title}
    if first.dauphin_number:
        values["dauphin_number"] = first.dauphin_number
    if first.description is not None:
        values["description"] = first.description
    if objectives:
        values["primary_objective_id"] = objectives[0]
        values["other_objective_ids"] = tuple(objectives[1:])
    if first.starts_on is not None:
        values["starts_on"] = first.starts_on
    if first.ends_on is not None:
        values["ends_on"] = first.ends_on
    request.values = values
    if held is None:
        request.status = RequestStatus.CREATED
        return
    request.changes = [name for name, value in values.items() if getattr(held, name) != value]
    request.changes += [
        f"requested/{financer}"
        for financer, cents in request.requested.items()
        if held.requested.get(financer) != cents
    ]
    if request.operator_created or request.set_rna:
        request.changes.append("operator")
    if not request.changes:
        request.status = RequestStatus.UNCHANGED
        return
    if held.state != State.DRAFT.value:
        first.errors.append(
            LineError("application", "draft-only", f"the application is {held.state}: only a draft takes a request")
        )
        return
    request.status = RequestStatus.UPDATED


def judge(lines: Sequence[RequestLine], reference: Reference) -> list[Request]:
    """Every request of the file with what it would do; a request with any error does nothing (and the
    import is refused whole)."""
    index = _Index.of(reference)
    new_operators: dict[str, HeldOperator] = {}
    requests = grouped(lines)
    for request in requests:
        if request.first.errors:
            continue
        _consistent(request)
        first = request.first
        for line in request.lines:
            if line.year is not None and line.year != reference.year:
                line.errors.append(
                    LineError("year", "call-year", f"{line.year}: a request of the call of {reference.year}")
                )
            financer = _financer(line, reference)
            if financer is not None and line.requested_cents is not None:
                request.requested[financer] = line.requested_cents
        objectives = _objectives(first, reference)
        siret = first.siret or ""
        request.operator = reference.operators.get(siret) or new_operators.get(siret)
        if request.operator is None:
            if first.operator_name is None:
                first.errors.append(
                    LineError("operator_name", "required", f"SIRET {siret} is new to the contract: its name is needed")
                )
            else:
                request.operator = HeldOperator(uuid.uuid4(), siret, first.operator_name, first.rna)
                request.operator_created = True
                new_operators[siret] = request.operator
        elif siret in reference.operators and first.rna and request.operator.rna is None:
            request.set_rna = True
        if any(line.errors for line in request.lines):
            continue
        _match(request, reference, index)
        if not first.errors:
            _compare(request, objectives)
    _claimed_once(requests)
    return requests


def _claimed_once(requests: Sequence[Request]) -> None:
    """Two requests of a file never fill the same application (the same action under two numbers)."""
    claimed: dict[uuid.UUID, int] = {}
    for request in requests:
        if request.held is None or request.status is RequestStatus.ERROR:
            continue
        if request.held.application_id in claimed:
            request.first.errors.append(
                LineError(
                    "title", "duplicate-row", f"the same application as row {claimed[request.held.application_id]}"
                )
            )
            request.status = RequestStatus.ERROR
        else:
            claimed[request.held.application_id] = request.first.row
