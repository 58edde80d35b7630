"""The nightly check of the programmation's kept sums and kept items (repository/kept_check.py), run by the
gateway's scheduled job: a contract whose sums differ from what its applications give gets them rebuilt, one
whose items differ gets them written again (audited, logged, and its remembered answers dropped by the
announcement of its change)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.persistence import ledger
from services.grants.programmation.repository.kept_check import Drift, KeptItemsCheck, KeptSumsCheck, StaleItems

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeptSumsChecked:
    """How many contracts with live applications were checked, those whose sums were rebuilt and those whose
    items were written again."""

    contracts: int
    rebuilt: list[Drift]
    items_rewritten: list[StaleItems]


async def check_kept_sums(uow: UnitOfWork, actor: Principal) -> KeptSumsChecked:
    """Compare every contract's kept sums with its applications (one snapshot), rebuild those that differ;
    then the same for the kept items."""
    async with uow.reading():
        contracts, drifted = await KeptSumsCheck(uow.session).drifted()
    for drift in drifted:
        differing = {"differingKeys": drift.differing_keys, "mismarkedLines": drift.mismarked_lines}
        await _set_back(uow, actor, "programmation_sums.rebuilt", differing, drift)
        logger.warning(
            "the programmation's kept sums of %s differed from its applications (%d keys, %d lines marked "
            "wrongly): rebuilt",
            drift.contract_code,
            drift.differing_keys,
            drift.mismarked_lines,
        )
    async with uow.reading():
        stale = await KeptItemsCheck(uow.session).stale()
    for found in stale:
        differing = {"differingItems": len(found.application_ids)}
        await _set_back(uow, actor, "programmation_items.rewritten", differing, found)
        logger.warning(
            "the programmation's kept items of %s differed from their applications (%d items): written again",
            found.contract_code,
            len(found.application_ids),
        )
    return KeptSumsChecked(contracts, drifted, stale)


async def _set_back(
    uow: UnitOfWork, actor: Principal, action: str, differing: dict[str, int], found: Drift | StaleItems
) -> None:
    """One contract's kept sums rebuilt or kept items written again, in a transaction of its own that
    announces the contract's change, audited with what differed."""
    async with uow:
        await uow.changes_contract(found.contract_code)
        if isinstance(found, Drift):
            await KeptSumsCheck(uow.session).rebuild(found.contract_code)
        else:
            await KeptItemsCheck(uow.session).rewrite(found)
        await ledger.changed(
            uow.session,
            actor,
            action=action,
            entity_type="contract",
            entity_id=found.contract_code,
            before=differing,
            after=dict.fromkeys(differing, 0),
        )
        await uow.commit()
