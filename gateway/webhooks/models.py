from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import Base

_PENDING = text("delivered_at IS NULL AND failed_at IS NULL")


class WebhookSubscriptionRow(Base):
    """A partner client's webhook endpoint. `secret` is kept sealed, not hashed (gateway/webhooks/sealing.py):
    every delivery is signed with it; it is never logged, audited or answered after the response that created
    or rotated it."""

    __tablename__ = "webhook_subscriptions"

    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    client_id: Mapped[str] = mapped_column(Text, ForeignKey("oauth_clients.client_id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    contract_code: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    cursor: Mapped[str | None] = mapped_column(Text, doc="The merged feed's cursor the relay reads on from")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDeliveryRow(Base):
    """An event to deliver to a subscription, kept once per (subscription, event): the relay stores it with
    the subscription's new cursor, then defers the subscription's delivery job; pending until delivered or
    given up (`failed_at`), with its own retry state; a replay makes it pending again."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_pending", "subscription_id", "position", postgresql_where=_PENDING),
        Index(
            "ix_webhook_deliveries_pending_resource",
            "subscription_id",
            "resource_key",
            "position",
            postgresql_where=_PENDING,
        ),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_subscriptions.subscription_id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    resource_key: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), doc="Not attempted again before")


class WebhookAttemptRow(Base):
    """One POST of an event to a subscription's target, as its owner reads it."""

    __tablename__ = "webhook_attempts"

    attempt_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_subscriptions.subscription_id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    is_success: Mapped[bool] = mapped_column(Boolean)
    attempt_number: Mapped[int] = mapped_column(
        Integer, server_default=text("1"), doc="1: the delivery's first try; 2: its first retry…"
    )
    retry_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), doc="When this failed attempt scheduled the delivery's next try"
    )
