"""The QPV tables: generations, records (with their perimeters), lineage."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, Boolean, Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.persistence import Base


class QpvGenerationRow(Base):
    """A generation of the priority geography, set by decree; `revision` changes with its perimeters."""

    __tablename__ = "qpv_generations"

    generation: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    legal_act: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer, default=1)


class QpvRow(Base):
    __tablename__ = "qpvs"
    __table_args__ = (UniqueConstraint("code", "generation"),)

    qpv_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Some records have no official code in the sources (the CUA's 2015 QPV): they are still linked.
    code: Mapped[str | None] = mapped_column(Text)
    generation: Mapped[str] = mapped_column(Text, index=True)
    nom: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    status: Mapped[str] = mapped_column(Text)
    codes_communes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    code_epci: Mapped[str | None] = mapped_column(Text, index=True)
    legal_act: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    perimeter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class QpvLineageRow(Base):
    """One predecessor -> successor link between generations (split, merge, rename, extension…)."""

    __tablename__ = "qpv_lineage"

    predecessor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qpvs.qpv_id"), primary_key=True)
    successor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qpvs.qpv_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    is_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    contrary_note: Mapped[str | None] = mapped_column(Text)
