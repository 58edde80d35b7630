"""The indicators' tables: the catalogue and the values with their provenance."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, Text, UniqueConstraint, func
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
