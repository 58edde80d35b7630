"""Assemble the review of a contract and a year, and the cohort's headline figures, from the services'
public APIs (read in parallel with the caller's token). A service that does not answer leaves its blocks
unavailable; the rest is still produced."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from gateway.review.client import Request, ServiceReader
from gateway.review.domain import (
    HEADLINE,
    Block,
    Figure,
    Mode,
    Provenance,
    Section,
    Source,
    YearRuleBroken,
    block_of,
    headline,
    pending_block,
    template_values,
    year_rules,
    years_read,
)
from gateway.review.sources import SOURCES
from identity.principal import Principal

CONTRACT_UNKNOWN = (
    "Le service territories n'a pas répondu : les quartiers, l'EPCI et les années du contrat ne sont pas connus."
)
ZONES_KEY = "vulnerability-zones"


class ReviewNotFoundError(Exception):
    """No such contract, or one the caller may not read: the same answer for both."""


class ReviewUnavailableError(Exception):
    """A service the answer cannot do without (the registry, for a cohort) did not answer."""


class ReviewInputError(Exception):
    def __init__(self, broken: Sequence[YearRuleBroken]) -> None:
        super().__init__("; ".join(rule.message for rule in broken))
        self.broken = list(broken)


@dataclass(frozen=True, slots=True)
class Review:
    code: str
    contract: Mapping[str, Any] | None
    year: int
    mode: Mode
    baseline_year: int | None
    blocks: list[Block]
    headline: list[Figure]
    baseline_headline: list[Figure] | None
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class CohortEntry:
    code: str
    nom: str
    headline: list[Figure]


def _endpoint(service: str, path: str, params: Mapping[str, str]) -> str:
    query = "?" + urlencode(params) if params else ""
    return f"GET /api/{service}{path}{query}"


async def _contract(reader: ServiceReader, principal: Principal, code: str) -> Mapping[str, Any] | None:
    """The contract as the registry knows it; None while territories does not answer."""
    if not principal.works_on(code):
        raise ReviewNotFoundError(code)
    reading = await reader.read(Request("territories", f"/contracts/{code}", {}))
    if reading.status == 200 and isinstance(reading.body, dict):
        return reading.body
    if reading.status is not None and reading.status < 500:
        raise ReviewNotFoundError(code)
    return None


@dataclass(frozen=True, slots=True)
class _Planned:
    source: Source
    request: Request
    provenance: Provenance
    qpv: str | None


def _plan(
    contract: Mapping[str, Any] | None, code: str, year: int, baseline: int | None
) -> tuple[list[_Planned], list[Block]]:
    """The requests every declared source needs, and the blocks known without asking: slots, and, while the
    registry does not answer (`contract` None), the sources that need what it knows."""
    planned: list[_Planned] = []
    known: list[Block] = []
    for source in SOURCES:
        if source.service is None:
            known.append(pending_block(source))
            continue
        if contract is None and source.needs_contract:
            known.append(Block(source.key, source.section, source.title, "unavailable", None, reason=CONTRACT_UNKNOWN))
            continue
        start, epci = (contract["startYear"], contract["codeEpci"]) if contract else (year, "")
        dated = "{year}" in source.path or any("{year}" in value for value in source.params.values())
        for each in years_read(source, year, baseline, start):
            for qpv in contract["qpvCodes"] if contract and source.per_qpv else [""]:
                values = template_values(code, each, epci, start, qpv)
                path, params = source.filled(values)
                perimeter = source.perimeter.format(**values)
                provenance = Provenance(
                    source.service, _endpoint(source.service, path, params), each if dated else None, perimeter
                )
                planned.append(_Planned(source, Request(source.service, path, params), provenance, qpv or None))
    return planned, known


async def _zones(reader: ServiceReader, blocks: Sequence[Block], epci: str) -> Block | None:
    """The newest vulnerability computation of the contract's EPCI, its zones as GeoJSON."""
    computations = next((block for block in blocks if block.key == "vulnerability-computations"), None)
    if computations is None or computations.status != "available":
        return None
    chosen = next(
        (item for item in computations.data.get("items", []) if item.get("parameters", {}).get("codeEpci") == epci),
        None,
    )
    if chosen is None:
        return None
    path = f"/vulnerability-computations/{chosen['id']}/zones"
    source = Source(ZONES_KEY, Section.CONTEXT, "Zones de vulnérabilité", "territories", path, perimeter=f"EPCI {epci}")
    provenance = Provenance(
        "territories", _endpoint("territories", path, {}), chosen["parameters"].get("vintage"), source.perimeter
    )
    return block_of(source, await reader.read(Request("territories", path, {})), provenance)


