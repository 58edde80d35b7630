"""An application's moves through its workflow (submit, declare receivable, instruct, propose, decide,
notify, withdraw, reopen…), each with the rules of its step checked first and its event kept."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView
from services.grants.applications.domain.budget import BudgetLine, check_submission, requested_by_financer
from services.grants.applications.domain.financing import decided_line, outcome_of
from services.grants.applications.domain.workflow import State, Transition, moved
from services.grants.applications.models import ApplicationEventRow, ApplicationRow, FinancingLineRow
from services.grants.applications.repository import ApplicationRepository, financing_line_of, set_line
from services.grants.applications.use_cases.access import (
    APPLICATIONS,
    application_etag,
    application_view,
    visible_application,
)
from services.grants.conventions.domain import check_notifiable, needs_convention
from services.grants.conventions.repository import ConventionRepository
from services.grants.errors import BrokenRules, RulesBrokenError, RuleViolationError
from services.grants.institutions.repository import InstitutionRepository
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
        await uow.changes_contract(row.contract_code)
        uow.check_precondition(application_etag(row))
        before = State(row.state)
        after = moved(actor, before, transition, reason)
        repository = ApplicationRepository(uow.session)
        if transition is Transition.SUBMIT:
            budget = await repository.budget(application_id)
            rules = BrokenRules()
            with rules.checking():
                check_submission(budget)
            with rules.checking():
                await _check_reports_delivered(uow, row)
            rules.raise_any()
            await _open_financing_lines(repository, row, budget)
            row.submitted_at = uow.now()
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
                at=uow.now(),
                actor=actor.subject,
                actor_institution=actor.institution,
                transition=transition.value,
                from_state=before.value,
                to_state=after.value,
                reason=reason,
            )
        )
        await APPLICATIONS.changed(
            uow,
            actor,
            str(application_id),
            action=f"application.{transition.value}",
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
    last_year = last_ended_year(uow.today())
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


async def decide_as_committee(
    uow: UnitOfWork,
    actor: Principal,
    amounts: Mapping[tuple[uuid.UUID, uuid.UUID], int],
    held_on: date,
    blocking: Sequence[RuleViolationError],
) -> int:
    """The comité des financeurs' decisions, inside the caller's unit of work: every financing line of every
    application `amounts` names ((application, financer) → cents) decided as they say (nothing: refused),
    each application decided — or, with a rule broken (the `blocking` ones given, or an application not
    proposed), nothing at all. How many applications were decided."""
    repository = ApplicationRepository(uow.session)
    found = [
        await repository.get(application_id, for_update=True)
        for application_id in sorted({application_id for application_id, _ in amounts}, key=str)
    ]
    rows = [row for row in found if row is not None]
    broken = list(blocking) + [
        RuleViolationError("scenario", "application-proposed", f"{row.title} is {row.state}, not proposed")
        for row in rows
        if row.state != State.PROPOSED.value
    ]
    if broken:
        raise RulesBrokenError(broken)
    reason = f"comité des financeurs du {held_on.isoformat()}"
    names: dict[uuid.UUID, str] = {}
    for row in rows:
        if not names:  # one call's applications: one contract's financers
            institutions = await InstitutionRepository(uow.session).of_contract(row.contract_code)
            names = {key: item.nom for key, item in institutions.items()}
        lines = []
        for stored in await repository.financing(row.application_id, for_update=True):
            line = decided_line(financing_line_of(stored), amounts.get((row.application_id, stored.institution_id), 0))
            set_line(stored, line)
            lines.append(line)
        outcome = outcome_of(lines, names)
        row.outcome, row.state, row.version = outcome.value, State.DECIDED.value, row.version + 1
        await repository.add(
            ApplicationEventRow(
                application_id=row.application_id,
                at=uow.now(),
                actor=actor.subject,
                actor_institution=actor.institution,
                transition=Transition.DECIDE.value,
                from_state=State.PROPOSED.value,
                to_state=State.DECIDED.value,
                reason=reason,
            )
        )
    return len(rows)
