"""Indicators: the catalogue, imports (the contract's figures, the generic CSV), series and comparisons."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kit.auth.principal import Principal
from kit.etags import etag_of_content
from kit.pagination import PageRequest
from kit.unit_of_work import UnitOfWork
from services.territories.contracts.repository import ContractRepository
from services.territories.db.models import IndicatorRow, IndicatorValueRow
from services.territories.db.repositories import IndicatorRepository
from services.territories.domain.indicators import (
    NATIONAL_CODES,
    IndicatorDefinition,
    IndicatorValue,
    NamedRecord,
    ParsedFile,
    RawLine,
    TerritoryKind,
    TerritoryRef,
    parse_contract_csv,
    parse_generic_csv,
    resolve_qpv_name,
)
from services.territories.errors import ImportRejectedError, LineError, NotFoundError
from services.territories.persistence import ledger, upsert
from services.territories.qpvs.domain import Qpv

CONTRACT_SOURCE = "Contrat de ville « Cœur de Quartier » 2024-2030, CU d'Arras"


def _definition(row: IndicatorRow) -> IndicatorDefinition:
    return IndicatorDefinition(row.code, row.label, row.unit, row.definition, row.source)


def catalogue_rows(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        asdict(IndicatorDefinition(item["code"], item["label"], item["unit"], item["definition"], item["source"]))
        for item in document["indicators"]
    ]


def _row(value: IndicatorValue) -> dict[str, Any]:
    return {
        "indicator_code": value.indicator,
        "territory_kind": value.territory.kind.value,
        "territory_code": value.territory.code,
        "qpv_id": value.territory.qpv_id,
        "territory_label": value.territory_label,
        "perimeter": value.perimeter,
        "year": value.year,
        "value": value.value,
        "secret": value.secret,
        "source": value.source,
        "source_reference": value.source_reference,
        "note": value.note,
    }


@dataclass(slots=True)
class IndicatorImportReport:
    lines: int
    valid: int
    created: int
    unchanged: int
    skipped: int
    dry_run: bool
    errors: list[LineError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Territories:
    """What resolving a file's territories needs, read once per import."""

    records: list[NamedRecord]
    epci_of_record: dict[uuid.UUID, str | None]
    links: list[tuple[uuid.UUID, uuid.UUID]]
    epcis_by_name: dict[str, str]

    @classmethod
    async def load(cls, repository: IndicatorRepository) -> _Territories:
        names = await repository.qpv_names()
        return cls(
            records=[
                NamedRecord(qpv_id, code, generation, (nom, *aliases, *([code] if code else [])))
                for qpv_id, code, generation, nom, aliases, _ in names
            ],
            epci_of_record={qpv_id: code_epci for qpv_id, *_, code_epci in names},
            links=await repository.lineage_links(),
            epcis_by_name=await repository.epcis_by_name(),
        )


