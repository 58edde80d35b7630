"""Webhook subscriptions: a partner client manages its own with its client-credentials token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status

from gateway.events import event_types_of
from gateway.webhooks import use_cases as subscriptions
from gateway.webhooks.domain import NotAClientError, RefusedInputError, SubscriptionError, SubscriptionNotFoundError
from gateway.webhooks.models import WebhookSubscriptionRow
from gateway.webhooks.schemas import (
    AttemptRead,
    ReplayCreate,
    ReplayRead,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from identity.principal import Principal
from kit.auth.policies import Policy, authorize
from kit.database import request_unit_of_work
from kit.etags import ETAG_HEADER
from kit.pagination import Page, PageRequest, page_request
from kit.problems import FieldError, ProblemError, problem_openapi
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import conditional, etag_header_openapi, locate_created, platform_router, replay_omits

# Any authenticated caller reaches the routes; only a partner client owns subscriptions (a person: 403).
SUBSCRIBERS = Policy(name="webhook-subscribers")
BASE = "/api/webhook-subscriptions"

router = platform_router(["webhooks"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
Caller = Annotated[Principal, Depends(authorize(SUBSCRIBERS))]
Paging = Annotated[PageRequest, Depends(page_request)]


def problem_of(error: SubscriptionError) -> ProblemError:
    if isinstance(error, RefusedInputError):
        pointer = f"/body/{error.field}"
        return ProblemError(
            422,
            "validation",
            "Invalid input",
            error.message,
            errors=[FieldError(pointer=pointer, field=error.field, rule=error.rule, message=error.message)],
        )
    if isinstance(error, NotAClientError):
        return ProblemError(403, "forbidden", "Forbidden", "Webhook subscriptions belong to partner clients.")
    if isinstance(error, SubscriptionNotFoundError):
        return ProblemError(404, "not-found", "Resource not found", f"No subscription {error} of yours.")
    return ProblemError(500, "internal", "Internal error")


def _read(row: WebhookSubscriptionRow) -> SubscriptionRead:
    return SubscriptionRead(
        id=row.subscription_id,
        url=row.url,
        types=row.event_types,
        contract_code=row.contract_code,
        enabled=row.is_enabled,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        previous_secret_until=row.previous_secret_until,
        created_at=row.created_at,
        version=row.version,
    )


def _with_secret(row: WebhookSubscriptionRow, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret(**_read(row).model_dump(), secret=secret)


@router.post(
    BASE,
    operation_id="create_webhook_subscription",
    response_model=SubscriptionWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses=problem_openapi(403),
)
async def create_subscription(
    request: Request, uow: Uow, principal: Caller, body: SubscriptionCreate, response: Response
) -> SubscriptionWithSecret:
    """Subscribe an https endpoint to event types your client may read; the `secret` is shown this once.
    422 naming `url` (not https, or resolving to a loopback, private, link-local, multicast or metadata
    address), `types` (unknown, or of a service outside your scopes) or `contractCode` (not yours)."""
    known = event_types_of(await request.app.state.aggregated_openapi.document(request.app.openapi()))
    wanted = subscriptions.SubscriptionRequest(
        url=body.url, event_types=body.types, contract_code=body.contract_code, start_after=body.start_after
    )
    reader = subscriptions.FeedReader(request.app.state.event_feeds, request.headers.get("authorization", ""))
    try:
        row, secret = await subscriptions.subscribe(
            uow,
            principal,
            wanted,
            known,
            request.app.state.webhook_allow_local_targets,
            request.app.state.webhook_secret_box,
            reader,
        )
    except SubscriptionError as error:
        raise problem_of(error) from error
    locate_created(response, f"webhook-subscriptions/{row.subscription_id}", subscriptions.etag_of_subscription(row))
    response.headers["Cache-Control"] = "no-store"
    replay_omits(response, "secret")  # a retry under the same Idempotency-Key answers it without the secret
    return _with_secret(row, secret)


@router.get(BASE, operation_id="list_webhook_subscriptions", response_model=Page[SubscriptionRead])
async def list_subscriptions(uow: Uow, principal: Caller, page: Paging) -> Page[SubscriptionRead]:
    """Your client's subscriptions (never their secrets), oldest first."""
    try:
        rows, total = await subscriptions.list_subscriptions(uow, principal, page)
    except SubscriptionError as error:
        raise problem_of(error) from error
    return Page(items=[_read(row) for row in rows], total=total, limit=page.limit, offset=page.offset)


