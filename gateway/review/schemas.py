"""The review's wire: what the front end reads (camelCase)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from gateway.review.domain import Block, Figure, Provenance, Section
from gateway.review.use_cases import CohortEntry, Review
from kit.api_models import ApiModel


class ProvenanceRead(ApiModel):
    service: str = Field(description="territories, grants or participation")
    endpoint: str = Field(description="The request that answered it, as the gateway serves it")
    year: int | None = Field(description="The year asked (None: the endpoint takes no year)")
    perimeter: str = Field(description="Contract, QPV or EPCI the figures are about")

    @classmethod
    def of(cls, provenance: Provenance | None) -> ProvenanceRead | None:
        if provenance is None:
            return None
        return cls(
            service=provenance.service,
            endpoint=provenance.endpoint,
            year=provenance.year,
            perimeter=provenance.perimeter,
        )


class BlockRead(ApiModel):
    key: str
    title: str
    status: Literal["available", "unavailable"]
    reason: str | None = Field(description="Why it is unavailable: a service down, refused, or not published yet")
    qpv: str | None = Field(description="The QPV of a per-neighbourhood block")
    provenance: ProvenanceRead | None = Field(description="None for a slot no service fills yet")
    data: Any = Field(
        description="The endpoint's answer as it is (its schema: the operation named by `provenance.endpoint`)"
    )


class SectionRead(ApiModel):
    key: Section
    title: str
    status: Literal["available", "partial", "unavailable"]
    blocks: list[BlockRead]


class FigureRead(ApiModel):
    key: str
    label: str
    unit: str = Field(description="EUR, %, ratio (0 to 1), or a count's unit")
    value: str | int | bool | None = Field(description="As the service answered it; None when unavailable")
    provenance: ProvenanceRead | None

    @classmethod
    def each(cls, figures: Sequence[Figure]) -> list[FigureRead]:
        return [
            cls(
                key=figure.key,
                label=figure.label,
                unit=figure.unit,
                value=figure.value,
                provenance=ProvenanceRead.of(figure.provenance),
            )
            for figure in figures
        ]


class ContractSummary(ApiModel):
    code: str
    nom: str | None = Field(description="None while the registry does not answer")
    code_epci: str | None
    start_year: int | None
    end_year: int | None
    qpv_codes: list[str]


class ReviewRead(ApiModel):
    contract: ContractSummary
    year: int
    mode: Literal["annual", "mid-term"]
    baseline_year: int | None = Field(description="Mid-term mode: the contract's first year, compared with `year`")
    generated_at: datetime
    headline: list[FigureRead]
    baseline_headline: list[FigureRead] | None
    sections: list[SectionRead]

    @classmethod
    def of(cls, review: Review, titles: dict[Section, str]) -> ReviewRead:
        contract = review.contract or {}
        sections = []
        for section in Section:
            blocks = [block for block in review.blocks if block.section == section]
            statuses = {block.status for block in blocks}
            status: Literal["available", "partial", "unavailable"] = (
                "available"
                if statuses == {"available"}
                else "unavailable"
                if "available" not in statuses
                else "partial"
            )
            sections.append(SectionRead(key=section, title=titles[section], status=status, blocks=_blocks(blocks)))
        return cls(
            contract=ContractSummary(
                code=review.code,
                nom=contract.get("nom"),
                code_epci=contract.get("codeEpci"),
                start_year=contract.get("startYear"),
                end_year=contract.get("endYear"),
                qpv_codes=contract.get("qpvCodes", []),
            ),
            year=review.year,
            mode=review.mode,
            baseline_year=review.baseline_year,
            generated_at=review.generated_at,
            headline=FigureRead.each(review.headline),
            baseline_headline=None if review.baseline_headline is None else FigureRead.each(review.baseline_headline),
            sections=sections,
        )


def _blocks(blocks: Sequence[Block]) -> list[BlockRead]:
    return [
        BlockRead(
            key=block.key,
            title=block.title,
            status=block.status,
            reason=block.reason,
            qpv=block.qpv,
            provenance=ProvenanceRead.of(block.provenance),
            data=block.data,
        )
        for block in blocks
    ]


class CohortContractRead(ApiModel):
    code: str
    nom: str
    headline: list[FigureRead]

    @classmethod
    def of(cls, entry: CohortEntry) -> CohortContractRead:
        return cls(code=entry.code, nom=entry.nom, headline=FigureRead.each(entry.headline))


class CohortRead(ApiModel):
    year: int
    contracts: list[CohortContractRead]
