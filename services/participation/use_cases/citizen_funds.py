"""Citizen funds: opened by the contract's pilots or a commune with a fund committee; residents' projects
recorded by the committee's facilitators; the committee decides (recusal enforced); payment; report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kit.auth.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.domain import Body, BodyKind
from services.participation.bodies.use_cases import body_managed_by
from services.participation.db.models import CitizenFundRow, FundApplicationRow, FundConflictRow
from services.participation.db.repositories import CitizenFundRepository
from services.participation.domain.citizen_funds import FundApplicationStatus, check_decision, check_request
from services.participation.errors import NotFoundError, RuleViolationError
from services.participation.meetings.domain import Tally
from services.participation.members.repository import MemberRepository
from services.participation.persistence import ledger


@dataclass(frozen=True, slots=True)
class NewFund:
    name: str
    year: int
    envelope_cents: int


async def open_fund(uow: UnitOfWork, actor: Principal, committee_id: uuid.UUID, new: NewFund) -> CitizenFundRow:
    async with uow:
        try:
            committee = await body_managed_by(uow, actor, committee_id)
        except NotFoundError:
            raise RuleViolationError(
                "committee_body_id", "body-of-contract", "no such body in your contracts"
            ) from None
        if BodyKind(committee.kind) is not BodyKind.COMITE_FONDS_PARTICIPATION:
            raise RuleViolationError(
                "committee_body_id", "fund-committee", "a fund is run by a body of kind comite_fonds_participation"
            )
        row = CitizenFundRow(
            fund_id=uuid.uuid4(),
            contract_code=committee.contract_code,
            name=new.name,
            year=new.year,
            envelope_cents=new.envelope_cents,
            committee_body_id=committee_id,
            created_at=datetime.now(UTC),
        )
        await CitizenFundRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="citizen_fund.opened",
            entity_type="citizen_fund",
            entity_id=str(row.fund_id),
            after={"envelope_cents": new.envelope_cents},
        )
        await uow.commit()
    return row


async def _fund_run_by(
    uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID, *, lock: bool = False
) -> tuple[CitizenFundRow, Body]:
    fund = await CitizenFundRepository(uow.session).fund(fund_id, lock=lock)
    if fund is None or not actor.works_on(fund.contract_code):
        raise NotFoundError("citizen fund", str(fund_id))
    return fund, await body_managed_by(uow, actor, fund.committee_body_id)


async def fund_with_applications(
    uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID
) -> tuple[CitizenFundRow, list[FundApplicationRow]]:
    async with uow.reading():
        fund = await CitizenFundRepository(uow.session).fund(fund_id)
        if fund is None or not actor.works_on(fund.contract_code):
            raise NotFoundError("citizen fund", str(fund_id))
        return fund, await CitizenFundRepository(uow.session).applications(fund_id)


@dataclass(frozen=True, slots=True)
class NewApplication:
    title: str
    group_name: str
    description: str
    qpv_codes: list[str]
    requested_cents: int


async def apply(uow: UnitOfWork, actor: Principal, fund_id: uuid.UUID, new: NewApplication) -> FundApplicationRow:
    async with uow:
        fund, _ = await _fund_run_by(uow, actor, fund_id, lock=True)
        check_request(new.requested_cents, fund.envelope_cents)
        row = FundApplicationRow(
            application_id=uuid.uuid4(),
            fund_id=fund_id,
            title=new.title,
            group_name=new.group_name,
            description=new.description,
            qpv_codes=new.qpv_codes,
            requested_cents=new.requested_cents,
            status=FundApplicationStatus.SUBMITTED.value,
            version=1,
            created_at=datetime.now(UTC),
        )
        await CitizenFundRepository(uow.session).add(row)
        await ledger.created(
            uow.session,
            actor,
            action="fund_application.submitted",
            entity_type="fund_application",
            entity_id=str(row.application_id),
            after={"requested_cents": new.requested_cents},
        )
        await uow.commit()
    return row


async def _application_run_by(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID
) -> tuple[FundApplicationRow, CitizenFundRow, Body]:
    application = await CitizenFundRepository(uow.session).application(application_id, lock=True)
    if application is None:
        raise NotFoundError("fund application", str(application_id))
    try:
        fund, committee = await _fund_run_by(uow, actor, application.fund_id, lock=True)
    except NotFoundError:
        raise NotFoundError("fund application", str(application_id)) from None
    return application, fund, committee


def application_etag(application: FundApplicationRow) -> str:
    return etag_of(str(application.application_id), application.version)


def _money_audit(application: FundApplicationRow) -> dict[str, object]:
    """What the money of an application is at one moment (amounts in cents), for the audit's before/after."""
    return {
        "status": application.status,
        "requested_cents": application.requested_cents,
        "granted_cents": application.granted_cents,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "paid_cents": application.paid_cents,
        "paid_on": application.paid_on.isoformat() if application.paid_on else None,
        "spent_cents": application.spent_cents,
        "version": application.version,
    }


