"""The internal route the gateway's scheduled job calls nightly: the kept sums checked and rebuilt."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.principal import Principal
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.policies import SCHEDULED_JOBS
from services.grants.programmation.schemas import KeptItemsRewrittenRead, KeptSumsCheckRead, KeptSumsRebuiltRead
from services.grants.programmation.use_cases.kept_check import check_kept_sums

router = platform_router(["programmation"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


@router.post("/internal/kept-sums-checks", operation_id="check_kept_sums", include_in_schema=False)
async def check_programmation_sums(
    uow: Uow, principal: Annotated[Principal, Depends(authorize(SCHEDULED_JOBS))]
) -> KeptSumsCheckRead:
    """Internal, called nightly by the gateway's job worker: every contract's kept programmation sums and
    items compared with its applications, those that differ rebuilt."""
    checked = await check_kept_sums(uow, principal)
    return KeptSumsCheckRead(
        contracts=checked.contracts,
        rebuilt=[
            KeptSumsRebuiltRead(
                contract_code=drift.contract_code,
                differing_keys=drift.differing_keys,
                mismarked_lines=drift.mismarked_lines,
            )
            for drift in checked.rebuilt
        ],
        items_rewritten=[
            KeptItemsRewrittenRead(contract_code=stale.contract_code, items=len(stale.application_ids))
            for stale in checked.items_rewritten
        ],
    )
