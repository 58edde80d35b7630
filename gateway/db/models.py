from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import Base


class OAuthClientRow(Base):
    """A partner system allowed to obtain tokens by client credentials."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    secret_hash: Mapped[str] = mapped_column(Text)
    institution: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    contracts: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    organisations: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    communes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    bodies: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
