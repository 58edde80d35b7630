"""The pull feed every service serves, `GET /events`: its wire, and the route each service mounts with its
own rule of who reads an event (the rule of the resource the event is about). No `from __future__ import
annotations` here: the route's parameters name the policy of the enclosing call, which FastAPI must see."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from fastapi.routing import APIRouter
from pydantic import ConfigDict, Field

from identity.principal import Principal
from kit.api_models import CONTRACT_CODE_PATTERN, ApiModel, model_response
from kit.auth.policies import Policy, authorize
from kit.database import request_unit_of_work
from kit.ledger import Ledger
from kit.outbox import START, Event
from kit.outbox_feed import LATEST, latest_cursor, read_feed
from kit.problems import FieldError, ProblemError
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router

MAX_LIMIT = 500
Visible = Callable[[Principal, Event], bool]
# The events (already `Visible`) whose records the caller reads, where that needs the records' rows.
Readable = Callable[[UnitOfWork, Principal, list[Event]], Awaitable[list[Event]]]


class FeedEvent(ApiModel):
    """What changed: ids only, never personal data. Read the resource with your own token for the rest."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c1e52-9a4b-4f43-8d25-3f0b7c2a9e61",
                    "type": "application.submitted",
                    "version": 1,
                    "occurredAt": "2026-12-06T09:30:00Z",
                    "contractCode": "CV-200033579-2024",
                    "resourceType": "application",
                    "resourceId": "7d3f5a10-2b1c-4e8f-9a6d-0c4b3e2f1a90",
                    "etag": '"7d3f5a10-2b1c-4e8f-9a6d-0c4b3e2f1a90.3"',
                    "related": {"operatorId": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"},
                    "cursor": "48213.1207",
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="The event's id: the same on every delivery of it")
    type: str = Field(description="The event type, e.g. application.state_changed")
    version: int = Field(description="The version of this type's schema")
    occurred_at: datetime = Field(description="When the change was made (the service's clock)")
    contract_code: str | None = Field(description="The contract the resource belongs to (null: reference data)")
    resource_type: str = Field(description="The kind of resource changed, e.g. application")
    resource_id: str = Field(description="Its id (a sub-resource's: `parent/child`)")
    etag: str | None = Field(
        description="The ETag the write answered: the resource's new version (or its parent's, for what is "
        "versioned with it), as a GET of it answers; null when the write answered none"
    )
    related: dict[str, str] = Field(description="Ids of related records, for filtering: operatorId, bodyId, …")
    cursor: str = Field(description="Resume the feed after this event with ?after=<cursor>")


class FeedEventPage(ApiModel):
    items: list[FeedEvent]
    next_cursor: str = Field(description="Pass it as `after` to read on: the last event scanned")
    has_more: bool = Field(description="More events are already committed after next_cursor")


def event_read(event: Event) -> FeedEvent:
    return FeedEvent(
        id=event.event_id,
        type=event.event_type,
        version=event.schema_version,
        occurred_at=event.occurred_at,
        contract_code=event.contract_code,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        etag=event.etag,
        related=dict(event.related),
        cursor=event.cursor,
    )


def _unknown_types(unknown: list[str]) -> ProblemError:
    """The 422 naming `types` when it lists types no feed publishes."""
    return ProblemError(
        422,
        "validation",
        "Invalid input",
        "Unknown event types: " + ", ".join(unknown),
        errors=[FieldError(pointer="/query/types", field="types", rule="event-type", message="not an event type")],
    )


def asked_types(value: str | None, known: frozenset[str]) -> frozenset[str] | None:
    """The event types a `types` parameter asks for; None when it is absent (every type). Present, it names
    at least one type and only `known` ones, else a 422 naming it: `types=,,,` read as "no type" answered
    an empty page, as if nothing had happened."""
    if value is None:
        return None
    asked = frozenset(part.strip() for part in value.split(",") if part.strip())
    if not asked:
        message = "names no event type: omit types to read every type"
        raise ProblemError(
            422,
            "validation",
            "Invalid input",
            "types " + message,
            errors=[FieldError(pointer="/query/types", field="types", rule="event-type-list", message=message)],
        )
    unknown = sorted(asked - known)
    if unknown:
        raise _unknown_types(unknown)
    return asked


def event_feed_router(ledger: Ledger, policy: Policy, visible: Visible, readable: Readable | None = None) -> APIRouter:
    """The service's `GET /events`, shown to callers `policy` lets in, each event only if `visible`, and, where
    the rule of a record needs its rows (a convention read by its parties only), if `readable` keeps it."""
    router = platform_router(["events"], authenticated=True)
    catalogue = ledger.catalogue
    known = frozenset(kind.name for kind in catalogue.published())
    extra: dict[str, Any] = {
        "x-event-types": [{"type": kind.name, "version": kind.version} for kind in catalogue.published()]
    }

    @router.get("/events", operation_id="list_events", response_model=FeedEventPage, openapi_extra=extra)
    async def list_events(
        uow: Annotated[UnitOfWork, Depends(request_unit_of_work)],
        principal: Annotated[Principal, Depends(authorize(policy))],
        after: Annotated[
            str,
            Query(
                max_length=40,
                description="A cursor this feed gave; 0.0: the start; `latest`: no event, the cursor to read on "
                "from now",
            ),
        ] = START,
        types: Annotated[
            str | None,
            Query(
                max_length=2000, description="Event types, comma-separated: one at least (omit it to read every type)"
            ),
        ] = None,
        contract_code: Annotated[str | None, Query(alias="contractCode", pattern=CONTRACT_CODE_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> Response:
        """The events of the changes you may read, in commit order, after a cursor. An event is shown to
        whoever reads the resource it is about. 410 when the cursor is no longer kept (read on from
        `oldestCursor`)."""
        asked = asked_types(types, known)
        if after == LATEST:
            async with uow.reading():
                latest = await latest_cursor(uow.session, ledger.outbox_events)
            return model_response(FeedEventPage(items=[], next_cursor=latest, has_more=False))
        async with uow.reading():
            page = await read_feed(
                uow.session,
                ledger.outbox_events,
                after=after,
                contracts=principal.contract_scope,
                types=asked,
                contract_code=contract_code,
                limit=limit,
            )
            shown = [event for event in page.events if visible(principal, event)]
            if readable is not None and shown:
                shown = await readable(uow, principal, shown)
        # Serialised once (model_response): the models were just built from our own rows.
        return model_response(
            FeedEventPage(
                items=[event_read(event) for event in shown],
                next_cursor=page.next_cursor,
                has_more=page.has_more,
            )
        )

    return router
