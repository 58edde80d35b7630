"""The requests of a Dauphin extract judged against what a call holds (services/grants/exchange/domain/
requests.py), no database needed: lines grouped by request, each financer once, objectives by code, the
operator and the draft found or made, a draft only changed while it is one."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from services.grants.exchange.domain.dialects import Dialect
from services.grants.exchange.domain.request_files import RequestLine, read_request_line
from services.grants.exchange.domain.requests import HeldOperator, HeldRequest, Reference, RequestStatus, judge

SIRET = "73282932000074"
P147, CUA = uuid.uuid4(), uuid.uuid4()
CALL = uuid.uuid4()
OBJECTIVE, TWIN_A, TWIN_B = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OPERATOR = HeldOperator(uuid.uuid4(), SIRET, "Asso", None)


def line(row: int, **cells: Any) -> RequestLine:
    given = {"siret": SIRET, "title": "Ateliers", "requested_amount": "1000", **cells}
    return read_request_line(row - 1, None, row, {}, given, Dialect.EXCHANGE)


def reference(*applications: HeldRequest) -> Reference:
    return Reference(
        call_id=CALL,
        year=2025,
        p147=P147,
        financers={"etat p147": P147, "cua": CUA},
        objectives={"6a": [OBJECTIVE], "2e": [TWIN_A, TWIN_B]},
        operators={SIRET: OPERATOR},
        applications=list(applications),
        actions=[],
    )


def held(state: str = "draft", requested: dict[uuid.UUID, int] | None = None) -> HeldRequest:
    return HeldRequest(
        application_id=uuid.uuid4(),
        call_id=CALL,
        year=2025,
        action_id=uuid.uuid4(),
        operator_id=OPERATOR.operator_id,
        state=state,
        title="Ateliers",
        dauphin_number=None,
        description=None,
        primary_objective_id=None,
        other_objective_ids=(),
        starts_on=None,
        ends_on=None,
        requested=requested if requested is not None else {P147: 100000},
    )


def test_the_lines_of_one_request_ask_each_financer_once_and_agree() -> None:
    lines = [
        line(2, financer="etat-p147"),
        line(3, financer="CUA", requested_amount="500"),
        line(4, financer="cua"),
        line(5, financer="etat-p147", objectives="6A"),
    ]
    (request,) = judge(lines, reference())
    assert request.status is RequestStatus.ERROR
    assert [(error.field, error.rule) for error in lines[2].errors] == [("financer", "duplicate-row")]
    assert ("objective_codes", "same-request") in [(error.field, error.rule) for error in lines[3].errors]


def test_objectives_are_found_by_code_and_a_repeated_code_is_ambiguous() -> None:
    (found,) = judge([line(2, objectives="6a")], reference())
    assert found.values["primary_objective_id"] == OBJECTIVE
    twin = line(2, objectives="6A;2E")
    judge([twin], reference())
    assert [(error.field, error.rule) for error in twin.errors] == [("objectives", "ambiguous-objective")]


def test_a_known_operators_draft_is_updated_and_a_submitted_one_refused() -> None:
    (same,) = judge([line(2)], reference(held()))
    assert (same.status, same.changes) == (RequestStatus.UNCHANGED, [])
    (revised,) = judge([line(2, requested_amount="1200")], reference(held()))
    assert (revised.status, revised.changes) == (RequestStatus.UPDATED, [f"requested/{P147}"])
    refused = line(2, requested_amount="1200")
    judge([refused], reference(held(state="submitted")))
    assert [(error.field, error.rule) for error in refused.errors] == [("application", "draft-only")]


def test_a_new_siret_needs_its_name_and_is_created_once() -> None:
    other = "35600000049837"  # La Poste's key
    nameless = line(2, siret=other)
    judge([nameless], reference())
    assert [(error.field, error.rule) for error in nameless.errors] == [("operator_name", "required")]
    first, second = judge(
        [line(2, siret=other, operator_name="Asso D"), line(3, siret=other, title="Sorties")], reference()
    )
    assert (first.operator_created, second.operator_created) == (True, False)
    assert first.operator is second.operator


def test_a_dauphin_number_of_another_operators_draft_is_refused() -> None:
    numbered = replace(held(), dauphin_number="DA20250001-1")
    (same,) = judge([line(2, dauphin_number="DA20250001-1")], reference(numbered))
    assert (same.status, same.held) == (RequestStatus.UNCHANGED, numbered)
    other = line(2, dauphin_number="DA20250001-1", siret="35600000049837", operator_name="Asso D")
    judge([other], reference(numbered))
    assert [(error.field, error.rule) for error in other.errors] == [("siret", "operator-of-application")]
