from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class CallRow(Base):
    __tablename__ = "calls_for_projects"
    __table_args__ = (UniqueConstraint("contract_code", "year", "scheme"),)

    call_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    year: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    notification_target_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SchemeEnvelopeRow(Base):
    """A scheme's envelope as the contract's text gives it (reference data)."""

    __tablename__ = "scheme_envelopes"

    contract_code: Mapped[str] = mapped_column(Text, primary_key=True)
    scheme: Mapped[str] = mapped_column(Text, primary_key=True)
    financer_code: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
