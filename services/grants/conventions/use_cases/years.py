"""The applications that carry a convention's years: attached, or renewed from the previous year's."""

from __future__ import annotations

import uuid

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.applications.domain.application import NewApplication, renewal_of
from services.grants.applications.repository import ApplicationRepository, application_of
from services.grants.applications.use_cases.drafting import add_application, copy_budget
from services.grants.calls.repository import CallRepository
from services.grants.clients.territories import References
from services.grants.conventions.domain import ConventionStatus, ConventionView, check_takes_years
from services.grants.conventions.models import ConventionApplicationRow
from services.grants.conventions.repository import ConventionRepository
from services.grants.conventions.use_cases.access import (
    CONVENTIONS,
    check_managed,
    contract_institutions,
    convention_etag,
    convention_view,
    visible_convention,
)
from services.grants.errors import ConflictError, NotFoundError, RuleViolationError
from services.grants.operators.domain import own_organisations


async def attach_application(
    uow: UnitOfWork, actor: Principal, convention_id: uuid.UUID, year: int, application_id: uuid.UUID
) -> ConventionView:
    """The application that carries one year of the convention (same operator, that year)."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        await check_managed(uow, actor, row, known)
        uow.check_precondition(convention_etag(row))
        check_takes_years(ConventionStatus(row.status))
        if not row.first_year <= year <= row.last_year:
            raise RuleViolationError(
                "year", "year-in-term", f"{year} is outside the term {row.first_year}–{row.last_year}"
            )
        application = await ApplicationRepository(uow.session).get(application_id)
        if application is None or application.contract_code != row.contract_code:
            raise RuleViolationError(
                "application_id", "application-of-contract", f"application {application_id} not found"
            )
        if application.operator_id != row.operator_id or application.year != year:
            raise RuleViolationError(
                "application_id",
                "application-of-operator-and-year",
                f"the application is not the {year} application of the convention's operator",
            )
        repository = ConventionRepository(uow.session)
        carrying = await repository.carrying(application_id)
        linked = await repository.applications([convention_id])
        if carrying is not None or any(link.year == year for link in linked):
            raise ConflictError(f"year {year} or application {application_id} is already linked")
        await repository.add(
            ConventionApplicationRow(convention_id=convention_id, year=year, application_id=application_id)
        )
        row.version += 1
        await CONVENTIONS.changed(
            uow,
            actor,
            str(convention_id),
            action="convention.application_attached",
            before={"year": year, "applicationId": None},
            after={"year": year, "applicationId": str(application_id)},
        )
        view = await convention_view(uow, row, known)
        await uow.commit()
    return view


async def renew_year(
    uow: UnitOfWork,
    references: References,
    actor: Principal,
    convention_id: uuid.UUID,
    year: int,
    call_id: uuid.UUID,
) -> ConventionView:
    """The application of one year of a multi-year convention, pre-filled from the previous year's (same
    action, content and budget, dates a year later) and linked to that year; a draft for the operator."""
    async with uow:
        row = await visible_convention(uow, actor, convention_id, for_update=True)
        known = await contract_institutions(uow, row.contract_code)
        if own_organisations(actor) is None:
            await check_managed(uow, actor, row, known)
        check_takes_years(ConventionStatus(row.status))
        if not row.first_year < year <= row.last_year:
            raise RuleViolationError(
                "year",
                "renewed-year",
                f"the years after the first of the term are renewed: {row.first_year + 1}–{row.last_year}",
            )
        repository = ConventionRepository(uow.session)
        links = {link.year: link for link in await repository.applications([convention_id])}
        if year in links:
            raise ConflictError(f"year {year} already carries an application")
        if year - 1 not in links:
            raise RuleViolationError("year", "previous-year-linked", f"no application carries {year - 1} to renew")
        previous = await ApplicationRepository(uow.session).get(links[year - 1].application_id)
        if previous is None:
            raise NotFoundError("application", str(links[year - 1].application_id))
        call = await CallRepository(uow.session).get(call_id)
        if call is None or call.contract_code != row.contract_code or call.year != year:
            raise RuleViolationError("call_id", "call-of-year", f"not a call of {row.contract_code} for {year}")
        new = NewApplication(call_id, previous.operator_id, previous.action_id, renewal_of(application_of(previous)))
        created = await add_application(uow, references, actor, new)
        await copy_budget(uow, previous.application_id, created.application_id)
        await repository.add(
            ConventionApplicationRow(convention_id=convention_id, year=year, application_id=created.application_id)
        )
        row.version += 1
        await CONVENTIONS.created(
            uow,
            actor,
            str(convention_id),
            action="convention.year_renewed",
            after={"year": year, "applicationId": str(created.application_id)},
        )
        view = await convention_view(uow, row, known)
        await uow.commit()
    return view
