"""The renewal projects' table."""

from __future__ import annotations

import uuid

from sqlalchemy import Index, Integer, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.persistence import Base


class RenewalProjectRow(Base):
    """An urban renewal project (NPNRU, PNRU, local programme) and the QPVs it concerns."""

    __tablename__ = "renewal_projects"

    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    nom: Mapped[str] = mapped_column(Text)
    programme: Mapped[str] = mapped_column(Text)
    interest: Mapped[str | None] = mapped_column(Text)
    qpv_codes: Mapped[list[str]] = mapped_column(postgresql.ARRAY(Text))
    generation: Mapped[str] = mapped_column(Text)
    code_epci: Mapped[str | None] = mapped_column(Text, index=True)
    starts_year: Mapped[int | None] = mapped_column(Integer)
    ends_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_renewal_projects_qpvs", "qpv_codes", postgresql_using="gin"),)
