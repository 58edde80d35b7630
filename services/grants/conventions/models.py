from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ConventionRow(Base):
    """An annual or multi-year (CPO) agreement of one operator with its financers."""

    __tablename__ = "conventions"
    __table_args__ = (UniqueConstraint("contract_code", "reference"),)

    convention_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.operator_id"), index=True)
    reference: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    signed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConventionAmountRow(Base):
    """What one financer plans for one year of a convention."""

    __tablename__ = "convention_amounts"

    convention_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conventions.convention_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.institution_id"), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class ConventionApplicationRow(Base):
    """The application that carries one year of a convention."""

    __tablename__ = "convention_applications"

    convention_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conventions.convention_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.application_id"), unique=True)


class ConventionEventRow(Base):
    """A convention's history: signature, suspension, resumption, termination and amendments (avenants)."""

    __tablename__ = "convention_events"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    convention_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conventions.convention_id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    actor_institution: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class IndicatorRow(Base):
    """An indicator the operator commits to in a convention: baseline and a target per year."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("convention_id", "code"),)

    indicator_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    convention_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conventions.convention_id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    baseline: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    targets: Mapped[dict[str, str]] = mapped_column(JSONB)


class IndicatorValueRow(Base):
    """The value of an indicator reached in one year, and where it comes from."""

    __tablename__ = "indicator_values"

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicators.indicator_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
