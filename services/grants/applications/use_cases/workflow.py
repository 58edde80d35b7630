"""An application's moves through its workflow (submit, declare receivable, instruct, propose, notify,
withdraw, reopen…), each with the rules of its step checked first and its event kept; the move to decided
that the last financer's decision makes; the comité des financeurs' proposals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import ApplicationView
from services.grants.applications.domain.budget import BudgetLine, check_submission, requested_by_financer
from services.grants.applications.domain.financing import (
    asked_again,
    every_line_decided,
    outcome_of,
    proposed_by_committee,
)
from services.grants.applications.domain.workflow import (
    State,
    Transition,
    check_in_time,
    check_notification_letter,
    data_parts,
    moved,
)
from services.grants.applications.models import ApplicationRow, FinancingLineRow
from services.grants.applications.repository import ApplicationRepository, financing_line_of
from services.grants.applications.repository.grounds import WriteGrounds
from services.grants.applications.repository.moves import write_move
from services.grants.applications.use_cases.access import (
    APPLICATIONS,
    application_etag,
    application_view,
    visible_application,
)
from services.grants.applications.use_cases.line_audit import line_set, line_withdrawn
from services.grants.conventions.domain import check_notifiable, needs_convention
from services.grants.conventions.repository import ConventionRepository
from services.grants.errors import BrokenRules
from services.grants.institutions.repository import InstitutionRepository
from services.grants.reports.domain import check_reports_delivered, last_ended_year
from services.grants.roles import PILOTS


async def move(
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    transition: Transition,
    reason: str | None,
    notified_on: date | None = None,
) -> ApplicationView:
    """One step of the workflow, with its event; the rules of the step are checked first, all of them. A
    notification is dated by its letter (`notified_on`); a late file is submitted by a pilot's exception."""
    async with uow:
        row = await visible_application(uow, actor, application_id, for_update=True)
        uow.check_precondition(application_etag(row))
        before = State(row.state)
        after = moved(actor, before, transition, reason)
        await uow.changes_contract(row.contract_code, data_parts(row.call_id, row.year, before, after))
        repository = ApplicationRepository(uow.session)
        noted: dict[str, object] = {}
        columns: dict[str, object] = {}
        if transition is Transition.SUBMIT:
            # The budget, the call's closing day and the operator's overdue reports, read at once.
            grounds = await WriteGrounds(uow.session).for_submission(row, last_ended_year(uow.today()))
            closes_on = grounds.closes_on
            rules = BrokenRules()
            with rules.checking():
                if closes_on is not None and check_in_time(
                    before, uow.today(), closes_on, reason, bool(actor.roles & PILOTS)
                ):
                    noted = {"lateFile": True, "callClosedOn": closes_on.isoformat()}
            with rules.checking():
                check_submission(grounds.budget)
            with rules.checking():
                # The operator's financial reports of the years already ended come before a new request.
                check_reports_delivered(grounds.overdue)
            rules.raise_any()
            await _open_financing_lines(uow, actor, row, grounds.budget, had_lines=grounds.has_financing_lines)
            columns = {"submitted_at": uow.now()}
        elif transition is Transition.NOTIFY:
            lines = await repository.financing(application_id)
            acts = [line.decided_on for line in lines if line.decided_on is not None]
            letter = check_notification_letter(notified_on, uow.today(), max(acts, default=None))
            noted, columns = {"notifiedOn": letter.isoformat()}, {"notified_on": letter}
            await _check_conventions(uow, row)
        elif transition is Transition.REOPEN:
            columns = {"outcome": None}
        await _record_move(uow, actor, row, transition, after, reason, noted, columns)
        if transition is Transition.PROPOSE:
            await settle(uow, actor, row, "every financer had decided its line")
        view = await application_view(uow, row)
        await uow.commit()
    return view


async def _record_move(
    uow: UnitOfWork,
    actor: Principal,
    row: ApplicationRow,
    transition: Transition,
    after: State,
    reason: str | None,
    noted: Mapping[str, object] | None = None,
    columns: Mapping[str, object] | None = None,
) -> None:
    """The application in its new state, with the `columns` the move sets besides (its outcome, its
    submission's time…), its event and its audit."""
    before = State(row.state)
    written = {**(columns or {}), "state": after.value, "version": row.version + 1}
    event = {
        "at": uow.now(),
        "actor": actor.subject,
        "actor_institution": actor.institution,
        "transition": transition.value,
        "from_state": before.value,
        "to_state": after.value,
        "reason": reason,
    }
    await write_move(uow.session, row, written, event)
    await APPLICATIONS.changed(
        uow,
        actor,
        str(row.application_id),
        action=f"application.{transition.value}",
        before={"state": before.value},
        after={"state": after.value, "reason": reason, "outcome": row.outcome, **(noted or {})},
        reason=reason,
    )


