from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class HeaderAliasRow(Base):
    """A contract's own spellings of a column of the decision files it imports."""

    __tablename__ = "decision_header_aliases"

    contract_code: Mapped[str] = mapped_column(Text, primary_key=True)
    field: Mapped[str] = mapped_column(Text, primary_key=True)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text))


class DecisionImportRow(Base):
    """One imported file of decisions (Dauphin, GISPRO, our own export edited by the prefecture)."""

    __tablename__ = "decision_imports"
    __table_args__ = (UniqueConstraint("contract_code", "file_sha256"),)

    batch_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    file_sha256: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    columns: Mapped[dict[str, str]] = mapped_column(JSONB)


class DecisionImportLineRow(Base):
    """A line of an imported file: the raw row as read, what it matched and what became of it."""

    __tablename__ = "decision_import_lines"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("decision_imports.batch_id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    parsed: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.application_id"))
    matched_by: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolution_reason: Mapped[str | None] = mapped_column(Text)


class RequestImportRow(Base):
    """One imported list of requests (a Dauphin extract, a Démarches Simplifiées export) into a call."""

    __tablename__ = "request_imports"
    __table_args__ = (UniqueConstraint("call_id", "file_sha256"),)

    batch_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls_for_projects.call_id"))
    file_sha256: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    columns: Mapped[dict[str, str]] = mapped_column(JSONB)


class RequestImportLineRow(Base):
    """A line of an imported list of requests: the raw row as read and what it created or changed."""

    __tablename__ = "request_import_lines"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("request_imports.batch_id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.application_id"))
    operator_created: Mapped[bool] = mapped_column(Boolean)
    changes: Mapped[list[str]] = mapped_column(JSONB)
