"""Tranches of a financer's decided amount: planned by that financer, paid once the decision is notified and
the gates are met (or overridden with a reason), failed payments reissued."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import Application
from services.grants.applications.domain.financing import FinancingLine
from services.grants.applications.domain.workflow import State
from services.grants.applications.repository import ApplicationRepository, financing_line_of
from services.grants.applications.use_cases.access import APPLICATIONS, application_for
from services.grants.errors import NotEditableError, NotFoundError, RulesBrokenError, RuleViolationError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.payments.domain import (
    GATE_MESSAGES,
    PLANNED_FROM,
    Gate,
    PlannedTranche,
    Tranche,
    TrancheKind,
    TrancheStatus,
    check_payer,
    check_payment,
    planned_amounts,
    report_gates,
)
from services.grants.payments.models import TrancheRow
from services.grants.payments.repository import PaymentRepository, tranche_of
from services.grants.persistence import Audited
from services.grants.programmation.repository.scenarios import ProgrammationRepository
from services.grants.reports.domain import ReportStatus
from services.grants.reports.repository import ReportRepository, status_of

TRANCHES = Audited("tranche")


@dataclass(frozen=True, slots=True)
class Payment:
    amount_cents: int
    paid_on: date
    chorus_commitment: str | None
    chorus_payment: str | None
    override_reason: str | None


async def _line_of(
    uow: UnitOfWork, actor: Principal, application: Application, institution_id: uuid.UUID
) -> FinancingLine:
    """The financing line, which only its own financer plans and pays (or a platform administrator)."""
    line = next(
        (
            financing_line_of(line)
            for line in await ApplicationRepository(uow.session).financing(application.application_id)
            if line.institution_id == institution_id
        ),
        None,
    )
    institution = await InstitutionRepository(uow.session).get(institution_id)
    if line is None or institution is None:
        raise NotFoundError("financing line", str(institution_id))
    check_payer(actor, institution.code, institution.nom)
    return line


def line_tranches_etag(application_id: uuid.UUID, institution_id: uuid.UUID, tranches: Sequence[Tranche]) -> str:
    """The plan of one financing line: the digest of its tranches' versions (an empty plan has one too)."""
    return etag_of_content(
        str(application_id), str(institution_id), *(f"{item.tranche_id}:{item.version}" for item in tranches)
    )


def _tranche_audit(row: TrancheRow) -> dict[str, object]:
    return {
        "tranche": str(row.tranche_id),
        "kind": row.kind,
        "plannedCents": row.planned_cents,
        "plannedOn": row.planned_on.isoformat() if row.planned_on else None,
        "status": row.status,
        "paidCents": row.paid_cents,
    }


async def line_tranches(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, institution_id: uuid.UUID
) -> list[Tranche]:
    """The tranches of one financing line, for whoever reads the application."""
    async with uow.reading():
        await application_for(uow, actor, application_id)
        return [
            tranche_of(row) for row in await PaymentRepository(uow.session).tranches(application_id, institution_id)
        ]


