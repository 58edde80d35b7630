"""The tables of citizen funds: envelopes, residents' projects with their decision, payment and report, and
the committee members' declared conflicts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class CitizenFundRow(Base):
    __tablename__ = "citizen_funds"

    fund_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    envelope_cents: Mapped[int] = mapped_column(BigInteger)
    committee_body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FundApplicationRow(Base):
    """A residents' project asking the fund: decision, payment and final report on the same row."""

    __tablename__ = "fund_applications"

    application_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    fund_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_funds.fund_id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    group_name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    qpv_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text)
    granted_cents: Mapped[int | None] = mapped_column(BigInteger)
    decided_on: Mapped[date | None] = mapped_column(Date)
    votes: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    spent_cents: Mapped[int | None] = mapped_column(BigInteger)
    participants: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FundConflictRow(Base):
    """A committee member's declared conflict of interest on one application."""

    __tablename__ = "fund_conflicts"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fund_applications.application_id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id"), primary_key=True)
    declared_on: Mapped[date] = mapped_column(Date)
