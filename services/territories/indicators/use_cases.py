"""Indicators: the catalogue, imports (the contract's figures, the generic CSV), series and comparisons."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from pathlib import Path

from identity.principal import Principal
from kit.etags import etag_of_content
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.use_cases import piloted_epcis
from services.territories.errors import ImportRejectedError, ImportReport, found, refused_lines
from services.territories.indicators.domain import (
    NATIONAL_CODES,
    Comparison,
    GenericColumns,
    IndicatorDefinition,
    IndicatorValue,
    ParsedFile,
    TerritoryKind,
    parse_contract_csv,
    parse_generic_csv,
    resolve_codes,
    resolve_names,
)
from services.territories.indicators.repository import IndicatorRepository
from services.territories.persistence import commit_audited, commit_import
from services.territories.qpvs import use_cases as qpvs
from services.territories.qpvs.domain import Qpv
from services.territories.qpvs.repository import QpvRepository
from services.territories.reference.repository import ReferenceRepository

# The source every figure of the shipped file is recorded with (contract 002_5977faef0ce805e9.txt).
CONTRACT_SOURCE = "Contrat de ville « Cœur de Quartier » 2024-2030, CU d'Arras"


async def import_indicator_file(
    uow: UnitOfWork,
    actor: Principal,
    content: bytes | str,
    columns: GenericColumns,
    *,
    dry_run: bool,
    skip_bad_lines: bool,
) -> ImportReport:
    """The generic CSV. All-or-nothing unless `skip_bad_lines`; a dry run reports and writes nothing."""
    async with uow:
        repository = IndicatorRepository(uow.session)
        parsed = parse_generic_csv(content, {item.code: item for item in await repository.catalogue()}, columns)
        communes = {line.territory for line in parsed.lines if line.territory_kind is TerritoryKind.COMMUNE}
        epcis = {line.territory for line in parsed.lines if line.territory_kind is TerritoryKind.EPCI}
        references = ReferenceRepository(uow.session)
        resolved, unknown = resolve_codes(
            parsed.lines,
            await QpvRepository(uow.session).named_records(),
            await references.epci_of_communes(communes),
            await references.existing_epcis(epcis),
            actor,
            await piloted_epcis(uow, actor),
        )
        errors = refused_lines(parsed.errors + unknown, dry_run=dry_run, skip_bad_lines=skip_bad_lines)
        values = [line.measured_on(ref, f"import by {actor.subject}, line {line.line}") for line, ref in resolved]
        # A dry run is never committed: leaving the unit of work rolls the insert back.
        created = await repository.add_values(values)
        valid = len(values)
        report = ImportReport(
            lines=parsed.total, valid=valid, created=created, unchanged=valid - created, dry_run=dry_run, errors=errors
        )
        await commit_import(
            uow,
            actor,
            action="indicators.imported",
            entity_type="indicator_import",
            summary={"lines": report.lines, "created": report.created, "skipped": report.skipped},
            dry_run=dry_run,
        )
    return report


def read_contract_indicators(catalogue_path: Path, values_path: Path) -> tuple[list[IndicatorDefinition], ParsedFile]:
    """The shipped catalogue and the contract's figures (data/indicator_catalogue.json, the contract's CSV)."""
    document = json.loads(catalogue_path.read_text(encoding="utf-8"))
    catalogue = [
        IndicatorDefinition(item["code"], item["label"], item["unit"], item["definition"], item["source"])
        for item in document["indicators"]
    ]
    return catalogue, parse_contract_csv(values_path.read_text(encoding="utf-8"), CONTRACT_SOURCE)


async def import_contract_indicators(
    uow: UnitOfWork, catalogue: list[IndicatorDefinition], parsed: ParsedFile, file_name: str
) -> int:
    """The catalogue and the contract's figures as shipped; territories are named as the contract names them."""
    async with uow:
        repository = IndicatorRepository(uow.session)
        await repository.define(catalogue)
        qpv_records = QpvRepository(uow.session)
        resolved, unknown = resolve_names(
            parsed.lines,
            await qpv_records.named_records(),
            await qpv_records.lineage_links(),
            await ReferenceRepository(uow.session).epcis_by_name(),
        )
        errors = parsed.errors + unknown
        if errors:
            raise ImportRejectedError(errors)
        created = await repository.add_values(
            [line.measured_on(ref, f"{file_name} line {line.line}") for line, ref in resolved]
        )
        await uow.commit()
    return created


async def list_catalogue(uow: UnitOfWork, page: PageRequest) -> tuple[list[IndicatorDefinition], int]:
    async with uow.reading():
        return await IndicatorRepository(uow.session).catalogue_page(page)


async def get_indicator(uow: UnitOfWork, code: str) -> IndicatorDefinition:
    async with uow.reading():
        return found(await IndicatorRepository(uow.session).get(code), "indicator", code)


def indicator_etag(definition: IndicatorDefinition) -> str:
    """Catalogue entries carry no version: their ETag is the digest of what they say."""
    return etag_of_content(
        definition.code, definition.label, definition.unit, definition.definition or "", definition.source or ""
    )


async def define_indicator(uow: UnitOfWork, actor: Principal, definition: IndicatorDefinition) -> bool:
    """Create or change a catalogue entry; True when it is new."""
    async with uow:
        repository = IndicatorRepository(uow.session)
        current = await repository.get(definition.code, for_update=True)
        uow.check_precondition(indicator_etag(current) if current else None)
        await repository.define([definition])
        await commit_audited(
            uow,
            actor,
            action="indicator.defined",
            entity_type="indicator",
            entity_id=definition.code,
            before=asdict(current) if current else None,
            after=asdict(definition),
        )
    return current is None


async def list_values(
    uow: UnitOfWork,
    page: PageRequest,
    indicator: str | None,
    kind: TerritoryKind | None,
    code: str | None,
    year: int | None,
) -> tuple[list[IndicatorValue], int]:
    async with uow.reading():
        return await IndicatorRepository(uow.session).list_values(
            page, indicator, kind.value if kind else None, code, year
        )


async def _compare(uow: UnitOfWork, qpv: Qpv, indicator_code: str) -> Comparison:
    async with uow.reading():
        repository = IndicatorRepository(uow.session)
        indicator = found(await repository.get(indicator_code), "indicator", indicator_code)
        records = [qpv.qpv_id, *(predecessor.qpv_id for predecessor in qpv.predecessors)]
        national = {
            kind: await repository.values_of(kind, NATIONAL_CODES[kind], indicator_code)
            for kind in (TerritoryKind.QPV_NATIONAL_AVERAGE, TerritoryKind.FRANCE)
        }
        return Comparison(
            indicator=indicator,
            qpv=qpv,
            series=await repository.values_of_qpvs(records, indicator_code),
            code_epci=qpv.code_epci,
            epci=(
                await repository.values_of(TerritoryKind.EPCI, qpv.code_epci, indicator_code) if qpv.code_epci else []
            ),
            qpv_national_average=national[TerritoryKind.QPV_NATIONAL_AVERAGE],
            france=national[TerritoryKind.FRANCE],
        )


async def compare_qpv(uow: UnitOfWork, code: str, generation: str, indicator_code: str) -> Comparison:
    """A QPV's series (its own perimeter and its predecessors') beside its EPCI, all QPV and France."""
    return await _compare(uow, await qpvs.get_qpv(uow, code, generation), indicator_code)


async def compare_qpv_record(uow: UnitOfWork, qpv_id: uuid.UUID, indicator_code: str) -> Comparison:
    """The same comparison for a record reached by its id."""
    return await _compare(uow, await qpvs.get_qpv_record(uow, qpv_id), indicator_code)
