"""An application's moves through its workflow (submit, declare receivable, instruct, propose, decide,
notify, withdraw, reopen…), each with the rules of its step checked first and its event kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kit.auth.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView
from services.grants.applications.domain.budget import BudgetLine, check_submission, requested_by_financer
from services.grants.applications.domain.financing import outcome_of
from services.grants.applications.domain.workflow import State, Transition, moved
from services.grants.applications.models import ApplicationEventRow, ApplicationRow, FinancingLineRow
from services.grants.applications.repository import ApplicationRepository, financing_line_of
from services.grants.applications.use_cases.access import application_etag, application_view, visible_application
from services.grants.conventions.domain.convention import check_notifiable, needs_convention
from services.grants.conventions.repository import ConventionRepository
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import ledger
from services.grants.reports.domain import check_reports_delivered, last_ended_year
from services.grants.reports.repository import ReportRepository


async def move(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    transition: Transition,
    reason: str | None,
) -> ApplicationView:
    """One step of the workflow, with its event; the rules of the step are checked first, all of them."""
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        uow.check_precondition(application_etag(row))
        before = State(row.state)
        after = moved(actor, before, transition, reason)
        repository = ApplicationRepository(uow.session)
        if transition is Transition.SUBMIT:
            budget = await repository.budget(application_id)
            check_submission(budget)
            await _check_reports_delivered(uow, row)
            await _open_financing_lines(repository, row, budget)
            row.submitted_at = datetime.now(UTC)
        elif transition is Transition.DECIDE:
            institutions = await InstitutionRepository(uow.session).of_contract(row.contract_code)
            lines = [financing_line_of(line) for line in await repository.financing(application_id)]
            row.outcome = outcome_of(lines, {key: item.nom for key, item in institutions.items()}).value
        elif transition is Transition.NOTIFY:
            await _check_conventions(uow, row)
        elif transition is Transition.REOPEN:
            row.outcome = None
        row.state = after.value
        row.version += 1
        await repository.add(
            ApplicationEventRow(
                application_id=application_id,
                at=datetime.now(UTC),
                actor=actor.subject,
                actor_institution=actor.institution,
                transition=transition.value,
                from_state=before.value,
                to_state=after.value,
                reason=reason,
            )
        )
        await ledger.changed(
            uow.session,
            actor,
            action=f"application.{transition.value}",
            entity_type="application",
            entity_id=str(application_id),
            before={"state": before.value},
            after={"state": after.value, "reason": reason},
        )
        view = await application_view(uow, row)
        await uow.commit()
    return view


async def _open_financing_lines(
    repository: ApplicationRepository, row: ApplicationRow, budget: list[BudgetLine]
) -> None:
    """One line per financer the budget asks, with the requested amount; lines no longer asked go."""
    requested = requested_by_financer(budget)
    existing = {line.institution_id: line for line in await repository.financing(row.application_id, for_update=True)}
    await repository.remove_financing(row.application_id, set(existing) - set(requested))
    for institution_id, amount in requested.items():
        line = existing.get(institution_id)
        if line is None:
            await repository.add(
                FinancingLineRow(
                    application_id=row.application_id,
                    institution_id=institution_id,
                    contract_code=row.contract_code,
                    year=row.year,
                    requested_cents=amount,
                )
            )
        else:
            line.requested_cents = amount


async def _check_reports_delivered(uow: UnitOfWork, row: ApplicationRow) -> None:
    """The operator's financial reports of the years already ended come before a new request."""
    last_year = last_ended_year(datetime.now(UTC).date())
    check_reports_delivered(
        await ReportRepository(uow.session).overdue(row.contract_code, {row.operator_id}, last_year)
    )


async def _check_conventions(uow: UnitOfWork, row: ApplicationRow) -> None:
    """Each decision above the threshold is notified only under a signed convention for that year."""
    repository = ApplicationRepository(uow.session)
    above = [line for line in await repository.financing(row.application_id) if needs_convention(line.decided_cents)]
    if not above:
        return
    covered = await ConventionRepository(uow.session).signed_covering(
        row.operator_id, row.year, [line.institution_id for line in above]
    )
    institutions = await InstitutionRepository(uow.session).of_contract(row.contract_code)
    uncovered = [
        (institutions[line.institution_id].nom, line.decided_cents or 0)
        for line in above
        if line.institution_id not in covered
    ]
    check_notifiable(row.year, uncovered)
