"""`POST /internal/retention-runs`: the retention rules applied today, called once a day by the gateway's job
worker (gateway/schedules.py) with the token it mints for itself (`SCHEDULED_JOBS`). Internal: left out of
the public document; `./dev apply-retention` runs the same use case by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.participation.policies import Scheduler
from services.participation.retention.schemas import RetentionRunRead
from services.participation.retention.use_cases import apply_retention

router = platform_router(["internal"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]


@router.post("/internal/retention-runs", operation_id="run_retention", include_in_schema=False)
async def run_retention(uow: Uow, _scheduler: Scheduler) -> RetentionRunRead:
    """Delete the personal data past its retention on the service's today; a replay of the day's key answers
    the first run's counts."""
    report = await apply_retention(uow, uow.today())
    return RetentionRunRead(
        draws_purged=report.draws_purged,
        pool_identities_deleted=report.pool_identities_deleted,
        member_identities_deleted=report.member_identities_deleted,
        consultation_contacts_deleted=report.consultation_contacts_deleted,
    )
