"""The tables of referrals, opinions with the governance's answers, and the commitments that follow."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class ReferralRow(Base):
    """A governance body asks a citizen body for its opinion by a date."""

    __tablename__ = "referrals"

    referral_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    from_body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"))
    to_body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    kind: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    asked_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OpinionRow(Base):
    """An opinion, proposal or alert adopted by a body and sent to a governance body (or the préfet)."""

    __tablename__ = "opinions"
    __table_args__ = (Index("ix_opinions_contract_adopted", "contract_code", "adopted_on"),)

    opinion_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    contract_code: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    adopted_on: Mapped[date] = mapped_column(Date)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.meeting_id"))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.referral_id"), index=True)
    addressed_to_body_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    redirected_to: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    responded_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommitmentRow(Base):
    """What the governance commits to after an opinion it took up, and how far it got."""

    __tablename__ = "commitments"

    commitment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    opinion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opinions.opinion_id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    status_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
