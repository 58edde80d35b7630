"""A domain record and its row map one to the other by one rule, both ways: enums by value, arrays as tuples."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from services.participation.bodies.domain import Body, BodyKind, BodyStatus, ParticipationLevel
from services.participation.citizen_funds.domain import FundApplication, FundApplicationStatus
from services.participation.members.domain import BodyRules, EndReason, Mandate, MemberKind
from services.participation.persistence import columns_of, record_of


def test_a_record_comes_back_from_the_columns_it_was_stored_in() -> None:
    records: list[Body | Mandate | BodyRules | FundApplication] = [
        Body(uuid.uuid4(), "CV-062", "Conseil", BodyKind.CONSEIL_CITOYEN, ParticipationLevel.CONCERTATION, ("Q1",)),
        Mandate(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "member", None, date(2024, 1, 1), None, EndReason.RESIGNED),
        BodyRules(3, True, Decimal("0.5"), 15, None, frozenset({MemberKind.ELECTED, MemberKind.INSTITUTION})),
        FundApplication(uuid.uuid4(), uuid.uuid4(), "Fête", "Collectif", "…", (), 5000, votes={"for": 3}),
    ]
    for record in records:
        assert record_of(type(record), SimpleNamespace(**columns_of(record))) == record


def test_columns_hold_plain_values() -> None:
    body = Body(uuid.uuid4(), "CV-062-2024", "Conseil", BodyKind.MOUS, ParticipationLevel.INFORMATION, ("Q1", "Q2"))
    columns = columns_of(body)
    assert (columns["kind"], columns["status"], columns["qpv_codes"]) == ("mous", BodyStatus.ACTIVE.value, ["Q1", "Q2"])
    assert type(columns["kind"]) is str
    rules = BodyRules(1, True, Decimal("0.5"), None, None, frozenset({MemberKind.RESIDENT, MemberKind.ELECTED}))
    assert columns_of(rules)["forbidden_member_kinds"] == ["elected", "resident"]


def test_a_given_field_is_taken_as_given() -> None:
    row = SimpleNamespace(**columns_of(FundApplication(uuid.uuid4(), uuid.uuid4(), "T", "G", "D", (), 100)))
    read = record_of(FundApplication, row, status=FundApplicationStatus.PAID)
    assert read.status is FundApplicationStatus.PAID
