from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ContractIndicatorRow(Base):
    """An indicator of the contract's evaluation framework, with its baseline and target."""

    __tablename__ = "contract_indicators"
    __table_args__ = (UniqueConstraint("contract_code", "code"),)

    indicator_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    evaluation_object: Mapped[str] = mapped_column(Text)
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_perimeter: Mapped[str | None] = mapped_column(Text)
    baseline_source: Mapped[str | None] = mapped_column(Text)
    baseline_is_fictitious: Mapped[bool] = mapped_column(Boolean, default=False)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target_year: Mapped[int | None] = mapped_column(Integer)
    target_direction: Mapped[str] = mapped_column(Text)
    target_source: Mapped[str | None] = mapped_column(Text)
    target_is_fictitious: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ContractIndicatorValueRow(Base):
    """A value observed for an indicator in a year."""

    __tablename__ = "contract_indicator_values"

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contract_indicators.indicator_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    perimeter: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    is_fictitious: Mapped[bool] = mapped_column(Boolean, default=False)