async def plan_tranches(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    institution_id: uuid.UUID,
    plan: Sequence[tuple[PlannedTranche, date | None]],
) -> list[Tranche]:
    """The financer's tranches of its decided amount, replacing a plan nothing was paid on yet; returns
    the line's tranches."""
    async with uow:
        application = await application_for(uow, actor, application_id, for_update=True)
        if application.state not in PLANNED_FROM:
            raise NotEditableError(f"tranches are planned once the amounts are decided, not {application.state}")
        line = await _line_of(uow, actor, application, institution_id)
        if not line.decided_cents:
            raise RuleViolationError("tranches", "decided-amount", "nothing was decided on this line")
        repository = PaymentRepository(uow.session)
        current = await repository.tranches(application_id, institution_id)
        uow.check_precondition(line_tranches_etag(application_id, institution_id, [tranche_of(row) for row in current]))
        if any(TrancheStatus(row.status) is not TrancheStatus.PLANNED for row in current):
            raise NotEditableError("payments have started on this line: its plan is kept")
        amounts = planned_amounts(line.decided_cents, [item for item, _ in plan])
        await repository.remove_plan(application_id, institution_id)
        await repository.add(
            *(
                TrancheRow(
                    tranche_id=uuid.uuid4(),
                    application_id=application_id,
                    institution_id=institution_id,
                    position=position,
                    kind=item.kind.value,
                    planned_cents=amount,
                    planned_on=planned_on,
                    status=TrancheStatus.PLANNED.value,
                    overridden_gates=[],
                    version=1,
                )
                for position, ((item, planned_on), amount) in enumerate(zip(plan, amounts, strict=True))
            )
        )
        await APPLICATIONS.changed(
            uow,
            actor,
            str(application_id),
            action="tranches.planned",
            before={"institutionId": str(institution_id), "tranches": [_tranche_audit(row) for row in current]},
            after={"institutionId": str(institution_id), "plannedCents": amounts, "decidedCents": line.decided_cents},
        )
        planned = [tranche_of(row) for row in await repository.tranches(application_id, institution_id)]
        await uow.commit()
    return planned


async def list_tranches(uow: UnitOfWork, actor: Principal, application_id: uuid.UUID) -> list[Tranche]:
    async with uow.reading():
        await application_for(uow, actor, application_id)
        return [tranche_of(row) for row in await PaymentRepository(uow.session).tranches(application_id)]


async def _unmet_gates(uow: UnitOfWork, application: Application, tranche: TrancheRow) -> list[Gate]:
    reports = ReportRepository(uow.session)
    previous = await ApplicationRepository(uow.session).previous_year(application.action_id, application.year)
    previous_notified = previous is not None and State(previous.state) is State.NOTIFIED
    previous_report = await reports.financial(previous.application_id) if previous is not None else None
    own = status_of(await reports.financial(application.application_id))
    unmet = report_gates(
        TrancheKind(tranche.kind),
        previous_notified,
        previous_report is not None and ReportStatus(previous_report.status) is ReportStatus.ACCEPTED,
        own in {ReportStatus.SUBMITTED, ReportStatus.ACCEPTED},
    )
    if not await ProgrammationRepository(uow.session).envelope_voted(application.call_id, tranche.institution_id):
        unmet.append(Gate.CREDITS_VOTED)
    return unmet


async def _tranche_of(
    uow: UnitOfWork, actor: Principal, tranche_id: uuid.UUID
) -> tuple[TrancheRow, Application, FinancingLine]:
    repository = PaymentRepository(uow.session)
    found = await repository.tranche(tranche_id)
    if found is None:
        raise NotFoundError("tranche", str(tranche_id))
    # Locks in one order on every path that changes tranches: the application, then its tranches (a
    # payment that locked the tranche first deadlocked against a re-plan of the same line).
    try:
        application = await application_for(uow, actor, found.application_id, for_update=True)
    except NotFoundError as missing:
        raise NotFoundError("tranche", str(tranche_id)) from missing
    tranche = await repository.tranche(tranche_id, for_update=True)
    if tranche is None:  # re-planned away while this request waited for the application
        raise NotFoundError("tranche", str(tranche_id))
    line = await _line_of(uow, actor, application, tranche.institution_id)
    return tranche, application, line


