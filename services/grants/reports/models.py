from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class FinancialReportRow(Base):
    """The financial report (CERFA 15059) of one application: actual lines, status and review."""

    __tablename__ = "financial_reports"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OverdueAnnouncementRow(Base):
    """A financial report announced overdue (`report.overdue`), once: the daily job announces the others."""

    __tablename__ = "overdue_report_announcements"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer)
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActivityReportRow(Base):
    """The qualitative report of one application and its actual beneficiaries (counts only)."""

    __tablename__ = "activity_reports"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    summary: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    outlook: Mapped[str | None] = mapped_column(Text)
    beneficiaries: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Counts of an uploaded list of beneficiaries' coordinates, classified by territories; never a point.
    located: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
