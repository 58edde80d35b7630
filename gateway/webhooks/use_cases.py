"""Webhook subscriptions, managed by the partner client that owns them with its own token."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from gateway.db.base import audit_events
from gateway.db.repositories import OAuthClientRepository
from gateway.domain.clients import ClientNotFoundError
from gateway.events import LATEST, EventFeeds, decode_cursor
from gateway.webhooks.domain import (
    ROTATION_OVERLAP,
    NotAClientError,
    RefusedInputError,
    SubscriptionNotFoundError,
    check_addresses,
    check_contract,
    check_types,
    new_secret,
    target_problem,
)
from gateway.webhooks.models import WebhookAttemptRow, WebhookSubscriptionRow
from gateway.webhooks.repository import DeliveryRepository, SubscriptionRepository
from gateway.webhooks.sealing import SecretBox
from identity.principal import Principal
from kit.audit import record_audit
from kit.etags import etag_of
from kit.pagination import PageRequest
from kit.problems import ProblemError
from kit.unit_of_work import UnitOfWork

OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class FeedReader:
    """The merged feed, read with the subscribing client's own token (it sees what the client may read)."""

    feeds: EventFeeds
    authorization: str


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    url: str
    event_types: list[str]
    contract_code: str | None
    start_after: str | None = None


@dataclass(frozen=True, slots=True)
class ReplayRequest:
    event_id: str | None
    since: datetime | None
    until: datetime | None


def etag_of_subscription(row: WebhookSubscriptionRow) -> str:
    return etag_of(str(row.subscription_id), row.version)


def _client_of(actor: Principal) -> str:
    if actor.kind != "client":
        raise NotAClientError(actor.subject)
    return actor.subject


