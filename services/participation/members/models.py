"""The tables of people (pseudonymous record, identity apart), their mandates, consents and declarations,
and the bodies' rules their composition is checked against."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.participation.persistence import Base


class BodyRulesRow(Base):
    """One version of a body's rules (append-only)."""

    __tablename__ = "body_rules"

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    parity: Mapped[bool] = mapped_column(Boolean)
    residents_min_share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    size_max: Mapped[int | None] = mapped_column(Integer)
    mandate_years: Mapped[int | None] = mapped_column(Integer)
    forbidden_member_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    quorum_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    notice_days: Mapped[int | None] = mapped_column(Integer)
    college_seats: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    representation_seats: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PersonRow(Base):
    """The pseudonymous record of a person: what rules and statistics need, no identity."""

    __tablename__ = "people"

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    gender: Mapped[str] = mapped_column(Text)
    age_band: Mapped[str] = mapped_column(Text)
    member_kind: Mapped[str] = mapped_column(Text)
    resident_in_qpv: Mapped[bool] = mapped_column(Boolean)
    fictitious: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PersonIdentityRow(Base):
    """A person's identity, kept apart from the pseudonymous record."""

    __tablename__ = "person_identities"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id", ondelete="CASCADE"), primary_key=True)
    family_name: Mapped[str] = mapped_column(Text)
    given_name: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)


class MandateRow(Base):
    __tablename__ = "mandates"

    mandate_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id"), index=True)
    role: Mapped[str] = mapped_column(Text)
    college: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    represented_organisation: Mapped[str | None] = mapped_column(Text)
    represented_body_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bodies.body_id"))
    substitute_for: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mandates.mandate_id"))
    replaces: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mandates.mandate_id"))
    draw_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("draws.draw_id"))
    drawn_reference: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PersonConsentRow(Base):
    """A consent given or withdrawn, append-only: the latest per purpose is the one in force."""

    __tablename__ = "person_consents"

    consent_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_on: Mapped[date] = mapped_column(Date)
    wording: Mapped[str] = mapped_column(Text)


class IndependenceDeclarationRow(Base):
    """A member's declaration of independence from the elected officials and institutions of the body."""

    __tablename__ = "independence_declarations"

    declaration_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.person_id", ondelete="CASCADE"), index=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.body_id"))
    declared_on: Mapped[date] = mapped_column(Date)
    independent: Mapped[bool] = mapped_column(Boolean)
    interests: Mapped[str | None] = mapped_column(Text)
