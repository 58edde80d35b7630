"""The tables of bodies and their themes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, Date, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class BodyRow(Base):
    __tablename__ = "bodies"

    body_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    participation_level: Mapped[str] = mapped_column(Text)
    qpv_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    commune_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    status: Mapped[str] = mapped_column(Text, server_default="active")
    recognition_act: Mapped[str | None] = mapped_column(Text)
    established_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The row's item of its list as JSON text, written by the table's trigger only (migration part0015); never
    # loaded with the row.
    item: Mapped[str | None] = mapped_column(Text, deferred=True)


class BodyThemeRow(Base):
    """A body's participation level on a theme, declared and as observed."""

    __tablename__ = "body_themes"

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), primary_key=True)
    theme: Mapped[str] = mapped_column(Text, primary_key=True)
    declared_level: Mapped[str] = mapped_column(Text)
    observed_level: Mapped[str | None] = mapped_column(Text)