@router.get(
    BASE + "/{subscription_id}",
    operation_id="get_webhook_subscription",
    response_model=SubscriptionRead,
    responses={200: {"headers": etag_header_openapi()}},
)
async def get_subscription(
    uow: Uow, principal: Caller, subscription_id: uuid.UUID, response: Response
) -> SubscriptionRead:
    """One of your subscriptions, its state and why it was disabled if it was; its ETag."""
    try:
        row = await subscriptions.get_subscription(uow, principal, subscription_id)
    except SubscriptionError as error:
        raise problem_of(error) from error
    response.headers[ETAG_HEADER] = subscriptions.etag_of_subscription(row)
    return _read(row)


@router.patch(BASE + "/{subscription_id}", operation_id="update_webhook_subscription", response_model=SubscriptionRead)
async def update_subscription(
    uow: Uow, principal: Caller, subscription_id: uuid.UUID, body: SubscriptionUpdate, response: Response
) -> SubscriptionRead:
    """Disable or enable again a subscription (If-Match: its ETag). Enabled again, it first delivers the
    events it did not while disabled, then reads on."""
    try:
        row = await subscriptions.set_enabled(uow, principal, subscription_id, body.enabled)
    except SubscriptionError as error:
        raise problem_of(error) from error
    response.headers[ETAG_HEADER] = subscriptions.etag_of_subscription(row)
    return _read(row)


@router.delete(
    BASE + "/{subscription_id}", operation_id="delete_webhook_subscription", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_subscription(uow: Uow, principal: Caller, subscription_id: uuid.UUID) -> Response:
    """Stop and forget a subscription (If-Match: its ETag)."""
    try:
        await subscriptions.unsubscribe(uow, principal, subscription_id)
    except SubscriptionError as error:
        raise problem_of(error) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    BASE + "/{subscription_id}/secret-rotations",
    operation_id="rotate_webhook_secret",
    response_model=SubscriptionWithSecret,
    dependencies=[conditional(BASE + "/{subscription_id}")],
)
async def rotate_secret(
    request: Request, uow: Uow, principal: Caller, subscription_id: uuid.UUID, response: Response
) -> SubscriptionWithSecret:
    """A new secret, shown this once; for 24 h deliveries carry a signature with each secret, the previous
    and the new (`previousSecretUntil`), so you can switch your verification without losing one."""
    try:
        row, secret = await subscriptions.rotate_secret(
            uow, principal, subscription_id, request.app.state.webhook_secret_box
        )
    except SubscriptionError as error:
        raise problem_of(error) from error
    response.headers[ETAG_HEADER] = subscriptions.etag_of_subscription(row)
    response.headers["Cache-Control"] = "no-store"
    replay_omits(response, "secret")
    return _with_secret(row, secret)


@router.get(
    BASE + "/{subscription_id}/attempts", operation_id="list_webhook_attempts", response_model=Page[AttemptRead]
)
async def list_attempts(uow: Uow, principal: Caller, subscription_id: uuid.UUID, page: Paging) -> Page[AttemptRead]:
    """The delivery attempts to this subscription, newest first: which try of its delivery each was, your
    endpoint's status, the time it took, why an attempt failed, and when the next try is due while a retry
    is pending."""
    try:
        rows, total = await subscriptions.list_attempts(uow, principal, subscription_id, page)
    except SubscriptionError as error:
        raise problem_of(error) from error
    items = [
        AttemptRead(
            event_id=row.event_id,
            attempt_number=row.attempt_number,
            attempted_at=row.attempted_at,
            status_code=row.status_code,
            duration_ms=row.duration_ms,
            error=row.error,
            succeeded=row.is_success,
            next_attempt_at=next_attempt_at,
        )
        for row, next_attempt_at in rows
    ]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    BASE + "/{subscription_id}/replays",
    operation_id="replay_webhook_events",
    response_model=ReplayRead,
    status_code=status.HTTP_202_ACCEPTED,
)
async def replay_events(uow: Uow, principal: Caller, subscription_id: uuid.UUID, body: ReplayCreate) -> ReplayRead:
    """Deliver again an event (`eventId`) or the events that occurred in a range (`since`, `until`) among
    those this subscription received; they go out within seconds, in order per resource, with their own
    `webhook-id`."""
    wanted = subscriptions.ReplayRequest(event_id=body.event_id, since=body.since, until=body.until)
    try:
        return ReplayRead(events=await subscriptions.replay(uow, principal, subscription_id, wanted))
    except SubscriptionError as error:
        raise problem_of(error) from error
