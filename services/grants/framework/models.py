from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.persistence import Base


class ObjectiveRow(Base):
    """A node of a contract's strategic framework (ambition, strategic or operational objective)."""

    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("contract_code", "parent_id", "position", postgresql_nulls_not_distinct=True),)

    objective_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contract_code: Mapped[str] = mapped_column(Text, index=True)
    level: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.objective_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    p147_theme: Mapped[str | None] = mapped_column(Text)
    pillar: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
