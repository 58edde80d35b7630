from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.db.base import Base


class CallRow(Base):
    __tablename__ = "calls_for_projects"
    __table_args__ = (UniqueConstraint("contract_code", "year", "scheme"),)

    call_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    year: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    notification_target_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ObjectiveRow(Base):
    """A node of a contract's strategic framework (ambition, strategic or operational objective)."""

    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("contract_code", "parent_id", "position", postgresql_nulls_not_distinct=True),)

    objective_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    level: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.objective_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    p147_theme: Mapped[str | None] = mapped_column(Text)
    pillar: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)


class InstitutionRow(Base):
    __tablename__ = "institutions"
    __table_args__ = (UniqueConstraint("contract_code", "code"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    code: Mapped[str] = mapped_column(Text)
    nom: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    cerfa_subline: Mapped[str] = mapped_column(Text)
    dauphin_funder_title: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OperatorRow(Base):
    __tablename__ = "operators"
    __table_args__ = (UniqueConstraint("contract_code", "siret"),)

    operator_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    nom: Mapped[str] = mapped_column(Text)
    siret: Mapped[str] = mapped_column(Text)
    siren: Mapped[str] = mapped_column(Text, index=True)
    rna: Mapped[str | None] = mapped_column(Text)
    legal_form: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    code_commune: Mapped[str | None] = mapped_column(Text)
    profile: Mapped[str] = mapped_column(Text)
    dauphin_tiers: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
