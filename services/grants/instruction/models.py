from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class AnnotationRow(Base):
    """A private note (and optional score) of one institution on an application: no other reads it."""

    __tablename__ = "annotations"

    annotation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), index=True
    )
    institution_code: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScoringGridRow(Base):
    """A version of a call's scoring grid; a change is a new version, scores keep the one they used."""

    __tablename__ = "scoring_grids"
    __table_args__ = (UniqueConstraint("call_id", "code", "version"),)

    grid_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), index=True)
    code: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    owner_institution: Mapped[str] = mapped_column(Text)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScoreRow(Base):
    """One institution's mark on one criterion of one application (read by that institution only)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("application_id", "grid_id", "criterion", "institution_code"),)

    score_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), index=True
    )
    grid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scoring_grids.grid_id"))
    criterion: Mapped[str] = mapped_column(Text)
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    institution_code: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
