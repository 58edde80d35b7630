"""The tables of consultations: campaigns, anonymous answers, and the contacts left apart with their consent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class ConsultationRow(Base):
    """A consultation campaign: its questions (fixed and per territory) and targets."""

    __tablename__ = "consultations"

    consultation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    territory_questions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    target_interviews: Mapped[int | None] = mapped_column(Integer)
    target_events: Mapped[int | None] = mapped_column(Integer)
    target_neighbourhoods: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsultationAnswerRow(Base):
    """One anonymous interview: no identity, no link to any contact. `client_id` makes a re-sync harmless."""

    __tablename__ = "consultation_answers"

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.consultation_id"), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    captured_on: Mapped[date] = mapped_column(Date)
    qpv_code: Mapped[str | None] = mapped_column(Text)
    neighbourhood: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsultationContactRow(Base):
    """A contact left for follow-up, with its consent: deliberately unlinked from the answers (its own
    device-made id, never the answer's)."""

    __tablename__ = "consultation_contacts"

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.consultation_id"), primary_key=True)
    contact_client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact: Mapped[str] = mapped_column(Text)
    consent_text: Mapped[str] = mapped_column(Text)
    consented_on: Mapped[date] = mapped_column(Date)
