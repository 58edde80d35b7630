"""A body's rules: versioned, never edited; the latest version is in force."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from identity.principal import Principal
from kit.etags import etag_of
from kit.unit_of_work import UnitOfWork
from services.participation.bodies.use_cases import body_managed_by, body_seen_by
from services.participation.members.domain import BodyRules
from services.participation.members.models import BodyRulesRow
from services.participation.members.repository import MemberRepository
from services.participation.persistence import columns_of, ledger


def rules_etag(body_id: uuid.UUID, versions: list[BodyRules]) -> str:
    """The ETag of a body's rules: that of their latest version (version 0: none yet, an empty list)."""
    return etag_of(f"{body_id}/rules", versions[-1].version if versions else 0)


def _rules_audit(rules: BodyRules) -> dict[str, Any]:
    return {
        "version": rules.version,
        "parity": rules.parity,
        "residentsMinShare": str(rules.residents_min_share),
        "sizeMax": rules.size_max,
        "mandateYears": rules.mandate_years,
        "forbiddenMemberKinds": sorted(kind.value for kind in rules.forbidden_member_kinds),
        "quorumShare": None if rules.quorum_share is None else str(rules.quorum_share),
        "noticeDays": rules.notice_days,
        "collegeSeats": dict(rules.college_seats),
        "representationSeats": dict(rules.representation_seats),
    }


async def rules_in_force(uow: UnitOfWork, body_id: uuid.UUID) -> BodyRules | None:
    """The latest version of the body's rules (None: the body has none), inside an open unit of work."""
    versions = await MemberRepository(uow.session).rules(body_id)
    return versions[-1] if versions else None


async def set_rules(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID, rules: BodyRules) -> BodyRules:
    """A new version of the body's rules; earlier versions stay as they were."""
    async with uow:
        await body_managed_by(uow, actor, body_id, lock=True)
        repository = MemberRepository(uow.session)
        versions = await repository.rules(body_id)
        uow.check_precondition(rules_etag(body_id, versions))
        stored = replace(rules, version=(versions[-1].version + 1) if versions else 1)
        await repository.add(
            BodyRulesRow(body_id=body_id, **columns_of(stored), created_by=actor.subject, created_at=uow.now())
        )
        await ledger.changed(
            uow.session,
            actor,
            action="body_rules.versioned",
            entity_type="body",
            entity_id=str(body_id),
            before=_rules_audit(versions[-1]) if versions else None,
            after=_rules_audit(stored),
        )
        await uow.commit()
    return stored


async def rule_versions(uow: UnitOfWork, actor: Principal, body_id: uuid.UUID) -> list[BodyRules]:
    async with uow.reading():
        await body_seen_by(uow, actor, body_id)
        return await MemberRepository(uow.session).rules(body_id)
