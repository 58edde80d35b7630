from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    Text,
    func,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.persistence import Base


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
