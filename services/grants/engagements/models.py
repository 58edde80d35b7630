from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ARRAY, Boolean, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class SignatoryRow(Base):
    """A signatory of a contract: named by the text, or a slot the text counts without naming."""

    __tablename__ = "signatories"
    __table_args__ = (UniqueConstraint("contract_code", "code"),)

    signatory_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    code: Mapped[str] = mapped_column(Text)
    nom: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    source_lines: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.institution_id"))
    code_insee: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class EngagementSheetRow(Base):
    """A signatory's engagement sheet of one year (its content as one JSON document: the sheet is read,
    written and compared whole)."""

    __tablename__ = "engagement_sheets"
    __table_args__ = (UniqueConstraint("signatory_id", "year"),)

    sheet_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    signatory_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signatories.signatory_id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    is_fictitious: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
