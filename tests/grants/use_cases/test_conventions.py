"""Conventions' use cases on the real database, in a transaction rolled back at the test's end: a CPO's terms
and amounts, its moves and amendments with their history, who reads and who manages it, the 23,000 € rule at
notification, the years it carries and its indicators."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from identity.principal import Principal, Role
from kit.pagination import PageRequest
from services.grants.applications.domain.budget import BudgetLine
from services.grants.applications.domain.workflow import State
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.use_cases.access import get_application
from services.grants.conventions.domain import (
    ConventionKind,
    ConventionMove,
    ConventionMoveRefusedError,
    ConventionStatus,
    ConventionView,
    DeclaredValue,
    Indicator,
    YearAmount,
)
from services.grants.conventions.use_cases.indicators import declare_value, define_indicators, get_indicators
from services.grants.conventions.use_cases.lifecycle import (
    ConventionDraft,
    amend_convention,
    create_convention,
    get_convention,
    list_conventions,
    move_convention,
)
from services.grants.conventions.use_cases.years import attach_application, renew_year
from services.grants.errors import (
    ConflictError,
    ForbiddenMoveError,
    NotEditableError,
    NotFoundError,
    RulesBrokenError,
    RuleViolationError,
)
from tests.grants.use_cases.records import (
    NOW,
    Year,
    audit_trail,
    budgeted,
    decide,
    next_call,
    notify,
    person,
    rules_of,
    submitted,
    vote,
)
from tests.steps import step

YEARS = range(2025, 2029)
PAGE = PageRequest(limit=50, offset=0)


def cpo(year: Year, **changes: Any) -> ConventionDraft:
    """A CPO over 2025–2028: 12,000 € a year from the State, 5,000.50 € from the CUA, 68,002 € in all."""
    state, cua = year.institutions["etat-p147"], year.institutions["cua"]
    draft = ConventionDraft(
        operator_id=year.operator_id,
        reference="CPO-2025-012",
        kind=ConventionKind.MULTI_YEAR,
        first_year=2025,
        last_year=2028,
        amounts=(
            *(YearAmount(y, state, 1_200_000) for y in YEARS),
            *(YearAmount(y, cua, 500_050) for y in YEARS),
        ),
        total_cents=6_800_200,
    )
    return replace(draft, **changes)


async def signed(year: Year, draft: ConventionDraft | None = None) -> ConventionView:
    created = await create_convention(year.uow, year.pilot, year.contract, draft or cpo(year))
    convention = created.convention.convention_id
    return await move_convention(year.uow, year.pilot, convention, ConventionMove.SIGN, None, date(2025, 1, 20))


async def test_a_cpo_is_signed_amended_suspended_and_terminated_each_step_kept_in_its_history(year: Year) -> None:
    with step("the CPO is drafted: the State's 2025 credits voted, the rest planned"):
        await vote(year, "etat-p147")
        created = await create_convention(year.uow, year.pilot, year.contract, cpo(year))
        assert (created.convention.status, created.total_cents) == (ConventionStatus.DRAFT, 6_800_200)
        voted = {
            (amount.year, created.codes[amount.institution_id])
            for amount in created.amounts
            if created.is_voted(amount)
        }
        assert voted == {(2025, "etat-p147")}, "a CPO's later years and the CUA's unvoted credits stay planned"
        convention = created.convention.convention_id
    with step("it is signed on the day it says"):
        with pytest.raises(RuleViolationError) as undated:
            await move_convention(year.uow, year.pilot, convention, ConventionMove.SIGN, None, None)
        assert undated.value.rule == "signature-date"
        signature = await move_convention(
            year.uow, year.pilot, convention, ConventionMove.SIGN, None, date(2025, 1, 20)
        )
        assert (signature.convention.status, signature.convention.signed_on) == (
            ConventionStatus.SIGNED,
            date(2025, 1, 20),
        )
    with step("an amendment with its reason lowers the State's 2027 amount, stamped by the clock"):
        state = year.institutions["etat-p147"]
        lowered = [
            replace(amount, amount_cents=1_000_000) if (amount.year, amount.institution_id) == (2027, state) else amount
            for amount in cpo(year).amounts
        ]
        with pytest.raises(RuleViolationError) as unexplained:
            await amend_convention(year.uow, year.pilot, convention, " ", 2028, lowered, None)
        assert unexplained.value.rule == "reason-required"
        amended = await amend_convention(
            year.uow, year.pilot, convention, "Avenant n°1: baisse 2027", 2028, lowered, None
        )
        assert amended.total_cents == 6_600_200
        sign, amendment = amended.events
        assert [(event.event, event.at, event.actor) for event in amended.events] == [
            ("sign", NOW, year.pilot.subject),
            ("amend", NOW, year.pilot.subject),
        ], "stamped by the unit of work's clock"
        assert (sign.details["on"], amendment.reason) == ("2025-01-20", "Avenant n°1: baisse 2027")
        before, after = (
            {(item["year"], item["institutionId"], item["amountCents"]) for item in amendment.details[side]}
            for side in ("amountsBefore", "amountsAfter")
        )
        assert (before - after, after - before) == ({(2027, str(state), 1_200_000)}, {(2027, str(state), 1_000_000)})
    with step("suspended with a reason it takes no amendment; resumed, then terminated"):
        with pytest.raises(RuleViolationError) as no_reason:
            await move_convention(year.uow, year.pilot, convention, ConventionMove.SUSPEND, None, None)
        assert no_reason.value.rule == "reason-required"
        suspended = await move_convention(
            year.uow, year.pilot, convention, ConventionMove.SUSPEND, "Bilan manquant", None
        )
        assert suspended.convention.status is ConventionStatus.SUSPENDED
        with pytest.raises(NotEditableError):
            await amend_convention(year.uow, year.pilot, convention, "x", 2028, lowered, None)
        await move_convention(year.uow, year.pilot, convention, ConventionMove.RESUME, None, None)
        ended = await move_convention(year.uow, year.pilot, convention, ConventionMove.TERMINATE, "Dissolution", None)
        assert (ended.convention.status, ended.convention.status_reason) == (ConventionStatus.TERMINATED, "Dissolution")
        with pytest.raises(ConventionMoveRefusedError):
            await move_convention(year.uow, year.pilot, convention, ConventionMove.SIGN, None, date(2025, 2, 1))
        assert [event.event for event in ended.events] == ["sign", "amend", "suspend", "resume", "terminate"]
        assert [action for action, _ in await audit_trail(year.uow, str(convention))] == [
            "convention.created",
            "convention.sign",
            "convention.amended",
            "convention.suspend",
            "convention.resume",
            "convention.terminate",
        ]


async def test_terms_and_amounts_that_break_a_rule_are_refused_naming_it_and_nothing_is_created(year: Year) -> None:
    draft = cpo(year)
    stranger = uuid.uuid4()
    first = draft.amounts[0]
    broken = {
        ("last_year", "cpo-term"): cpo(year, last_year=2029),
        ("last_year", "annual-one-year"): cpo(year, kind=ConventionKind.ANNUAL),
        ("last_year", "term-order"): cpo(year, last_year=2024),
        ("total", "total-is-sum-of-years"): cpo(year, total_cents=6_800_000),
        ("amounts/0/year", "year-in-term"): cpo(year, first_year=2026),
        ("amounts/8", "one-amount-per-year-and-financer"): cpo(year, amounts=(*draft.amounts, first), total_cents=None),
        ("amounts", "every-year-funded"): cpo(
            year, amounts=tuple(amount for amount in draft.amounts if amount.year != 2026), total_cents=None
        ),
        ("amounts/0/amount", "positive-amount"): cpo(
            year, amounts=(replace(first, amount_cents=0), *draft.amounts[1:]), total_cents=None
        ),
        ("amounts/0/institution_id", "institution-of-contract"): cpo(
            year, amounts=(replace(first, institution_id=stranger), *draft.amounts[1:])
        ),
        ("operator_id", "operator-of-contract"): cpo(year, operator_id=stranger),
    }
    for (field, rule), wrong in broken.items():
        with pytest.raises((RuleViolationError, RulesBrokenError)) as refused:
            await create_convention(year.uow, year.pilot, year.contract, wrong)
        value = refused.value
        named = value.broken[0] if isinstance(value, RulesBrokenError) else value
        assert isinstance(named, RuleViolationError)
        assert (named.field, named.rule) == (field, rule)
    assert (await list_conventions(year.uow, year.pilot, year.contract, None, None, PAGE))[1] == 0
    await create_convention(year.uow, year.pilot, year.contract, draft)
    with pytest.raises(ConflictError):
        await create_convention(year.uow, year.pilot, year.contract, draft)


async def test_its_parties_the_pilots_the_state_and_auditors_read_a_convention_and_its_managers_move_it(
    year: Year,
) -> None:
    convention = (await create_convention(year.uow, year.pilot, year.contract, cpo(year))).convention.convention_id
    cua_financer = person(year.contract, Role.CO_FINANCER, "cua")
    auditor = person(year.contract, Role.AUDITOR, "cour-des-comptes")
    for reader in (year.pilot, year.state, cua_financer, year.operator, auditor):
        assert (await get_convention(year.uow, reader, convention)).convention.reference == "CPO-2025-012"
        listed, total = await list_conventions(year.uow, reader, year.contract, None, None, PAGE)
        assert ([view.convention.convention_id for view in listed], total) == ([convention], 1)
    for outsider in (year.caf, year.other_operator):  # the CAF finances the contract, not this convention
        with pytest.raises(NotFoundError):
            await get_convention(year.uow, outsider, convention)
        assert await list_conventions(year.uow, outsider, year.contract, None, None, PAGE) == ([], 0)
        with pytest.raises(NotFoundError):
            await move_convention(year.uow, outsider, convention, ConventionMove.SIGN, None, date(2025, 1, 20))
    with pytest.raises(ForbiddenMoveError):
        await move_convention(year.uow, year.operator, convention, ConventionMove.SIGN, None, date(2025, 1, 20))
    with pytest.raises(ForbiddenMoveError):
        await create_convention(year.uow, year.operator, year.contract, cpo(year, reference="CPO-X"))
    with pytest.raises(ForbiddenMoveError):  # a financer creates only the conventions it is party to
        await create_convention(year.uow, year.caf, year.contract, cpo(year, reference="CPO-Y"))
    moved = await move_convention(year.uow, cua_financer, convention, ConventionMove.SIGN, None, date(2025, 1, 20))
    assert moved.convention.status is ConventionStatus.SIGNED


def large_budget(year: Year) -> list[BudgetLine]:
    """30,000 € asking 24,000 € of the State: above the threshold of a written convention."""
    return [
        BudgetLine("60", "Achats", 300_000),
        BudgetLine("64", "Salaires", 2_700_000),
        BudgetLine("74", "État", 2_400_000, year.institutions["etat-p147"]),
        BudgetLine("74", "CUA", 400_000, year.institutions["cua"]),
        BudgetLine("75", "Cotisations", 200_000),
    ]


async def test_a_decision_above_23000_euros_is_notified_under_a_signed_convention_carrying_its_year(
    year: Year,
) -> None:
    application = await submitted(year, lines=large_budget(year))
    await decide(year, application, {"etat-p147": 2_400_000, "cua": 400_000})
    with pytest.raises(RulesBrokenError) as uncovered:
        await notify(year, application)
    assert rules_of(uncovered.value) == ["convention-required"]
    assert "ETAT-P147 decided 24\u202f000 € for 2025" in str(uncovered.value)
    annual = ConventionDraft(
        year.operator_id,
        "CONV-2025-001",
        ConventionKind.ANNUAL,
        2025,
        2025,
        (YearAmount(2025, year.institutions["etat-p147"], 2_400_000),),
    )
    convention = (await create_convention(year.uow, year.state, year.contract, annual)).convention.convention_id
    with pytest.raises(RulesBrokenError):  # a draft convention covers nothing yet
        await notify(year, application)
    await move_convention(year.uow, year.state, convention, ConventionMove.SIGN, None, date(2025, 2, 3))
    assert (await notify(year, application)).application.state is State.NOTIFIED

    attached = await attach_application(year.uow, year.state, convention, 2025, application)
    assert attached.years == {2025: application}
    with pytest.raises(ConflictError):
        await attach_application(year.uow, year.state, convention, 2025, application)
    with pytest.raises(RuleViolationError) as outside:
        await attach_application(year.uow, year.state, convention, 2026, application)
    assert outside.value.rule == "year-in-term"
    others = await budgeted(year, year.other_operator, title="Café des parents")
    second = (await signed(year, cpo(year, reference="CPO-2025-013"))).convention.convention_id
    with pytest.raises(RuleViolationError) as not_its_operator:
        await attach_application(year.uow, year.pilot, second, 2025, others)
    assert not_its_operator.value.rule == "application-of-operator-and-year"


async def test_a_cpo_year_is_renewed_from_the_previous_years_application(year: Year) -> None:
    convention = (await create_convention(year.uow, year.pilot, year.contract, cpo(year))).convention.convention_id
    first = await budgeted(year, dauphin_number="DA20250001-1")
    await attach_application(year.uow, year.pilot, convention, 2025, first)
    call_2026 = (await next_call(year, 2026)).call_id

    async def renew(renewed_year: int, call: uuid.UUID, actor: Principal | None = None) -> ConventionView:
        return await renew_year(year.uow, year.references, actor or year.operator, convention, renewed_year, call)

    with pytest.raises(RuleViolationError) as wrong_call:
        await renew(2026, year.call_id)
    assert wrong_call.value.rule == "call-of-year"
    with pytest.raises(NotFoundError):
        await renew(2026, call_2026, year.other_operator)
    renewed = await renew(2026, call_2026)
    assert renewed.years[2025] == first
    previous = (await get_application(year.uow, year.operator, first)).application
    second = await get_application(year.uow, year.operator, renewed.years[2026])
    draft = second.application.draft
    assert (draft.title, second.application.state, second.application.year) == (previous.draft.title, State.DRAFT, 2026)
    assert (draft.starts_on, draft.ends_on) == (date(2026, 9, 1), date(2027, 6, 30)), "a year later"
    assert (draft.previous_application_id, second.application.action_id) == (first, previous.action_id)
    assert draft.dauphin_number is None, "Dauphin numbers a new request anew"
    async with year.uow.reading():
        budgets = [await ApplicationRepository(year.uow.session).budget(item) for item in (first, renewed.years[2026])]
    assert budgets[0] == budgets[1], "the budget is copied"
    with pytest.raises(ConflictError):
        await renew(2026, call_2026)
    with pytest.raises(RuleViolationError) as gap:
        await renew(2028, call_2026)
    assert gap.value.rule == "previous-year-linked"
    with pytest.raises(RuleViolationError) as first_year:
        await renew(2025, year.call_id)
    assert first_year.value.rule == "renewed-year"


PART_QPV = Indicator("PART-QPV", "Habitants des QPV accueillis", "personnes", Decimal(40), {2025: Decimal(60)})


async def test_indicators_are_set_by_the_operator_in_draft_then_by_managers_with_a_reason(year: Year) -> None:
    convention = (await create_convention(year.uow, year.pilot, year.contract, cpo(year))).convention.convention_id
    defined = await define_indicators(year.uow, year.operator, convention, [PART_QPV], None)
    assert [tracked.indicator.code for tracked in defined.indicators] == ["PART-QPV"]
    with pytest.raises(NotEditableError):
        await declare_value(year.uow, year.operator, convention, "PART-QPV", 2025, Decimal(55), "Émargements")
    await move_convention(year.uow, year.pilot, convention, ConventionMove.SIGN, None, date(2025, 1, 20))
    with pytest.raises(ForbiddenMoveError):
        await define_indicators(year.uow, year.operator, convention, [PART_QPV], "Cible revue")
    with pytest.raises(RuleViolationError) as unexplained:
        await define_indicators(year.uow, year.pilot, convention, [PART_QPV], None)
    assert unexplained.value.rule == "reason-required"
    revised = replace(PART_QPV, targets={2025: Decimal(60), 2028: Decimal(120)})
    await define_indicators(year.uow, year.pilot, convention, [revised], "Cible 2028 ajoutée")
    history = (await get_convention(year.uow, year.pilot, convention)).events
    (event,) = [event for event in history if event.event == "indicators"]
    assert (event.at, event.reason) == (NOW, "Cible 2028 ajoutée")

    with pytest.raises(RuleViolationError) as outside:
        await declare_value(year.uow, year.operator, convention, "PART-QPV", 2029, Decimal(55), "Émargements")
    assert outside.value.rule == "year-of-convention"
    with pytest.raises(NotFoundError):
        await declare_value(year.uow, year.operator, convention, "ABANDON", 2025, Decimal(5), "Registre")
    await declare_value(year.uow, year.operator, convention, "PART-QPV", 2025, Decimal(55), "Émargements")
    term = (await get_convention(year.uow, year.pilot, convention)).convention.term
    (tracked,) = (await get_indicators(year.uow, year.state, convention)).indicators
    first_year = tracked.years(term)[0]
    assert (first_year.reached, first_year.progress_percent) == (
        DeclaredValue(2025, Decimal(55), "Émargements"),
        Decimal("75.0"),
    )
    await move_convention(year.uow, year.pilot, convention, ConventionMove.TERMINATE, "Dissolution", None)
    with pytest.raises(NotEditableError):
        await declare_value(year.uow, year.operator, convention, "PART-QPV", 2026, Decimal(70), "Émargements")
