"""One delivery attempt: the event POSTed to the target, signed per Standard Webhooks 1.0 with each of the
subscription's current secrets; no redirect followed (a 3xx is a failure), a few seconds at most."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from gateway.webhooks.domain import ERROR_TEXT_LIMIT, SubscriptionError, check_addresses, target_problem
from gateway.webhooks.use_cases import resolve

TIMEOUT = httpx.Timeout(5.0, connect=3.0)


@dataclass(frozen=True, slots=True)
class Attempt:
    status_code: int | None
    duration_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(event_id: str, body: str, secrets: Sequence[str], now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: one `v1,` signature per secret, space-separated (a rotation's overlap)."""
    signatures = " ".join(Webhook(secret).sign(event_id, now, body) for secret in secrets)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def body_of(event: Mapping[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


async def target_refusal(url: str, allow_local: bool) -> str | None:
    """Why the target may not be called now (None: it may): resolved again before each batch, a name may
    point elsewhere since it was subscribed."""
    problem = target_problem(url, allow_local)
    if problem is not None:
        return problem.message
    try:
        check_addresses(await resolve(urlsplit(url).hostname or ""), allow_local)
    except SubscriptionError as error:
        return str(getattr(error, "message", error))
    return None


def refused(error: str) -> Attempt:
    return Attempt(None, 0, error[:ERROR_TEXT_LIMIT])


async def attempt(client: httpx.AsyncClient, url: str, event: Mapping[str, Any], secrets: Sequence[str]) -> Attempt:
    """POST the event once (to a target checked by `target_refusal`); never raises: a timeout or a 3xx is a
    failed attempt."""
    started = time.monotonic()
    body = body_of(event)
    headers = signed_headers(str(event["id"]), body, secrets, datetime.now(UTC))
    try:
        response = await client.post(url, content=body.encode(), headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        # InvalidURL is no HTTPError: a URL the client refuses escaped, and the job failed again and again,
        # its subscription never counting an attempt nor disabled.
        elapsed = int((time.monotonic() - started) * 1000)
        return Attempt(None, elapsed, f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT])
    elapsed = int((time.monotonic() - started) * 1000)
    if 200 <= response.status_code < 300:
        return Attempt(response.status_code, elapsed, None)
    detail = response.text if not response.is_redirect else f"redirect to {response.headers.get('location', '')}"
    return Attempt(response.status_code, elapsed, (f"HTTP {response.status_code}: " + detail)[:ERROR_TEXT_LIMIT])


def delivery_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False)
