"""Retention rules, applied by a command (`./dev apply-retention`): a draw's pool identities go once
its challenge period is over; a former member's identity goes a number of years after the last mandate
ended (the pseudonymous record and the mandates stay for the statistics); the contacts left in a
consultation go a year after it ends."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from identity.principal import Principal, Role
from kit.unit_of_work import UnitOfWork
from services.participation.consultations.repository import ConsultationRepository
from services.participation.draws.use_cases import purge_expired
from services.participation.members.repository import MemberRepository
from services.participation.persistence import ledger
from services.participation.retention.domain import (
    FORMER_MEMBER_YEARS,
    campaigns_ended_before,
    former_members_before,
)

RETENTION_ACTOR = Principal(subject="retention-rules", kind="client", roles=frozenset({Role.PLATFORM_ADMIN}))


@dataclass(frozen=True, slots=True)
class RetentionReport:
    draws_purged: int
    pool_identities_deleted: int
    member_identities_deleted: int
    consultation_contacts_deleted: int


async def apply_retention(uow: UnitOfWork, today: date, member_years: int = FORMER_MEMBER_YEARS) -> RetentionReport:
    async with uow:
        draws_purged, pool_deleted = await purge_expired(uow, RETENTION_ACTOR, today, reason="challenge period over")
        members = MemberRepository(uow.session)
        former = await members.former_members(former_members_before(today, member_years))
        members_deleted = await members.erase_identities(former)
        for person_id in former:
            await ledger.changed(
                uow.session,
                RETENTION_ACTOR,
                action="personal_data.erased",
                entity_type="person",
                entity_id=str(person_id),
                # The identity itself is never copied into the audit: it says only that one was held.
                before={"identity": "held"},
                after={"identity": "deleted"},
                reason=f"last mandate ended more than {member_years} years ago",
            )
        contacts_deleted = await ConsultationRepository(uow.session).delete_contacts_of_campaigns_ended_before(
            campaigns_ended_before(today)
        )
        if contacts_deleted:
            await ledger.changed(
                uow.session,
                RETENTION_ACTOR,
                action="personal_data.deleted",
                entity_type="consultation_contacts",
                entity_id="campaigns ended over a year ago",
                before={"contacts": contacts_deleted},
                after={"contacts": 0},
                reason="follow-up period over",
            )
        report = RetentionReport(draws_purged, pool_deleted, members_deleted, contacts_deleted)
        # The run itself, even one that deleted nothing: when the rules were applied, and with what counts.
        await ledger.changed(
            uow.session,
            RETENTION_ACTOR,
            action="retention.applied",
            entity_type="retention_run",
            entity_id=today.isoformat(),
            before=None,
            after=asdict(report),
            reason="the retention rules of the record of processing (data_inventory.RETENTION)",
        )
        await uow.commit()
    return report