async def get_application(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> FundApplicationRow:
    """An application, for whoever reads its fund's contract."""
    async with uow.reading():
        repository = CitizenFundRepository(uow.session)
        application = await repository.application(application_id)
        fund = None if application is None else await repository.fund(application.fund_id)
        if application is None or fund is None or not actor.works_on(fund.contract_code):
            raise NotFoundError("fund application", str(application_id))
        return application


def _expect(application: FundApplicationRow, wanted: FundApplicationStatus, field: str) -> None:
    if application.status != wanted.value:
        raise RuleViolationError(field, f"{wanted.value}-first", f"the application is {application.status}")


async def declare_conflict(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, person_id: uuid.UUID, on: date
) -> None:
    async with uow:
        application, _, committee = await _application_run_by(uow, actor, application_id)
        _expect(application, FundApplicationStatus.SUBMITTED, "person_id")
        members = await MemberRepository(uow.session).mandated_on(committee.body_id, on)
        if person_id not in members:
            raise RuleViolationError("person_id", "member-has-mandate", "conflicts are declared by committee members")
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
) -> FundApplicationRow:
    """The committee's decision, once: voters hold a mandate, the conflicted are recused, the envelope holds."""
    async with uow:
        application, fund, committee = await _application_run_by(uow, actor, application_id)
        _expect(application, FundApplicationStatus.SUBMITTED, "decided_on")
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
        before = _money_audit(application)
        application.status, application.granted_cents, application.decided_on = outcome.value, granted_cents, decided_on
        application.votes = {
            "for": tally.votes_for,
            "against": tally.votes_against,
            "abstentions": tally.abstentions,
            "voters": len(voters),
        }
        application.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="fund_application.decided",
            entity_type="fund_application",
            entity_id=str(application_id),
            before=before,
            after={**_money_audit(application), "votes": application.votes},
        )
        await uow.commit()
    return application


async def pay(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, paid_on: date, amount_cents: int
) -> FundApplicationRow:
    async with uow:
        application, _, _ = await _application_run_by(uow, actor, application_id)
        _expect(application, FundApplicationStatus.GRANTED, "paid_on")
        if not 0 < amount_cents <= (application.granted_cents or 0):
            raise RuleViolationError("amount", "paid-within-granted", "a payment is at most the amount granted")
        if application.decided_on is not None and paid_on < application.decided_on:
            raise RuleViolationError("paid_on", "after-decision", "a payment follows the decision")
        before = _money_audit(application)
        application.status, application.paid_cents = FundApplicationStatus.PAID.value, amount_cents
        application.paid_on = paid_on
        application.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="fund_application.paid",
            entity_type="fund_application",
            entity_id=str(application_id),
            before=before,
            after=_money_audit(application),
        )
        await uow.commit()
    return application


@dataclass(frozen=True, slots=True)
class FinalReport:
    reported_on: date
    spent_cents: int
    participants: int
    text: str


async def report(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, final: FinalReport
) -> FundApplicationRow:
    async with uow:
        application, _, _ = await _application_run_by(uow, actor, application_id)
        uow.check_precondition(application_etag(application))
        _expect(application, FundApplicationStatus.PAID, "reported_on")
        if final.spent_cents > (application.paid_cents or 0):
            raise RuleViolationError("spent", "spent-within-paid", "more spent than paid: say where the rest came from")
        before = _money_audit(application)
        application.status, application.reported_on = FundApplicationStatus.REPORTED.value, final.reported_on
        application.spent_cents, application.participants, application.report = (
            final.spent_cents,
            final.participants,
            final.text,
        )
        application.version += 1
        await ledger.changed(
            uow.session,
            actor,
            action="fund_application.reported",
            entity_type="fund_application",
            entity_id=str(application_id),
            before=before,
            after={**_money_audit(application), "participants": final.participants},
        )
        await uow.commit()
    return application
