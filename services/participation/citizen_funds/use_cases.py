"""Citizen funds: opened by the contract's pilots or a commune with a fund committee; residents' projects
recorded by the committee's facilitators; the committee decides (recusal enforced); payment; report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body
from services.participation.bodies.use_cases import body_managed_by
from services.participation.citizen_funds.domain import (
    Fund,
    FundApplication,
    FundApplicationStatus,
    check_committee,
    check_conflict_declarant,
    check_decision,
    check_payment,
    check_report,
    check_request,
    check_status,
)
from services.participation.citizen_funds.models import CitizenFundRow, FundApplicationRow, FundConflictRow
from services.participation.citizen_funds.repository import CitizenFundRepository, application_from_row
from services.participation.errors import NotFoundError
from services.participation.meetings.domain import Tally
from services.participation.members.repository import MemberRepository
from services.participation.persistence import columns_of, ledger


@dataclass(frozen=True, slots=True)
class NewFund:
    name: str
    year: int
    envelope_cents: int


async def open_fund(uow: UnitOfWork, actor: Principal, committee_id: uuid.UUID, new: NewFund) -> Fund:
    async with uow:
        committee: Body | None
        try:
            committee = await body_managed_by(uow, actor, committee_id)
        except NotFoundError:
            committee = None
        fund = Fund(
            uuid.uuid4(), check_committee(committee).contract_code, committee_id, new.name, new.year, new.envelope_cents
        )
        await CitizenFundRepository(uow.session).add(CitizenFundRow(**columns_of(fund), created_at=uow.now()))
        await ledger.created(
            uow.session,
            actor,
            action="citizen_fund.opened",
            entity_type="citizen_fund",
            entity_id=str(fund.fund_id),
            after={"envelope_cents": new.envelope_cents},
        )
        await uow.commit()
    return fund


async def _fund_run_by(
    uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID, *, lock: bool = False
) -> tuple[Fund, Body]:
    fund = await CitizenFundRepository(uow.session).fund(fund_id, lock=lock)
    if fund is None or not actor.works_on(fund.contract_code):
        raise NotFoundError("citizen fund", str(fund_id))
    return fund, await body_managed_by(uow, actor, fund.committee_body_id)


async def fund_with_applications(
    uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID
) -> tuple[Fund, list[FundApplication]]:
    async with uow.reading():
        repository = CitizenFundRepository(uow.session)
        fund = await repository.fund(fund_id)
        if fund is None or not actor.works_on(fund.contract_code):
            raise NotFoundError("citizen fund", str(fund_id))
        return fund, await repository.applications(fund_id)


async def apply(uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID, new: FundApplication) -> FundApplication:
    async with uow:
        fund, _ = await _fund_run_by(uow, actor, fund_id, lock=True)
        check_request(new.requested_cents, fund.envelope_cents)
        application = replace(new, fund_id=fund_id)
        row = FundApplicationRow(**columns_of(application), created_at=uow.now())
        await CitizenFundRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="fund_application.submitted",
            entity_type="fund_application",
            entity_id=str(application.application_id),
            after={"requested_cents": application.requested_cents},
        )
        await uow.commit()
    return application


async def _application_run_by(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID
) -> tuple[FundApplicationRow, Fund, Body]:
    row = await CitizenFundRepository(uow.session).application(application_id, lock=True)
    if row is None:
        raise NotFoundError("fund application", str(application_id))
    try:
        fund, committee = await _fund_run_by(uow, actor, row.fund_id, lock=True)
    except NotFoundError:
        raise NotFoundError("fund application", str(application_id)) from None
    return row, fund, committee


def application_etag(application: FundApplication) -> str:
    return etag_of(str(application.application_id), application.version)


def _money_audit(application: FundApplication) -> dict[str, object]:
    """What the money of an application is at one moment (amounts in cents), for the audit's before/after."""
    return {
        "status": application.status.value,
        "requested_cents": application.requested_cents,
        "granted_cents": application.granted_cents,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "paid_cents": application.paid_cents,
        "paid_on": application.paid_on.isoformat() if application.paid_on else None,
        "spent_cents": application.spent_cents,
        "version": application.version,
    }


