from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.db.base import Base


class EpciRow(Base):
    __tablename__ = "epcis"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    nom_long: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    code_departement: Mapped[str] = mapped_column(Text)
    code_region: Mapped[str] = mapped_column(Text)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)


class CommuneRow(Base):
    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    nom_searchable: Mapped[str] = mapped_column(Text, index=True)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    siren: Mapped[str | None] = mapped_column(Text)
    code_epci: Mapped[str | None] = mapped_column(ForeignKey("epcis.code"), index=True)
    code_departement: Mapped[str] = mapped_column(Text)
    code_region: Mapped[str] = mapped_column(Text)
    codes_postaux: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)


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


class ContractRow(Base):
    __tablename__ = "contracts"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    code_epci: Mapped[str] = mapped_column(ForeignKey("epcis.code"), index=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    qpv_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    signatories: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
