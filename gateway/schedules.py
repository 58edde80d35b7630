"""The platform's scheduled background work, on the gateway's job engine (gateway/webhooks/jobs.py) beside the
webhooks: each a daily periodic job that calls an internal route of a service (left out of the public
documents) with a short token the gateway mints for itself, whose only scope is `JOBS_SCOPE` (no role grants
it: the services' `scheduled-jobs` policy lets in nothing else).

- `participation-retention`, daily at 02:30 UTC: the retention rules (services/participation/retention);
- `grants-overdue-reports`, daily at 06:00 UTC: `report.overdue` for each financial report newly overdue;
- `grants-kept-sums-check`, daily at 03:15 UTC: the programmation's kept sums and kept items compared with
  the applications they are kept from, and set back where they differ
  (services/grants/programmation/repository/kept_check.py).

Each call carries an Idempotency-Key naming the job and its scheduled time: a retry of the same run (a
worker that died, an upstream that did not answer) replays its answer instead of running twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from procrastinate import App, RetryStrategy

from identity.principal import JOBS_SCOPE
from kit.auth.tokens import TokenGrant, TokenIssuer

logger = logging.getLogger("gateway.schedules")

SCHEDULER = TokenGrant(
    subject="gateway-scheduled-jobs", kind="client", institution=None, roles=(), scopes=(JOBS_SCOPE,)
)
# An upstream down at the scheduled time: tried again over some 30 minutes, then the next day's run.
RETRY = RetryStrategy(max_attempts=6, exponential_wait=60)


@dataclass(frozen=True, slots=True)
class Scheduled:
    name: str
    service: str
    path: str
    cron: str


SCHEDULES = (
    Scheduled("participation-retention", "participation", "/internal/retention-runs", "30 2 * * *"),
    Scheduled("grants-overdue-reports", "grants", "/internal/overdue-report-announcements", "0 6 * * *"),
    Scheduled("grants-kept-sums-check", "grants", "/internal/kept-sums-checks", "15 3 * * *"),
)


class ScheduledCallError(Exception):
    """The service did not run the job (unreachable, or an answer other than 200): tried again."""


@dataclass(frozen=True, slots=True)
class Caller:
    """What the scheduled jobs call with: an HTTP client, the services' base URLs, the gateway's issuer."""

    client: httpx.AsyncClient
    upstreams: dict[str, str]
    issuer: TokenIssuer

    async def call(self, scheduled: Scheduled, run: str) -> dict[str, Any]:
        """POST the internal route once for the run `run` (its scheduled time); the service's answer."""
        url = self.upstreams[scheduled.service].rstrip("/") + scheduled.path
        headers = {
            "Authorization": f"Bearer {self.issuer.mint(SCHEDULER)}",
            "Idempotency-Key": f"{scheduled.name}-{run}",
        }
        try:
            response = await self.client.post(url, headers=headers)
        except httpx.HTTPError as error:
            raise ScheduledCallError(f"{scheduled.name}: {scheduled.service} did not answer") from error
        if response.status_code != 200:
            raise ScheduledCallError(f"{scheduled.name}: {scheduled.service} answered {response.status_code}")
        answer: dict[str, Any] = response.json()
        logger.info("scheduled job %s ran: %s", scheduled.name, answer)
        return answer


def register_schedules(app: App, caller: Caller, queue: str) -> None:
    """One periodic task per schedule on the job app (procrastinate defers each run once, whatever the
    number of workers; `queueing_lock` keeps one waiting)."""
    for scheduled in SCHEDULES:
        _register(app, caller, scheduled, queue)


def _register(app: App, caller: Caller, scheduled: Scheduled, queue: str) -> None:
    @app.periodic(cron=scheduled.cron, periodic_id=scheduled.name)
    @app.task(name=scheduled.name, queue=queue, queueing_lock=scheduled.name, retry=RETRY)
    async def run(timestamp: int) -> dict[str, Any]:
        return await caller.call(scheduled, str(timestamp))