async def review(
    reader: ServiceReader, principal: Principal, code: str, year: int, mode: Mode, now: datetime
) -> Review:
    contract = await _contract(reader, principal, code)
    if contract is not None:  # without the registry, the services still check the year they are asked
        broken = year_rules("year", year, contract["startYear"], contract["endYear"])
        if broken:
            raise ReviewInputError(broken)
    baseline = contract["startYear"] if contract is not None and mode == "mid-term" else None
    planned, blocks = _plan(contract, code, year, baseline)
    readings = await reader.read_all([item.request for item in planned])
    fetched = [
        block_of(item.source, reading, item.provenance, item.qpv)
        for item, reading in zip(planned, readings, strict=True)
    ]
    zones = None if contract is None else await _zones(reader, fetched, contract["codeEpci"])
    ordered = fetched + ([zones] if zones is not None else []) + blocks
    of_year = [block for block in ordered if block.provenance is None or block.provenance.year in (None, year)]
    baseline_figures = None
    if baseline is not None:
        of_baseline = [block for block in ordered if block.provenance is not None and block.provenance.year == baseline]
        baseline_figures = headline(of_baseline)
    return Review(code, contract, year, mode, baseline, ordered, headline(of_year), baseline_figures, now)


async def _cohort_entry(reader: ServiceReader, contract: Mapping[str, Any], year: int) -> CohortEntry:
    code = contract["code"]
    headline_keys = {block_key for _, _, _, block_key, _ in HEADLINE}
    headline_sources = [
        (source, source.service) for source in SOURCES if source.key in headline_keys and source.service is not None
    ]
    values = template_values(code, year, contract["codeEpci"], contract["startYear"])
    planned = []
    for source, service in headline_sources:
        path, params = source.filled(values)
        planned.append(
            (
                source,
                Request(service, path, params),
                Provenance(service, _endpoint(service, path, params), year, source.perimeter),
            )
        )
    readings = await reader.read_all([request for _, request, _ in planned])
    blocks = [
        block_of(source, reading, provenance)
        for (source, _, provenance), reading in zip(planned, readings, strict=True)
    ]
    return CohortEntry(code, contract["nom"], headline(blocks))


async def cohort(reader: ServiceReader, principal: Principal, codes: Sequence[str], year: int) -> list[CohortEntry]:
    """The headline figures of each contract side by side; a contract the caller may not read is missing."""
    for code in codes:
        if not principal.works_on(code):
            raise ReviewNotFoundError(code)
    contracts = await asyncio.gather(*(_contract(reader, principal, code) for code in codes))
    if any(contract is None for contract in contracts):
        raise ReviewUnavailableError("territories")
    broken: list[YearRuleBroken] = []
    for contract in contracts:
        assert contract is not None  # noqa: S101 - checked above
        for rule in year_rules("year", year, contract["startYear"], contract["endYear"]):
            broken.append(YearRuleBroken(rule.field, rule.rule, f"{contract['code']}: {rule.message}"))
    if broken:
        raise ReviewInputError(broken)
    return list(await asyncio.gather(*(_cohort_entry(reader, contract, year) for contract in contracts if contract)))
