from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


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
