from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ARRAY, BigInteger, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class TrancheRow(Base):
    """One tranche of a financer's decided amount: planned, then paid (or failed and reissued)."""

    __tablename__ = "tranches"

    tranche_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), index=True
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.institution_id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    planned_cents: Mapped[int] = mapped_column(BigInteger)
    planned_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    chorus_commitment: Mapped[str | None] = mapped_column(Text)
    chorus_payment: Mapped[str | None] = mapped_column(Text)
    overridden_gates: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    replaces_tranche_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tranches.tranche_id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
