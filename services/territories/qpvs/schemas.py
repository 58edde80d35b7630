"""The QPV records on the wire."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from pydantic import Field

from kit.api_models import ApiModel
from services.territories.qpvs.domain import Qpv, QpvPerimeter
from services.territories.qpvs.domain import QpvLink as Link


class QpvLink(ApiModel):
    id: uuid.UUID
    code: str | None
    nom: str
    generation: str
    kind: Literal["split", "merge", "rename", "extension", "contour_modified", "unchanged"]
    inferred: bool = Field(description="True when no source states the link (it is deduced)")
    note: str | None = Field(description="How the source words the link")
    source: str | None = Field(description="The text that states the link (the contract and its lines)")
    contrary_note: str | None = Field(
        description="What another source says against it, kept beside the statement loaded, never chosen silently"
    )

    @classmethod
    def of(cls, link: Link) -> QpvLink:
        return cls.model_validate(
            {
                "id": link.qpv_id,
                "code": link.code,
                "nom": link.nom,
                "generation": link.generation,
                "kind": link.kind,
                "inferred": link.inferred,
                "note": link.note,
                "source": link.source,
                "contraryNote": link.contrary_note,
            }
        )


class QpvRead(ApiModel):
    id: uuid.UUID = Field(description="Stable id; the only handle of records the sources give no code")
    code: str | None
    nom: str
    aliases: list[str]
    generation: str
    status: Literal["qpv", "veille_active"]
    codes_communes: list[str]
    code_epci: str | None
    legal_act: str | None
    starts_on: date | None
    population: int | None
    population_year: int | None
    predecessors: list[QpvLink]
    successors: list[QpvLink]

    @classmethod
    def of(cls, qpv: Qpv) -> QpvRead:
        return cls.model_validate(
            {
                "id": qpv.qpv_id,
                "predecessors": [QpvLink.of(link) for link in qpv.predecessors],
                "successors": [QpvLink.of(link) for link in qpv.successors],
                "code": qpv.code,
                "nom": qpv.nom,
                "aliases": qpv.aliases,
                "generation": qpv.generation,
                "status": qpv.status,
                "codesCommunes": qpv.codes_communes,
                "codeEpci": qpv.code_epci,
                "legalAct": qpv.legal_act,
                "startsOn": qpv.starts_on,
                "population": qpv.population,
                "populationYear": qpv.population_year,
            }
        )


class GenerationRead(ApiModel):
    generation: str
    label: str
    legal_act: str
    starts_on: date
    ends_on: date | None


class PerimeterFeature(ApiModel):
    type: Literal["Feature"] = "Feature"
    properties: dict[str, Any]
    geometry: dict[str, Any]

    @classmethod
    def of(cls, perimeter: QpvPerimeter, output: str, tolerance_m: float) -> PerimeterFeature:
        properties = {"code": perimeter.code, "nom": perimeter.nom, "generation": perimeter.generation}
        return cls(
            properties={**properties, "format": output, "simplifiedToleranceM": tolerance_m},
            geometry=perimeter.geometry,
        )
