from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ProgrammeRow(Base):
    __tablename__ = "connected_programmes"

    programme_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(Text)
    nom: Mapped[str] = mapped_column(Text)
    qpv_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    landlord: Mapped[str | None] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(Text)
    scheme: Mapped[str | None] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(Text)
    source_date: Mapped[date] = mapped_column(Date)
    is_fictitious: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ProgrammeYearRow(Base):
    """A programme's declared figures of one year (a programme computed from its call has none)."""

    __tablename__ = "connected_programme_years"

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connected_programmes.programme_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    realised_cents: Mapped[int | None] = mapped_column(BigInteger)
    measures: Mapped[list[Any]] = mapped_column(JSONB)
    axes: Mapped[list[Any]] = mapped_column(JSONB)
    source_document: Mapped[str] = mapped_column(Text)
    source_date: Mapped[date] = mapped_column(Date)
    is_fictitious: Mapped[bool] = mapped_column(Boolean)
