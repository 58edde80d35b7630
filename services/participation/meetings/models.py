"""The tables of meetings: convocation, attendance, decisions and the versions of the minutes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Index, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class MeetingRow(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_body_day", "body_id", "meeting_day"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"))
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    meeting_day: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(Text)
    convened_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Attendance, decisions and minutes change the meeting: its ETag guards them.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # The row's item of its list as JSON text, written by the table's trigger only (migration part0015); never
    # loaded with the row.
    item: Mapped[str | None] = mapped_column(Text, deferred=True)


class AttendanceRow(Base):
    """One person's line at a meeting: capacity, presence, institution represented, proxy given."""

    __tablename__ = "attendances"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.meeting_id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id"), primary_key=True, index=True)
    capacity: Mapped[str] = mapped_column(Text)
    presence: Mapped[str] = mapped_column(Text)
    institution: Mapped[str | None] = mapped_column(Text)
    proxy_to: Mapped[uuid.UUID | None] = mapped_column()


class DecisionRow(Base):
    __tablename__ = "decisions"

    decision_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.meeting_id"), index=True)
    subject: Mapped[str] = mapped_column(Text)
    votes_for: Mapped[int] = mapped_column(Integer)
    votes_against: Mapped[int] = mapped_column(Integer)
    abstentions: Mapped[int] = mapped_column(Integer)
    voters: Mapped[int] = mapped_column(Integer)
    quorum: Mapped[int] = mapped_column(Integer)
    adopted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MinutesRow(Base):
    """One version of a meeting's minutes; a version once adopted closes the minutes."""

    __tablename__ = "minutes"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.meeting_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(Text)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
