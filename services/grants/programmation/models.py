from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class EnvelopeRow(Base):
    """What one financer puts into one call (year and scheme); the State's P147 envelope also carries
    the departmental P147 envelope the hors-QPV cap is computed on."""

    __tablename__ = "envelopes"
    __table_args__ = (UniqueConstraint("call_id", "institution_id"),)

    envelope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), index=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.institution_id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    departmental_cents: Mapped[int | None] = mapped_column(BigInteger)


class PortfolioRulesRow(Base):
    __tablename__ = "portfolio_rules"

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), primary_key=True)
    hors_qpv_cap: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    degressivity_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    new_actions_target: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    cohesion_target: Mapped[Decimal] = mapped_column(Numeric(6, 4))


class ScenarioRow(Base):
    """A what-if programmation of a call: proposed amounts per application and financer."""

    __tablename__ = "scenarios"

    scenario_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), index=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScenarioAmountRow(Base):
    __tablename__ = "scenario_amounts"

    scenario_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scenarios.scenario_id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.application_id"), primary_key=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.institution_id"), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class CommitteeRow(Base):
    """The comité des financeurs that froze a scenario into decisions (institutions, no personal names)."""

    __tablename__ = "committees"

    committee_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), index=True)
    scenario_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scenarios.scenario_id"), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    co_chairs: Mapped[list[str]] = mapped_column(ARRAY(Text))
    attendees: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProgrammationSumRow(Base):
    """What one statement changed in the programmation's totals of a contract's year, for one key of one
    dimension (an objective, an operator, a served QPV, a financer, or `counts`): appended by the triggers
    of applications and financing lines (migration gran0028), summed by the totals of a year and compacted
    by them. Never written by a use case."""

    __tablename__ = "programmation_sums"
    __table_args__ = (
        Index("ix_programmation_sums_contract_year", "contract_code", "year"),
        # The count of a programmation list of a contract or a year (kept_sums.kept_count), read at each page
        # that does not tell it: among a year's thousands of sums, its few `counts` rows (migration gran0030).
        Index("ix_programmation_sums_counts", "contract_code", "year", postgresql_where=text("dimension = 'counts'")),
        # The count of a list of a QPV or an operator (kept_count), of a contract or a year (migration gran0033).
        Index("ix_programmation_sums_keys", "contract_code", "dimension", "key", "year"),
    )

    sum_id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    applications: Mapped[int] = mapped_column(BigInteger)
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    proposed_cents: Mapped[int] = mapped_column(BigInteger)
    decided_cents: Mapped[int] = mapped_column(BigInteger)
    funded: Mapped[int] = mapped_column(BigInteger)
    beneficiaries: Mapped[int] = mapped_column(BigInteger)


class ApplicationFinancersRow(Base):
    """An application's financers as the programmation page shows them: the JSON array of its financing lines
    (financer's code, requested, proposed and decided amounts in euros, in the order of the codes), kept by
    the triggers of financing lines and institutions (migration gran0029). Never written by a use case; an
    application without a row has no line."""

    __tablename__ = "application_financers"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    financers: Mapped[Any] = mapped_column(JSON)


class ProgrammationItemRow(Base):
    """An application's item of the programmation page (schemas.ProgrammationRow): the JSON text of its
    columns, its call's scheme, its operator, its objective and its kept financers, kept by the triggers of
    applications, kept financers, operators, objectives and calls (migration gran0031). Never written by a
    use case."""

    __tablename__ = "programmation_items"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(Text)
