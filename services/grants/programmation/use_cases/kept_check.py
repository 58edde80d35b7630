"""The nightly check of the programmation's kept sums (repository/kept_check.py), run by the gateway's
scheduled job: a contract whose sums differ from what its applications give gets them rebuilt (audited,
logged, and its remembered answers dropped by the lines' announcement)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from identity.principal import Principal
from kit.unit_of_work import UnitOfWork
from services.grants.persistence import ledger
from services.grants.programmation.repository.kept_check import Drift, KeptSumsCheck

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeptSumsChecked:
    """How many contracts with live applications were checked, and those whose sums were rebuilt."""

    contracts: int
    rebuilt: list[Drift]


async def check_kept_sums(uow: UnitOfWork, actor: Principal) -> KeptSumsChecked:
    """Compare every contract's kept sums with its applications (one snapshot), rebuild those that differ."""
    async with uow.reading():
        contracts, drifted = await KeptSumsCheck(uow.session).drifted()
    for drift in drifted:
        async with uow:
            await uow.changes_contract(drift.contract_code)
            await KeptSumsCheck(uow.session).rebuild(drift.contract_code)
            await ledger.changed(
                uow.session,
                actor,
                action="programmation_sums.rebuilt",
                entity_type="contract",
                entity_id=drift.contract_code,
                before={"differingKeys": drift.differing_keys, "mismarkedLines": drift.mismarked_lines},
                after={"differingKeys": 0, "mismarkedLines": 0},
            )
            await uow.commit()
        logger.warning(
            "the programmation's kept sums of %s differed from its applications (%d keys, %d lines marked "
            "wrongly): rebuilt",
            drift.contract_code,
            drift.differing_keys,
            drift.mismarked_lines,
        )
    return KeptSumsChecked(contracts, drifted)
