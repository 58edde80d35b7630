"""What each financer puts into a call (its envelope) and the call's portfolio rules: read by the contract's
partners, set by its pilots and the State."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.unit_of_work import UnitOfWork
from services.grants.calls.domain import CallForProjects
from services.grants.calls.repository import CallRepository, call_of
from services.grants.calls.use_cases import CALLS
from services.grants.errors import NotFoundError, RuleViolationError
from services.grants.institutions.repository import InstitutionRepository
from services.grants.persistence import Audited
from services.grants.programmation.domain.portfolio import Envelope, PortfolioRules
from services.grants.programmation.domain.scenarios import check_programmer, reads_programmation
from services.grants.programmation.models import EnvelopeRow, PortfolioRulesRow
from services.grants.programmation.repository.scenarios import ProgrammationRepository, envelope_of, rules_of

ENVELOPES = Audited("envelope")


async def programmed_call(
    uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, *, lock: bool = False
) -> CallForProjects:
    """The call, if the caller reads its programmation; `lock` serialises the writes of its envelopes and
    rules."""
    call = await CallRepository(uow.session).get(call_id, for_update=lock)
    if call is None or not reads_programmation(actor, call.contract_code):
        raise NotFoundError("call for projects", str(call_id))
    return call_of(call)


def envelope_etag(envelope: Envelope) -> str:
    """An envelope carries no version: its ETag is the digest of its amounts."""
    return etag_of_content(str(envelope.envelope_id), str(envelope.amount_cents), str(envelope.departmental_cents))


async def set_envelope(
    uow: UnitOfWork,
    actor: Principal,
    call_id: uuid.UUID,
    institution_id: uuid.UUID,
    amount_cents: int,
    departmental_cents: int | None,
) -> Envelope:
    async with uow:
        call = await programmed_call(uow, actor, call_id, lock=True)
        check_programmer(actor, "envelopes")
        institution = (await InstitutionRepository(uow.session).of_contract(call.contract_code)).get(institution_id)
        if institution is None:
            raise NotFoundError("institution", str(institution_id))
        if departmental_cents is not None and not institution.is_state_p147:
            raise RuleViolationError(
                "departmental_amount", "p147-only", "only the State's P147 envelope has a departmental amount"
            )
        repository = ProgrammationRepository(uow.session)
        row = await repository.envelope(call_id, institution_id)
        uow.check_precondition(None if row is None else envelope_etag(envelope_of(row)))
        before = None if row is None else {"amount": row.amount_cents, "departmental": row.departmental_cents}
        if row is None:
            row = EnvelopeRow(envelope_id=uuid.uuid4(), call_id=call_id, institution_id=institution_id, amount_cents=0)
            await repository.add(row)
        await ENVELOPES.changed(
            uow,
            actor,
            str(row.envelope_id),
            action="envelope.set",
            before=before,
            after={"amount": amount_cents, "departmental": departmental_cents},
            row=row,
            columns={"amount_cents": amount_cents, "departmental_cents": departmental_cents},
        )
        await uow.commit()
    return envelope_of(row)


async def get_envelope(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, institution_id: uuid.UUID) -> Envelope:
    async with uow.reading():
        await programmed_call(uow, actor, call_id)
        row = await ProgrammationRepository(uow.session).envelope(call_id, institution_id)
    if row is None:
        raise NotFoundError("envelope", f"{call_id}/{institution_id}")
    return envelope_of(row)


async def list_envelopes(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> list[Envelope]:
    async with uow.reading():
        await programmed_call(uow, actor, call_id)
        return await ProgrammationRepository(uow.session).envelopes(call_id)


async def get_rules(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID) -> PortfolioRules:
    async with uow.reading():
        await programmed_call(uow, actor, call_id)
        return await ProgrammationRepository(uow.session).rules(call_id)


def rules_etag(call_id: uuid.UUID, rules: PortfolioRules) -> str:
    """A call's portfolio rules (the defaults until set) carry no version: the digest of their values."""
    return etag_of_content(call_id, *asdict(rules).values())


async def set_rules(uow: UnitOfWork, actor: Principal, call_id: uuid.UUID, rules: PortfolioRules) -> PortfolioRules:
    async with uow:
        await programmed_call(uow, actor, call_id, lock=True)
        check_programmer(actor, "portfolio rules")
        repository = ProgrammationRepository(uow.session)
        row = await repository.rules_row(call_id)
        current = rules_of(row)
        uow.check_precondition(rules_etag(call_id, current))
        values = asdict(rules)
        if row is None:
            row = PortfolioRulesRow(call_id=call_id, **values)
            await repository.add(row)
        await CALLS.changed(
            uow,
            actor,
            str(call_id),
            action="portfolio_rules.set",
            before={key: str(value) for key, value in asdict(current).items()},
            after={key: str(value) for key, value in values.items()},
            row=row,
            columns=values,
        )
        await uow.commit()
    return rules