async def pay_tranche(uow: UnitOfWork, actor: Principal, tranche_id: uuid.UUID, payment: Payment) -> Tranche:
    """A payment of a planned tranche: never more than the tranche nor, with the line's other payments, than
    the decided amount; a gate not met blocks it unless overridden with a reason (kept and audited)."""
    async with uow:
        tranche, application, line = await _tranche_of(uow, actor, tranche_id)
        if TrancheStatus(tranche.status) is not TrancheStatus.PLANNED:
            raise NotEditableError(f"the tranche is {tranche.status}")
        if application.state is not State.NOTIFIED:
            raise NotEditableError("a tranche is paid once the decision is notified")
        paid_on_line = sum(
            row.paid_cents or 0
            for row in await PaymentRepository(uow.session).tranches(application.application_id, tranche.institution_id)
            if TrancheStatus(row.status) is TrancheStatus.PAID
        )
        check_payment(payment.amount_cents, tranche.planned_cents, paid_on_line, line.decided_cents or 0)
        unmet = await _unmet_gates(uow, application, tranche)
        reason = (payment.override_reason or "").strip()
        if unmet and not reason:
            raise RulesBrokenError(
                [
                    RuleViolationError(
                        "override_reason", gate.value, f"{GATE_MESSAGES[gate]}: pay with the reason it is overridden"
                    )
                    for gate in unmet
                ]
            )
        before = _tranche_audit(tranche)
        tranche.status = TrancheStatus.PAID.value
        tranche.paid_cents = payment.amount_cents
        tranche.paid_on = payment.paid_on
        tranche.chorus_commitment = payment.chorus_commitment
        tranche.chorus_payment = payment.chorus_payment
        tranche.overridden_gates = [gate.value for gate in unmet]
        tranche.override_reason = reason if unmet else None
        tranche.override_by = actor.subject if unmet else None
        tranche.version += 1
        await TRANCHES.changed(
            uow,
            actor,
            str(tranche_id),
            action="tranche.paid",
            before=before,
            after={
                **_tranche_audit(tranche),
                "paidOn": payment.paid_on.isoformat(),
                "chorusCommitment": payment.chorus_commitment,
                "chorusPayment": payment.chorus_payment,
                "overriddenGates": tranche.overridden_gates,
                "paidOnLineCents": paid_on_line + payment.amount_cents,
                "decidedCents": line.decided_cents,
            },
            reason=tranche.override_reason,
        )
        await uow.commit()
    return tranche_of(tranche)


async def fail_tranche(uow: UnitOfWork, actor: Principal, tranche_id: uuid.UUID, reason: str) -> Tranche:
    """A payment that did not go through (rejected by the bank or Chorus): it no longer counts as paid."""
    if not reason.strip():
        raise RuleViolationError("reason", "reason-required", "a failed payment needs a reason")
    async with uow:
        tranche, _, _ = await _tranche_of(uow, actor, tranche_id)
        if TrancheStatus(tranche.status) is not TrancheStatus.PAID:
            raise NotEditableError(f"only a paid tranche fails, this one is {tranche.status}")
        before = _tranche_audit(tranche)
        tranche.status = TrancheStatus.FAILED.value
        tranche.failure_reason = reason
        tranche.version += 1
        await TRANCHES.changed(
            uow,
            actor,
            str(tranche_id),
            action="tranche.failed",
            before=before,
            after=_tranche_audit(tranche),
            reason=reason,
        )
        await uow.commit()
    return tranche_of(tranche)


async def reissue_tranche(uow: UnitOfWork, actor: Principal, tranche_id: uuid.UUID) -> Tranche:
    """A new planned tranche for the amount of a failed one, which it replaces."""
    async with uow:
        tranche, _, _ = await _tranche_of(uow, actor, tranche_id)
        if TrancheStatus(tranche.status) is not TrancheStatus.FAILED:
            raise NotEditableError(f"only a failed tranche is reissued, this one is {tranche.status}")
        before = _tranche_audit(tranche)
        tranche.status = TrancheStatus.REPLACED.value
        tranche.version += 1
        reissued = TrancheRow(
            tranche_id=uuid.uuid4(),
            application_id=tranche.application_id,
            institution_id=tranche.institution_id,
            position=tranche.position,
            kind=tranche.kind,
            planned_cents=tranche.planned_cents,
            planned_on=tranche.planned_on,
            status=TrancheStatus.PLANNED.value,
            overridden_gates=[],
            replaces_tranche_id=tranche.tranche_id,
            version=1,
        )
        await PaymentRepository(uow.session).add(reissued)
        await TRANCHES.changed(
            uow,
            actor,
            str(tranche_id),
            action="tranche.reissued",
            before=before,
            after={**_tranche_audit(tranche), "reissuedAs": _tranche_audit(reissued)},
        )
        await uow.commit()
    return tranche_of(reissued)
