from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.persistence import Base


class IndicatorRow(Base):
    """An entry of the indicator catalogue."""

    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class IndicatorValueRow(Base):
    """One figure, on the perimeter it was measured on, with where it comes from.

    Two sources giving different figures for the same territory and year are two rows: the natural key
    includes the value and the source, so a re-import adds nothing and a disagreement is never merged.
    """

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint(
            "indicator_code",
            "territory_kind",
            "territory_code",
            "qpv_id",
            "perimeter",
            "year",
            "value",
            "secret",
            "source",
            name="indicator_values_natural_key",
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_indicator_values_territory", "territory_kind", "territory_code", "indicator_code"),
    )

    value_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    territory_kind: Mapped[str] = mapped_column(Text)
    territory_code: Mapped[str | None] = mapped_column(Text)
    qpv_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qpvs.qpv_id"), index=True)
    territory_label: Mapped[str] = mapped_column(Text)
    perimeter: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Numeric(21, 6))
    secret: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FilosofiSquareRow(Base):
    """One INSEE Filosofi 200 m square of one vintage (statistical estimates, hence floats)."""

    __tablename__ = "filosofi_squares"

    vintage: Mapped[int] = mapped_column(Integer, primary_key=True)
    square_id: Mapped[str] = mapped_column(Text, primary_key=True)
    northing: Mapped[int] = mapped_column(Integer)
    easting: Mapped[int] = mapped_column(Integer)
    imputed: Mapped[bool] = mapped_column(Boolean)
    individuals: Mapped[float] = mapped_column(Float)
    households: Mapped[float] = mapped_column(Float)
    poor_households: Mapped[float] = mapped_column(Float)
    sum_standard_of_living: Mapped[float] = mapped_column(Float)
    single_parent_households: Mapped[float | None] = mapped_column(Float)
    codes_communes: Mapped[list[str]] = mapped_column(postgresql.ARRAY(Text))

    __table_args__ = (Index("ix_filosofi_squares_communes", "codes_communes", postgresql_using="gin"),)


class VulnerabilityComputationRow(Base):
    """A computation kept with its parameters and the fingerprint of its input, so it can be re-run."""

    __tablename__ = "vulnerability_computations"

    computation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    created_by: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    vintage: Mapped[int] = mapped_column(Integer)
    input_squares: Mapped[int] = mapped_column(Integer)
    input_digest: Mapped[str] = mapped_column(Text)
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    squares: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
