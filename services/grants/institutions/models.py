from __future__ import annotations

import uuid

from sqlalchemy import Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


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
    siret: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
