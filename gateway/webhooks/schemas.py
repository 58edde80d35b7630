"""The webhook subscriptions' wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, JsonValue, StringConstraints

from gateway.webhooks.domain import MAX_URL_LENGTH
from kit.api_models import CONTRACT_CODE_PATTERN, ApiInput, ApiModel

_SUBSCRIPTION: dict[str, JsonValue] = {
    "id": "0b6f6c8e-1d2a-4c4e-9a57-3c1f0e2d4b61",
    "url": "https://partenaire.example.org/hooks/cdq",
    "types": ["application.submitted", "application.state_changed"],
    "contractCode": "CV-200033579-2024",
    "enabled": True,
    "disabledReason": None,
    "disabledAt": None,
    "previousSecretUntil": None,
    "createdAt": "2026-12-06T09:30:00Z",
    "version": 1,
}
EventTypeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$", max_length=100)]


class SubscriptionCreate(ApiInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://partenaire.example.org/hooks/cdq",
                    "types": ["application.submitted", "application.state_changed"],
                    "contractCode": "CV-200033579-2024",
                }
            ]
        }
    )

    url: Annotated[str, StringConstraints(min_length=8, max_length=MAX_URL_LENGTH)] = Field(
        description="https URL that receives the events; it must resolve to public addresses only"
    )
    types: list[EventTypeName] = Field(
        min_length=1, max_length=100, description="Event types (the document's `webhooks`) of services you may read"
    )
    contract_code: Annotated[str, StringConstraints(pattern=CONTRACT_CODE_PATTERN)] | None = Field(
        default=None, description="Only the events of this contract (one your client works on)"
    )
    start_after: Annotated[str, StringConstraints(min_length=1, max_length=400)] | None = Field(
        default=None,
        description="Where deliveries start: by default the events committed after the subscription; a "
        "`nextCursor` of `GET /api/events` (the events after it); `oldest`: every event still kept",
    )


class SubscriptionRead(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SUBSCRIPTION]})

    id: uuid.UUID
    url: str
    types: list[str]
    contract_code: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why deliveries stopped, when they did")
    disabled_at: datetime | None
    previous_secret_until: datetime | None = Field(
        description="Until then deliveries carry a signature with the previous secret too"
    )
    created_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionRead):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_SUBSCRIPTION, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}
    )

    secret: str | None = Field(
        default=None,
        description="`whsec_…`: shown in this answer only; verify signatures with it. Absent from a replay of "
        "this answer (the same Idempotency-Key again): the secret is not kept in clear; rotate it if you lost it",
    )


class AttemptRead(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "eventId": "5f0c1e52-9a4b-4f43-8d25-3f0b7c2a9e61",
                    "attemptNumber": 2,
                    "attemptedAt": "2026-12-06T09:31:02Z",
                    "statusCode": 503,
                    "durationMs": 212,
                    "error": "HTTP 503: Service Unavailable",
                    "succeeded": False,
                    "nextAttemptAt": "2026-12-06T09:36:02Z",
                }
            ]
        }
    )

    event_id: str = Field(description="The event's id, sent as `webhook-id`")
    attempt_number: int = Field(
        ge=1, description="1: the first try of this delivery; 2: its first retry…; from 1 again after a replay"
    )
    attempted_at: datetime
    status_code: int | None = Field(description="Your endpoint's answer; none when it gave none")
    duration_ms: int
    error: str | None = Field(description="Why the attempt failed (your answer's start, a timeout, a redirect…)")
    succeeded: bool
    next_attempt_at: datetime | None = Field(
        description="While this failed attempt's retry is pending: when the next try is due (none once it was "
        "tried, delivered, replayed, or when the schedule is over)"
    )


class ReplayCreate(ApiInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"eventId": "5f0c1e52-9a4b-4f43-8d25-3f0b7c2a9e61"},
                {"since": "2026-12-05T00:00:00Z", "until": "2026-12-06T00:00:00Z"},
            ]
        }
    )

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None, description="One event delivered to this subscription before"
    )
    since: datetime | None = Field(default=None, description="The events that occurred from then…")
    until: datetime | None = Field(default=None, description="…until then (excluded)")


class ReplayRead(ApiModel):
    events: int = Field(description="How many events will be delivered again, each with its own webhook-id")


class SubscriptionUpdate(ApiInput):
    enabled: bool = Field(
        description="false: deliveries stop (`disabledReason` says you did); true: they resume, the events not "
        "delivered while it was disabled first"
    )