async def _resolve_generic(
    repository: IndicatorRepository, lines: list[RawLine], actor: Principal
) -> tuple[list[tuple[RawLine, TerritoryRef]], list[LineError]]:
    """Codes to stored territories, and the caller's right to write each of them."""
    territories = await _Territories.load(repository)
    communes = await repository.communes_and_epcis(
        {line.territory for line in lines if line.territory_kind is TerritoryKind.COMMUNE}
    )
    epcis = await repository.existing_epcis(
        {line.territory for line in lines if line.territory_kind is TerritoryKind.EPCI}
    )
    allowed_epcis = (
        None
        if actor.is_platform_admin
        else await ContractRepository(repository.session).epcis_of_contracts(actor.contracts)
    )
    by_code = {(record.code, record.generation): record for record in territories.records if record.code}
    by_id = {str(record.qpv_id): record for record in territories.records}
    resolved: list[tuple[RawLine, TerritoryRef]] = []
    errors: list[LineError] = []
    for line in lines:
        epci: str | None = None
        ref: TerritoryRef | None = None
        match line.territory_kind:
            case TerritoryKind.QPV:
                record = by_id.get(line.territory.lower()) or by_code.get((line.territory, line.perimeter or ""))
                if record is not None:
                    ref = TerritoryRef(TerritoryKind.QPV, record.code, record.qpv_id)
                    epci = territories.epci_of_record.get(record.qpv_id)
            case TerritoryKind.COMMUNE:
                if line.territory in communes:
                    ref, epci = TerritoryRef(TerritoryKind.COMMUNE, line.territory), communes[line.territory]
            case TerritoryKind.EPCI:
                if line.territory in epcis:
                    ref, epci = TerritoryRef(TerritoryKind.EPCI, line.territory), line.territory
            case _:
                if line.territory == NATIONAL_CODES[line.territory_kind]:
                    ref = TerritoryRef(line.territory_kind, line.territory)
        if ref is None:
            where = f" in generation {line.perimeter}" if line.territory_kind is TerritoryKind.QPV else ""
            errors.append(
                LineError(
                    line.line,
                    "territory",
                    "unknown-territory",
                    f"{line.territory_kind.value} {line.territory}{where} not found",
                )
            )
        elif allowed_epcis is not None and (epci is None or epci not in allowed_epcis):
            errors.append(
                LineError(
                    line.line,
                    "territory",
                    "outside-your-contracts",
                    f"{line.territory} is not in a contract you pilot; ask a platform administrator",
                )
            )
        else:
            resolved.append((line, ref))
    return resolved, errors


async def _store(
    repository: IndicatorRepository,
    values: list[IndicatorValue],
    parsed: ParsedFile,
    errors: list[LineError],
    *,
    dry_run: bool,
    skip_bad_lines: bool,
) -> IndicatorImportReport:
    errors = sorted(errors, key=lambda error: error.line)
    if errors and not skip_bad_lines and not dry_run:
        raise ImportRejectedError(errors)
    created = await repository.add_values([_row(value) for value in values])
    # A dry run is never committed: leaving the unit of work rolls the insert back.
    return IndicatorImportReport(
        lines=parsed.total,
        valid=len(values),
        created=created,
        unchanged=len(values) - created,
        skipped=len({error.line for error in errors}),
        dry_run=dry_run,
        errors=errors,
    )


async def import_indicator_file(
    uow: UnitOfWork, actor: Principal, content: bytes | str, *, dry_run: bool, skip_bad_lines: bool
) -> IndicatorImportReport:
    """The generic CSV. All-or-nothing unless `skip_bad_lines`; a dry run reports and writes nothing."""
    async with uow:
        repository = IndicatorRepository(uow.session)
        catalogue = {row.code: _definition(row) for row in await repository.catalogue()}
        parsed = parse_generic_csv(content, catalogue)
        resolved, errors = await _resolve_generic(repository, parsed.lines, actor)
        values = [line.measured_on(ref, f"import by {actor.subject}, line {line.line}") for line, ref in resolved]
        report = await _store(
            repository, values, parsed, parsed.errors + errors, dry_run=dry_run, skip_bad_lines=skip_bad_lines
        )
        if not dry_run:
            await ledger.changed(
                uow.session,
                actor,
                action="indicators.imported",
                entity_type="indicator_import",
                entity_id=str(uuid.uuid4()),
                before={},
                after={"lines": report.lines, "created": report.created, "skipped": report.skipped},
            )
            await uow.commit()
    return report


def read_contract_indicators(catalogue_path: Path, values_path: Path) -> tuple[list[dict[str, Any]], ParsedFile]:
    return catalogue_rows(catalogue_path), parse_contract_csv(values_path.read_text(encoding="utf-8"), CONTRACT_SOURCE)


