from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ConventionEvaluationRow(Base):
    """The final evaluation that closes a convention: the managers' assessment and what they recommend."""

    __tablename__ = "convention_evaluations"

    convention_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conventions.convention_id", ondelete="CASCADE"), primary_key=True
    )
    assessment: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    evaluated_by: Mapped[str] = mapped_column(Text)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