async def resolve(host: str) -> list[str]:
    """The addresses a host name resolves to (all of them: each must be allowed)."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return sorted({str(entry[4][0]) for entry in found})


async def check_target(url: str, allow_local: bool) -> None:
    """The SSRF guard at subscription time (a delivery checks the resolved address again)."""
    problem = target_problem(url, allow_local)
    if problem is not None:
        raise problem
    check_addresses(await resolve(urlsplit(url).hostname or ""), allow_local)


async def _locked_version(uow: UnitOfWork, client_id: str, subscription_id: uuid.UUID) -> WebhookSubscriptionRow:
    """The client's subscription, locked, in the version the caller's If-Match names."""
    row = await SubscriptionRepository(uow.session).owned(client_id, subscription_id, lock=True)
    if row is None:
        raise SubscriptionNotFoundError(str(subscription_id))
    uow.check_precondition(etag_of_subscription(row))
    return row


def _audited(row: WebhookSubscriptionRow) -> dict[str, Any]:  # never the secret
    return {"url": row.url, "types": row.event_types, "contractCode": row.contract_code, "enabled": row.is_enabled}


async def subscribe(
    uow: UnitOfWork,
    actor: Principal,
    request: SubscriptionRequest,
    known_types: Mapping[str, frozenset[str]],
    allow_local: bool,
    box: SecretBox,
    reader: FeedReader,
) -> tuple[WebhookSubscriptionRow, str]:
    """Store the subscription (its secret sealed); return it with its secret, shown this once only. Its
    deliveries start after `start_after` (None: after the events the client's feed shows now)."""
    client_id = _client_of(actor)
    check_types(request.event_types, known_types, actor.scopes)
    check_contract(request.contract_code, actor.contracts)
    await check_target(request.url, allow_local)
    cursor = await _starting_cursor(request, reader)
    secret = new_secret()
    async with uow:
        client = await OAuthClientRepository(uow.session).get(client_id)
        if client is None or client.revoked_at is not None:
            raise NotAClientError(client_id)
        row = WebhookSubscriptionRow(
            subscription_id=uuid.uuid4(),
            client_id=client_id,
            url=request.url,
            event_types=sorted(set(request.event_types)),
            contract_code=request.contract_code,
            secret=box.seal(secret),
            is_enabled=True,
            version=1,
            cursor=cursor,
        )
        await SubscriptionRepository(uow.session).add(row)
        await record_audit(
            uow.session,
            audit_events,
            actor,
            "webhook_subscription.created",
            "webhook_subscription",
            str(row.subscription_id),
            after=_audited(row),
        )
        await uow.commit()
    return row, secret


async def _starting_cursor(request: SubscriptionRequest, reader: FeedReader) -> str | None:
    if request.start_after == OLDEST:
        return None  # the relay reads from the oldest event kept
    if request.start_after is None:
        page = await reader.feeds.read(reader.authorization, LATEST, None, request.contract_code, 1)
        return str(page["nextCursor"])
    try:
        decode_cursor(request.start_after)
    except ProblemError as error:
        raise RefusedInputError("startAfter", "cursor", "not a nextCursor of GET /api/events, nor `oldest`") from error
    try:  # read once as the relay will: a position in a feed the client may not read is refused now
        await reader.feeds.read(reader.authorization, request.start_after, None, request.contract_code, 1)
    except ProblemError as error:
        if error.status == 410:
            return request.start_after  # no longer kept: the relay reads on from the oldest event kept
        if error.status != 422 or not error.errors:
            raise
        broken = error.errors[0]
        raise RefusedInputError("startAfter", broken.rule, broken.message) from error
    return request.start_after


async def list_subscriptions(
    uow: UnitOfWork, actor: Principal, page: PageRequest
) -> tuple[list[WebhookSubscriptionRow], int]:
    """A page of the client's subscriptions, oldest first, and how many it has."""
    client_id = _client_of(actor)
    async with uow.reading():
        return await SubscriptionRepository(uow.session).page_of_client(client_id, page)


async def subscriptions_of(uow: UnitOfWork, client_id: str) -> list[WebhookSubscriptionRow]:
    """A client's subscriptions, for the platform's operators (`./dev clients webhooks ID`): never a secret."""
    async with uow.reading():
        if await OAuthClientRepository(uow.session).get(client_id) is None:
            raise ClientNotFoundError(client_id)
        return await SubscriptionRepository(uow.session).of_client(client_id)


async def _new_version(
    uow: UnitOfWork,
    actor: Principal,
    row: WebhookSubscriptionRow,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """A subscription changed: its version (its ETag) moves, and the change is audited (never its secret)."""
    row.version += 1
    await uow.session.flush()
    await record_audit(
        uow.session,
        audit_events,
        actor,
        action,
        "webhook_subscription",
        str(row.subscription_id),
        before=before,
        after=after,
    )


async def get_subscription(uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID) -> WebhookSubscriptionRow:
    client_id = _client_of(actor)
    async with uow.reading():
        row = await SubscriptionRepository(uow.session).owned(client_id, subscription_id)
    if row is None:
        raise SubscriptionNotFoundError(str(subscription_id))
    return row


async def unsubscribe(uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID) -> None:
    client_id = _client_of(actor)
    async with uow:
        subscriptions = SubscriptionRepository(uow.session)
        row = await _locked_version(uow, client_id, subscription_id)
        before = _audited(row)
        await subscriptions.delete(row)
        await record_audit(
            uow.session,
            audit_events,
            actor,
            "webhook_subscription.deleted",
            "webhook_subscription",
            str(subscription_id),
            before=before,
        )
        await uow.commit()


async def set_enabled(
    uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID, enabled: bool
) -> WebhookSubscriptionRow:
    """Stop or resume deliveries; resuming sends first what was not delivered (in order per resource)."""
    client_id = _client_of(actor)
    async with uow:
        row = await _locked_version(uow, client_id, subscription_id)
        before = _audited(row)
        if enabled and not row.is_enabled:
            row.disabled_reason = None
            row.disabled_at = None
            await DeliveryRepository(uow.session).requeue_undelivered(subscription_id)
        elif not enabled and row.is_enabled:
            row.disabled_reason = "disabled by its owner"
            row.disabled_at = uow.now()
        row.is_enabled = enabled
        action = "webhook_subscription.enabled" if enabled else "webhook_subscription.disabled"
        await _new_version(uow, actor, row, action, before=before, after=_audited(row))
        await uow.commit()
    return row


async def rotate_secret(
    uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID, box: SecretBox
) -> tuple[WebhookSubscriptionRow, str]:
    """A new secret; the current one still signs (beside the new one) for ROTATION_OVERLAP."""
    client_id = _client_of(actor)
    secret = new_secret()
    async with uow:
        row = await _locked_version(uow, client_id, subscription_id)
        row.previous_secret = row.secret  # sealed already
        row.previous_secret_until = uow.now() + ROTATION_OVERLAP
        row.secret = box.seal(secret)
        overlap = {"previousSecretUntil": row.previous_secret_until.isoformat()}
        await _new_version(uow, actor, row, "webhook_subscription.secret_rotated", before=None, after=overlap)
        await uow.commit()
    return row, secret


async def list_attempts(
    uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID, page: PageRequest
) -> tuple[list[tuple[WebhookAttemptRow, datetime | None]], int]:
    """A page of the subscription's attempts, newest first, each with its delivery's next try while one is
    due; and how many attempts are kept."""
    client_id = _client_of(actor)
    async with uow.reading():
        if await SubscriptionRepository(uow.session).owned(client_id, subscription_id) is None:
            raise SubscriptionNotFoundError(str(subscription_id))
        return await DeliveryRepository(uow.session).attempts(subscription_id, page)


async def replay(uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID, wanted: ReplayRequest) -> int:
    """Deliver again one event, or those that occurred in a range (the relay defers them within seconds)."""
    client_id = _client_of(actor)
    if wanted.event_id is None and wanted.since is None and wanted.until is None:
        raise RefusedInputError("eventId", "event-or-range", "name an event, or a range with since and until")
    async with uow:
        if await SubscriptionRepository(uow.session).owned(client_id, subscription_id, lock=True) is None:
            raise SubscriptionNotFoundError(str(subscription_id))
        count = await DeliveryRepository(uow.session).replay(
            subscription_id, wanted.event_id, wanted.since, wanted.until
        )
        if wanted.event_id is not None and count == 0:
            raise RefusedInputError("eventId", "event-received", "this subscription received no such event")
        await record_audit(
            uow.session,
            audit_events,
            actor,
            "webhook_subscription.replayed",
            "webhook_subscription",
            str(subscription_id),
            after={"eventId": wanted.event_id, "events": count},
        )
        await uow.commit()
    return count