async def settle(
    uow: UnitOfWork,
    actor: Principal,
    row: ApplicationRow,
    reason: str,
    held: Sequence[FinancingLineRow] | None = None,
) -> None:
    """A proposed application whose every financer has decided its line is decided, its outcome read from
    the lines (`held`: all of them as the caller holds them, changes included; None: read them); a decided
    one's outcome follows a financer's new act. Inside the caller's unit of work."""
    state = State(row.state)
    if state not in {State.PROPOSED, State.DECIDED}:
        return
    if held is None:
        held = await ApplicationRepository(uow.session).financing(row.application_id)
    lines = [financing_line_of(line) for line in held]
    if not every_line_decided(lines):
        return
    institutions = await InstitutionRepository(uow.session).of_contract(row.contract_code)
    outcome = outcome_of(lines, {key: item.nom for key, item in institutions.items()}).value
    if state is State.PROPOSED:
        await _record_move(uow, actor, row, Transition.DECIDE, State.DECIDED, reason, columns={"outcome": outcome})
    else:
        row.outcome = outcome


async def _open_financing_lines(
    uow: UnitOfWork, actor: Principal, row: ApplicationRow, budget: list[BudgetLine], *, had_lines: bool
) -> None:
    """One line per financer the budget asks, with the requested amount; lines no longer asked go. The lines
    it `had_lines` are read locked (after the application, locked by the caller); none: nothing to read. A
    file submitted again after a correction asks each financer again (`asked_again`): a line whose amount
    changed loses the opinion, proposal, comité and decision given on the former amount, audited; a line no
    longer asked is audited with what it held, then goes."""
    repository = ApplicationRepository(uow.session)
    requested = requested_by_financer(budget)
    held = await repository.financing(row.application_id, for_update=True) if had_lines else []
    existing = {line.institution_id: line for line in held}
    withdrawn = set(existing) - set(requested)
    for institution_id in sorted(withdrawn):
        await line_withdrawn(uow, actor, row, existing[institution_id])
    await repository.remove_financing(row.application_id, withdrawn)
    opened = []
    for institution_id, amount in requested.items():
        stored = existing.get(institution_id)
        if stored is None:
            opened.append(
                FinancingLineRow(
                    application_id=row.application_id,
                    institution_id=institution_id,
                    contract_code=row.contract_code,
                    year=row.year,
                    requested_cents=amount,
                )
            )
            continue
        before = financing_line_of(stored)
        after = asked_again(before, amount)
        if after == before:
            continue
        await line_set(uow, actor, row, stored, before, after, action="financing_line.asked_again")
    if opened:
        await repository.add(*opened)  # one statement for the new lines


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


async def agree_as_committee(
    uow: UnitOfWork,
    actor: Principal,
    amounts: Mapping[tuple[uuid.UUID, uuid.UUID], int],
    committee_id: uuid.UUID,
    held_on: date,
) -> int:
    """The comité des financeurs' programmation, inside the caller's unit of work (whose rules the caller
    checked, the applications locked): every financing line of every application `amounts` names
    ((application, financer) → cents) proposed as it says (nothing: 0 €), recorded with the comité. Each
    financer then decides its own line; an application whose every line is decided already is decided.
    How many applications the comité programmed."""
    repository = ApplicationRepository(uow.session)
    reason = f"comité des financeurs du {held_on.isoformat()}"
    programmed = 0
    for application_id in sorted({application_id for application_id, _ in amounts}, key=str):
        row = await repository.get(application_id, for_update=True)
        if row is None:
            continue
        for stored in await repository.financing(application_id, for_update=True):
            before = financing_line_of(stored)
            after = proposed_by_committee(before, committee_id, amounts.get((application_id, stored.institution_id), 0))
            await line_set(uow, actor, row, stored, before, after, action="financing_line.agreed", reason=reason)
        row.version += 1
        programmed += 1
        await uow.session.flush()
        await settle(uow, actor, row, reason)
    return programmed