async def _move(
    uow: UnitOfWork, actor: Principal, row: FundApplicationRow, moved: FundApplication, action: str, **noted: Any
) -> FundApplication:
    """Write an application's next step on its row, its version bumped, audited with the money before and after."""
    before = application_from_row(row)
    moved = replace(moved, version=before.version + 1)
    row.status, row.granted_cents, row.decided_on = moved.status.value, moved.granted_cents, moved.decided_on
    row.votes = None if moved.votes is None else dict(moved.votes)
    row.paid_cents, row.paid_on, row.spent_cents = moved.paid_cents, moved.paid_on, moved.spent_cents
    row.participants, row.reported_on, row.version = moved.participants, moved.reported_on, moved.version
    await ledger.changed(
        uow.session,
        actor,
        action=action,
        entity_type="fund_application",
        entity_id=str(row.application_id),
        before=_money_audit(before),
        after={**_money_audit(moved), **noted},
    )
    return moved


async def get_application(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> FundApplication:
    """An application, for whoever reads its fund's contract."""
    async with uow.reading():
        repository = CitizenFundRepository(uow.session)
        row = await repository.application(application_id)
        fund = None if row is None else await repository.fund(row.fund_id)
        if row is None or fund is None or not actor.works_on(fund.contract_code):
            raise NotFoundError("fund application", str(application_id))
        return application_from_row(row)


async def declare_conflict(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, person_id: uuid.UUID, on: date
) -> None:
    async with uow:
        row, _, committee = await _application_run_by(uow, actor, application_id)
        check_status(application_from_row(row), FundApplicationStatus.SUBMITTED, "person_id")
        check_conflict_declarant(person_id, await MemberRepository(uow.session).mandated_on(committee.body_id, on))
        repository = CitizenFundRepository(uow.session)
        if person_id not in await repository.conflicted(application_id):
            await repository.add(FundConflictRow(application_id=application_id, person_id=person_id, declared_on=on))
        await ledger.created(
            uow.session,
            actor,
            action="fund_application.conflict_declared",
            entity_type="fund_application",
            entity_id=str(application_id),
            after={"person": str(person_id)},
        )
        await uow.commit()


async def decide(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    decided_on: date,
    granted_cents: int,
    tally: Tally,
    voters: list[uuid.UUID],
) -> FundApplication:
    """The committee's decision, once: voters hold a mandate, the conflicted are recused, the envelope holds."""
    async with uow:
        row, fund, committee = await _application_run_by(uow, actor, application_id)
        application = application_from_row(row)
        check_status(application, FundApplicationStatus.SUBMITTED, "decided_on")
        repository = CitizenFundRepository(uow.session)
        already = sum(
            item.granted_cents or 0
            for item in await repository.applications(fund.fund_id)
            if item.application_id != application_id
        )
        outcome = check_decision(
            granted=granted_cents,
            requested=application.requested_cents,
            envelope=fund.envelope_cents,
            already_granted=already,
            tally=tally,
            voters=voters,
            members=await MemberRepository(uow.session).mandated_on(committee.body_id, decided_on),
            conflicted=await repository.conflicted(application_id),
        )
        votes = {"for": tally.votes_for, "against": tally.votes_against, "abstentions": tally.abstentions}
        decided = replace(
            application,
            status=outcome,
            granted_cents=granted_cents,
            decided_on=decided_on,
            votes={**votes, "voters": len(voters)},
        )
        decided = await _move(uow, actor, row, decided, "fund_application.decided", votes=decided.votes)
        await uow.commit()
    return decided


async def pay(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, paid_on: date, amount_cents: int
) -> FundApplication:
    async with uow:
        row, _, _ = await _application_run_by(uow, actor, application_id)
        application = application_from_row(row)
        check_status(application, FundApplicationStatus.GRANTED, "paid_on")
        check_payment(application, paid_on, amount_cents)
        paid = replace(application, status=FundApplicationStatus.PAID, paid_cents=amount_cents, paid_on=paid_on)
        paid = await _move(uow, actor, row, paid, "fund_application.paid")
        await uow.commit()
    return paid


@dataclass(frozen=True, slots=True)
class FinalReport:
    reported_on: date
    spent_cents: int
    participants: int
    text: str


async def report(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, final: FinalReport) -> FundApplication:
    async with uow:
        row, _, _ = await _application_run_by(uow, actor, application_id)
        application = application_from_row(row)
        uow.check_precondition(application_etag(application))
        check_status(application, FundApplicationStatus.PAID, "reported_on")
        check_report(application, final.spent_cents)
        reported = replace(
            application,
            status=FundApplicationStatus.REPORTED,
            reported_on=final.reported_on,
            spent_cents=final.spent_cents,
            participants=final.participants,
        )
        row.report = final.text
        reported = await _move(uow, actor, row, reported, "fund_application.reported", participants=final.participants)
        await uow.commit()
    return reported
