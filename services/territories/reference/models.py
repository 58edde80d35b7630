"""The reference territories' tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.territories.persistence import Base


class RegionRow(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)


class DepartementRow(Base):
    __tablename__ = "departements"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    code_region: Mapped[str] = mapped_column(Text, index=True)


class EpciRow(Base):
    __tablename__ = "epcis"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    nom_long: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    code_departement: Mapped[str] = mapped_column(Text)
    code_region: Mapped[str] = mapped_column(Text)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    typology: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class CommuneRow(Base):
    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text)
    nom_searchable: Mapped[str] = mapped_column(Text, index=True)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    siren: Mapped[str | None] = mapped_column(Text)
    code_epci: Mapped[str | None] = mapped_column(ForeignKey("epcis.code"), index=True)
    code_departement: Mapped[str] = mapped_column(Text)
    code_region: Mapped[str] = mapped_column(Text)
    codes_postaux: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    typology: Mapped[str | None] = mapped_column(Text)
