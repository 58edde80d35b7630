"""The tables of draws: what is published of each (pool hash, commitment, seed, result), the pseudonymous pool,
and the pool's identities kept apart until the challenge period is over."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class DrawRow(Base):
    """A draw by lot for a body: what is published (pool hash, commitment, seed, result) and its state."""

    __tablename__ = "draws"

    draw_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    seats: Mapped[dict[str, Any]] = mapped_column(JSONB)
    pool_hash: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text)
    seed: Mapped[str | None] = mapped_column(Text)
    titulars: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    reserves: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    result_hash: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    challenge_ends_on: Mapped[date] = mapped_column(Date)
    appointed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DrawCandidateRow(Base):
    """A pool entry as published: pseudonymous (the household is a token, never an address)."""

    __tablename__ = "draw_candidates"

    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draws.draw_id", ondelete="CASCADE"), primary_key=True)
    reference: Mapped[str] = mapped_column(Text, primary_key=True)
    gender: Mapped[str] = mapped_column(Text)
    age_band: Mapped[str] = mapped_column(Text)
    in_qpv: Mapped[bool] = mapped_column(Boolean)
    household: Mapped[str] = mapped_column(Text)


class DrawIdentityRow(Base):
    """Personal data of a pool entry, kept apart, deleted once the challenge period is over."""

    __tablename__ = "draw_identities"

    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draws.draw_id", ondelete="CASCADE"), primary_key=True)
    reference: Mapped[str] = mapped_column(Text, primary_key=True)
    family_name: Mapped[str] = mapped_column(Text)
    given_name: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
