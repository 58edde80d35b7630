from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ActionRow(Base):
    """A durable project of one operator; it has one application per year."""

    __tablename__ = "actions"

    action_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.operator_id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("action_id", "year"),
        # The programmation's pages: a contract's year, or a call, in title order.
        Index(
            "ix_applications_contract_year_title",
            "contract_code",
            "year",
            "title",
            "application_id",
            postgresql_include=["state"],  # counts answered from the index alone
        ),
        Index(
            "ix_applications_call_title",
            "call_id",
            "title",
            "application_id",
            postgresql_include=["state", "contract_code"],
        ),
        # The programmation's totals read a contract's year from this index alone, in application order.
        Index(
            "ix_applications_contract_year_totals",
            "contract_code",
            "year",
            "application_id",
            postgresql_include=[
                "state",
                "operator_id",
                "primary_objective_id",
                "hors_qpv",
                "qpv_codes",
                "beneficiaries",
                "lines_requested_cents",
                "lines_proposed_cents",
                "lines_decided_cents",
            ],
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.action_id"), index=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"), index=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.operator_id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    primary_objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.objective_id"))
    other_objective_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    qpv_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    codes_communes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Where the action takes place: [{"qpv_code"|"code_commune"|"label": ...}] (not whom it serves).
    venues: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    served_vulnerability_zones: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Serves vulnerability zones and no QPV: its P147 credits count under the 2.5 % cap (Draft.hors_qpv;
    # until migration gran0026, "serves no QPV").
    hors_qpv: Mapped[bool] = mapped_column(Boolean, default=False)
    beneficiaries: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    previous_application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.application_id"))
    multi_year: Mapped[bool] = mapped_column(Boolean, default=False)
    dauphin_number: Mapped[str | None] = mapped_column(Text)
    dauphin_normalised: Mapped[str | None] = mapped_column(Text, index=True)
    # No index on state alone: every query reads a contract's or a call's applications (whose indexes
    # carry the state), and a state index lured generic plans of prepared statements into scanning every
    # contract's notified applications (a filtered page's count: 30–100 ms instead of 5).
    state: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_on: Mapped[date | None] = mapped_column(Date)  # the date of the notification letter
    # Sums of the application's financing lines (proposed and decided: 0 while unset), kept by the
    # database itself: a trigger on financing_lines (migration gran0007) recomputes them after every
    # statement that changes lines, whichever code path wrote them. Never set from Python; the decisions
    # import moves the decided sum in the statement that writes the lines (the trigger then finds it right).
    lines_requested_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    lines_proposed_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    lines_decided_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Sums of the CERFA budget's charges, own funds and in-kind resources (87), kept the same way by a
    # trigger on budget_lines (migration gran0013). Never written from Python.
    budget_charges_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    budget_own_funds_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    budget_in_kind_cents: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class BudgetLineRow(Base):
    """One line of the CERFA 12156 budget of an application (whole euros, in cents)."""

    __tablename__ = "budget_lines"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.institution_id"))


class FinancingLineRow(Base):
    """One financer's line of an application: requested, proposed (by the comité that agreed it, if one
    did), decided by the financer's own act (its kind, number and date), its opinion and decision."""

    __tablename__ = "financing_lines"
    # A year's lines of a contract in one index range, amounts included: totals never probe the primary
    # key once per application (the application's contract and year never change, so copying them is safe).
    __table_args__ = (
        Index(
            "ix_financing_lines_contract_year",
            "contract_code",
            "year",
            "application_id",
            postgresql_include=["institution_id", "requested_cents", "proposed_cents", "decided_cents"],
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.institution_id"), primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    proposed_cents: Mapped[int | None] = mapped_column(BigInteger)
    decided_cents: Mapped[int | None] = mapped_column(BigInteger)
    # Whether the application is live (in the programmation): kept by the triggers of the programmation's
    # sums (migration gran0028), never written by the application.
    application_live: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_comment: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)  # the date of the decision's act
    chorus_commitment: Mapped[str | None] = mapped_column(Text)
    committee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("committees.committee_id"))
    decision_act_kind: Mapped[str | None] = mapped_column(Text)
    decision_act_number: Mapped[str | None] = mapped_column(Text)


class ApplicationEventRow(Base):
    """The workflow's history: who moved the application, when, from where to where, and why."""

    __tablename__ = "application_events"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    actor_institution: Mapped[str | None] = mapped_column(Text)
    transition: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str] = mapped_column(Text)
    to_state: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    # Numbers the events as they are recorded: a history reads (at, recorded_order), events of one instant
    # in the order they were written (migration gran0032).
    recorded_order: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