async def import_contract_indicators(
    uow: UnitOfWork, catalogue: list[dict[str, Any]], parsed: ParsedFile, file_name: str
) -> int:
    """The catalogue and the contract's figures as shipped; territories are named as the contract names them."""
    async with uow:
        await upsert(uow.session, IndicatorRow, catalogue, ["code"])
        repository = IndicatorRepository(uow.session)
        territories = await _Territories.load(repository)
        errors = list(parsed.errors)
        values = []
        for line in parsed.lines:
            ref: TerritoryRef | None = None
            if line.territory_kind is TerritoryKind.QPV:
                record = resolve_qpv_name(line.territory, line.perimeter or "", territories.records, territories.links)
                ref = TerritoryRef(TerritoryKind.QPV, record.code, record.qpv_id) if record else None
            elif line.territory_kind is TerritoryKind.EPCI:
                code = territories.epcis_by_name.get(line.territory)
                ref = TerritoryRef(TerritoryKind.EPCI, code) if code else None
            else:
                ref = TerritoryRef(line.territory_kind, NATIONAL_CODES[line.territory_kind])
            if ref is None:
                errors.append(LineError(line.line, "territory", "unknown-territory", f"{line.territory} not found"))
                continue
            values.append(line.measured_on(ref, f"{file_name} line {line.line}"))
        if errors:
            raise ImportRejectedError(errors)
        created = await repository.add_values([_row(value) for value in values])
        await uow.commit()
    return created


async def list_catalogue(uow: UnitOfWork) -> list[IndicatorDefinition]:
    async with uow.reading():
        return [_definition(row) for row in await IndicatorRepository(uow.session).catalogue()]


async def get_indicator(uow: UnitOfWork, code: str) -> IndicatorDefinition:
    async with uow.reading():
        row = await IndicatorRepository(uow.session).get(code)
    if row is None:
        raise NotFoundError("indicator", code)
    return _definition(row)


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
        uow.check_precondition(indicator_etag(_definition(current)) if current else None)
        before = asdict(_definition(current)) if current else None
        await upsert(uow.session, IndicatorRow, [asdict(definition)], ["code"])
        await ledger.changed(
            uow.session,
            actor,
            action="indicator.defined",
            entity_type="indicator",
            entity_id=definition.code,
            before=before,
            after=asdict(definition),
        )
        await uow.commit()
    return current is None


async def list_values(
    uow: UnitOfWork,
    page: PageRequest,
    indicator: str | None,
    kind: TerritoryKind | None,
    code: str | None,
    year: int | None,
) -> tuple[list[IndicatorValueRow], int]:
    async with uow.reading():
        return await IndicatorRepository(uow.session).list_values(
            page, indicator, kind.value if kind else None, code, year
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    indicator: IndicatorDefinition
    qpv: Qpv
    series: list[IndicatorValueRow]
    code_epci: str | None
    epci: list[IndicatorValueRow]
    qpv_national_average: list[IndicatorValueRow]
    france: list[IndicatorValueRow]


async def _national(repository: IndicatorRepository, kind: TerritoryKind, indicator: str) -> list[IndicatorValueRow]:
    return await repository.values_of(kind.value, NATIONAL_CODES[kind], indicator)


async def compare(uow: UnitOfWork, qpv: Qpv, indicator_code: str) -> Comparison:
    """A QPV's series (its own perimeter and its predecessors') beside its EPCI, all QPV and France."""
    async with uow.reading():
        repository = IndicatorRepository(uow.session)
        row = await repository.get(indicator_code)
        if row is None:
            raise NotFoundError("indicator", indicator_code)
        records = [qpv.qpv_id, *(predecessor.qpv_id for predecessor in qpv.predecessors)]
        code_epci = qpv.code_epci
        return Comparison(
            indicator=_definition(row),
            qpv=qpv,
            series=await repository.values_of_qpvs(records, indicator_code),
            code_epci=code_epci,
            epci=await repository.values_of(TerritoryKind.EPCI.value, code_epci, indicator_code) if code_epci else [],
            qpv_national_average=await repository.values_of(
                TerritoryKind.QPV_NATIONAL_AVERAGE.value,
                NATIONAL_CODES[TerritoryKind.QPV_NATIONAL_AVERAGE],
                indicator_code,
            ),
            france=await repository.values_of(
                TerritoryKind.FRANCE.value, NATIONAL_CODES[TerritoryKind.FRANCE], indicator_code
            ),
        )
