"""The tables of elections: the tallies typed in and the log of their corrections."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class ElectionRow(Base):
    __tablename__ = "elections"

    election_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    contract_code: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(Integer)
    college: Mapped[str | None] = mapped_column(Text)
    proclaimed_on: Mapped[date | None] = mapped_column(Date)
    tie_break: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ElectionTallyRow(Base):
    __tablename__ = "election_tallies"

    election_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id"), primary_key=True)
    votes: Mapped[int] = mapped_column(Integer)
    elected: Mapped[bool] = mapped_column(Boolean, default=False)


class ElectionCorrectionRow(Base):
    """The correction log of the tallies: who changed which count, from what to what, and why."""

    __tablename__ = "election_corrections"

    correction_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    election_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("elections.election_id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id"))
    votes_before: Mapped[int] = mapped_column(Integer)
    votes_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(Text)
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
