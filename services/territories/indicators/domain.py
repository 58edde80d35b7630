"""Neighbourhood indicators: a catalogue, values with provenance, and the two CSV formats that feed them.

A value belongs to a territory *and* to the perimeter it was measured on: a QPV's 2018 median income
measured on its 2015 perimeter stays attached to that perimeter after the 2024 redrawing. Sources
disagree at times; each value is kept with its note, never reconciled silently.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from identity.principal import Principal
from kit.csv_uploads import CsvLineError, CsvUpload
from kit.numerals import parse_decimal, parse_int
from services.territories.contracts.domain import may_edit_territory
from services.territories.errors import LineError, TerritoriesError, readable_lines
from services.territories.qpvs.domain import NamedRecord, Qpv, resolve_qpv_name

# INSEE's markers where no figure is published (not available, not significant, statistical secret, not
# applicable), as its "Données sur les quartiers de la politique de la ville" files write them.
SECRET_MARKERS = frozenset({"nd", "ns", "s", "so"})
GENERATION_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{4}$")
INDICATOR_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_TEXT = 2000


class TerritoryKind(StrEnum):
    QPV = "qpv"
    COMMUNE = "commune"
    EPCI = "epci"
    QPV_NATIONAL_AVERAGE = "qpv-national-average"
    FRANCE = "france"


# The codes under which the two national references are stored (INSEE calls the set of all QPV "ENSQP").
NATIONAL_CODES = {TerritoryKind.QPV_NATIONAL_AVERAGE: "ENSQP", TerritoryKind.FRANCE: "FR"}


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    code: str
    label: str
    unit: str
    definition: str
    source: str


@dataclass(frozen=True, slots=True)
class TerritoryRef:
    """Where a value was measured. `qpv_id` is set for QPV records, some of which have no code."""

    kind: TerritoryKind
    code: str | None
    qpv_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """What a source says: a value, or the marker of its absence, for a year, on the perimeter it was measured
    on (a generation, for a QPV)."""

    perimeter: str | None
    year: int | None
    value: Decimal | None
    secret: str | None
    source: str
    note: str | None


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """A figure of an indicator for a stored territory, with where it was read; `value_id` once stored."""

    indicator: str
    territory: TerritoryRef
    territory_label: str
    figure: Figure
    source_reference: str
    value_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A QPV's series (its own values and its predecessors') beside its EPCI, all QPV and France."""

    indicator: IndicatorDefinition
    qpv: Qpv
    series: list[IndicatorValue]
    code_epci: str | None
    epci: list[IndicatorValue]
    qpv_national_average: list[IndicatorValue]
    france: list[IndicatorValue]


class IndicatorFileError(TerritoriesError):
    """The file cannot be read at all (no header, missing columns): nothing in it is imported."""


@dataclass(frozen=True, slots=True)
class RawLine:
    """A CSV line before territory resolution (which needs the database)."""

    line: int
    indicator: str
    territory_kind: TerritoryKind
    territory: str
    figure: Figure

    def measured_on(self, territory: TerritoryRef, source_reference: str) -> IndicatorValue:
        return IndicatorValue(self.indicator, territory, self.territory, self.figure, source_reference)


@dataclass(slots=True)
class ParsedFile:
    lines: list[RawLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    total: int = 0


def parse_value(text: str) -> tuple[Decimal | None, str | None]:
    """A French or English decimal, or an INSEE secret marker. Raises ValueError otherwise."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if cleaned.lower() in SECRET_MARKERS:
        return None, cleaned.lower()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = parse_decimal(cleaned)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a number nor one of nd, ns, s, so") from error
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    exponent = value.as_tuple().exponent  # an int for a finite value
    if abs(value) >= Decimal(10) ** 15 or (isinstance(exponent, int) and exponent < -6):
        raise ValueError(f"{text!r} is out of range (|value| < 1e15, at most 6 decimals)")
    return value, None


def _year(text: str) -> int | None:
    if not text.strip():
        return None
    if not re.fullmatch(r"[0-9]{4}", text.strip()) or not 1900 <= parse_int(text.strip()) <= 2100:
        raise ValueError(f"{text!r} is not a year between 1900 and 2100")
    return parse_int(text.strip())


NamedCells = tuple[int, dict[str, str]]


def _rows(content: bytes | str, required: Iterable[str]) -> Iterator[NamedCells | CsvLineError]:
    """Each line as {column: cell}, or why it cannot be read; a file without the columns is refused."""
    upload = CsvUpload(content)
    missing = upload.missing(required)
    if missing:
        raise IndicatorFileError(f"missing column(s): {', '.join(missing)}; the header is {','.join(upload.header)}")
    header = upload.header
    return (
        row if isinstance(row, CsvLineError) else (row[0], dict(zip(header, row[1], strict=True))) for row in upload
    )


@dataclass(frozen=True, slots=True)
class GenericColumns:
    """The columns of the exchange format, as callers spell them (the schemas say how: it is the wire)."""

    indicator: str
    territory_kind: str
    territory: str
    perimeter: str
    year: str
    value: str
    unit: str
    source: str
    note: str

    @property
    def required(self) -> tuple[str, ...]:
        return (self.indicator, self.territory_kind, self.territory, self.value, self.source)


def check_generic_header(content: bytes | str, columns: GenericColumns) -> None:
    """Refuse at once a file that cannot be the exchange format (not UTF-8, no header, a column missing);
    its lines are read later, by the import's job."""
    upload = CsvUpload(content)
    missing = upload.missing(columns.required)
    if missing:
        raise IndicatorFileError(f"missing column(s): {', '.join(missing)}; the header is {','.join(upload.header)}")


def parse_generic_csv(
    content: bytes | str, catalogue: Mapping[str, IndicatorDefinition], columns: GenericColumns
) -> ParsedFile:
    """The documented exchange format; every bad line is reported with its number, column and rule."""
    rows = _rows(content, columns.required)
    parsed = ParsedFile()
    for line, cells in readable_lines(rows, parsed):
        errors: list[LineError] = []
        indicator = cells[columns.indicator].strip()
        unit = cells.get(columns.unit, "").strip()
        if indicator not in catalogue:
            errors.append(
                LineError(
                    line, columns.indicator, "unknown-indicator", f"indicator {indicator!r} is not in the catalogue"
                )
            )
        elif unit and unit != catalogue[indicator].unit:
            errors.append(
                LineError(
                    line, columns.unit, "unit-mismatch", f"unit must be {catalogue[indicator].unit!r} for {indicator}"
                )
            )
        kind: TerritoryKind | None = None
        try:
            kind = TerritoryKind(cells[columns.territory_kind].strip())
        except ValueError:
            allowed = ", ".join(item.value for item in TerritoryKind)
            errors.append(
                LineError(
                    line, columns.territory_kind, "unknown-kind", f"{columns.territory_kind} must be one of {allowed}"
                )
            )
        territory = cells[columns.territory].strip()
        if not territory:
            errors.append(LineError(line, columns.territory, "missing", "territory is required"))
        perimeter = cells.get(columns.perimeter, "").strip() or None
        if perimeter is not None and not GENERATION_PATTERN.fullmatch(perimeter):
            errors.append(LineError(line, columns.perimeter, "generation-format", "perimeter must look like 2024-2030"))
        if kind is TerritoryKind.QPV and perimeter is None:
            errors.append(
                LineError(line, columns.perimeter, "missing", "a QPV value needs the perimeter it was measured on")
            )
        year: int | None = None
        try:
            year = _year(cells.get(columns.year, ""))
        except ValueError as error:
            errors.append(LineError(line, columns.year, "year-format", str(error)))
        value: Decimal | None = None
        secret: str | None = None
        try:
            value, secret = parse_value(cells[columns.value])
        except ValueError as error:
            errors.append(LineError(line, columns.value, "number-format", str(error)))
        source = cells[columns.source].strip()
        if not source:
            errors.append(LineError(line, columns.source, "missing", "every value needs its source document"))
        note = cells.get(columns.note, "").strip() or None
        for name, text in ((columns.territory, territory), (columns.source, source), (columns.note, note or "")):
            if len(text) > MAX_TEXT or "\x00" in text:
                errors.append(LineError(line, name, "text-format", f"{name} must be under {MAX_TEXT} characters"))
        if errors or kind is None:
            parsed.errors.extend(errors)
            continue
        figure = Figure(perimeter, year, value, secret, source, note)
        parsed.lines.append(RawLine(line, indicator, kind, territory, figure))
    return parsed


CONTRACT_NATIONAL_NAMES = {
    "qpv national average": TerritoryKind.QPV_NATIONAL_AVERAGE,
    "france": TerritoryKind.FRANCE,
}


def parse_contract_csv(content: bytes | str, source: str) -> ParsedFile:
    """The contract's figures as shipped (territories by name); strict: the file is ours."""
    rows = _rows(content, ("territory", "perimeter", "indicator", "year", "value", "unit", "note"))
    parsed = ParsedFile()
    for line, cells in readable_lines(rows, parsed):
        name = cells["territory"].strip()
        perimeter = cells["perimeter"].strip() or None
        kind = CONTRACT_NATIONAL_NAMES.get(name.lower())
        if kind is None:
            kind = TerritoryKind.QPV if perimeter else TerritoryKind.EPCI
        try:
            value, secret = parse_value(cells["value"])
            year = _year(cells["year"])
        except ValueError as error:
            parsed.errors.append(LineError(line, "value", "number-format", str(error)))
            continue
        note = cells["note"].strip() or None
        parsed.lines.append(
            RawLine(line, cells["indicator"].strip(), kind, name, Figure(perimeter, year, value, secret, source, note))
        )
    return parsed


Resolved = tuple[list[tuple[RawLine, TerritoryRef]], list[LineError]]


def _unknown(line: RawLine, message: str) -> LineError:
    return LineError(line.line, "territory", "unknown-territory", message)


def resolve_codes(
    lines: Iterable[RawLine],
    records: Sequence[NamedRecord],
    epci_of_commune: Mapping[str, str | None],
    epcis: Collection[str],
    actor: Principal,
    piloted_epcis: Collection[str],
) -> Resolved:
    """The territories the exchange format names by code (a QPV by its code and perimeter, or its record's
    id; `epci_of_commune` and `epcis`: those of the file's communes and EPCIs that exist), each line's
    refused when the territory is unknown or the actor may not write its records."""
    by_code = {(record.code, record.generation): record for record in records if record.code}
    by_id = {str(record.qpv_id): record for record in records}
    resolved: list[tuple[RawLine, TerritoryRef]] = []
    errors: list[LineError] = []
    for line in lines:
        epci: str | None = None
        ref: TerritoryRef | None = None
        match line.territory_kind:
            case TerritoryKind.QPV:
                record = by_id.get(line.territory.lower()) or by_code.get((line.territory, line.figure.perimeter or ""))
                if record is not None:
                    ref, epci = TerritoryRef(TerritoryKind.QPV, record.code, record.qpv_id), record.code_epci
            case TerritoryKind.COMMUNE:
                if line.territory in epci_of_commune:
                    ref, epci = TerritoryRef(TerritoryKind.COMMUNE, line.territory), epci_of_commune[line.territory]
            case TerritoryKind.EPCI:
                if line.territory in epcis:
                    ref, epci = TerritoryRef(TerritoryKind.EPCI, line.territory), line.territory
            case _:
                if line.territory == NATIONAL_CODES[line.territory_kind]:
                    ref = TerritoryRef(line.territory_kind, line.territory)
        if ref is None:
            where = f" in generation {line.figure.perimeter}" if line.territory_kind is TerritoryKind.QPV else ""
            errors.append(_unknown(line, f"{line.territory_kind.value} {line.territory}{where} not found"))
        elif not may_edit_territory(actor, epci, piloted_epcis):
            message = f"{line.territory} is not in a contract you pilot; ask a platform administrator"
            errors.append(LineError(line.line, "territory", "outside-your-contracts", message))
        else:
            resolved.append((line, ref))
    return resolved, errors


def resolve_names(
    lines: Iterable[RawLine],
    records: Sequence[NamedRecord],
    links: Iterable[tuple[uuid.UUID, uuid.UUID]],
    epcis_by_name: Mapping[str, str],
) -> Resolved:
    """The territories the contract names as it writes them: a QPV by its usual name and the perimeter it
    was measured on (followed through the lineage), the EPCI by its name, the national references."""
    links = list(links)
    resolved: list[tuple[RawLine, TerritoryRef]] = []
    errors: list[LineError] = []
    for line in lines:
        ref: TerritoryRef | None = None
        if line.territory_kind is TerritoryKind.QPV:
            record = resolve_qpv_name(line.territory, line.figure.perimeter or "", records, links)
            ref = TerritoryRef(TerritoryKind.QPV, record.code, record.qpv_id) if record else None
        elif line.territory_kind is TerritoryKind.EPCI:
            code = epcis_by_name.get(line.territory)
            ref = TerritoryRef(TerritoryKind.EPCI, code) if code else None
        else:
            ref = TerritoryRef(line.territory_kind, NATIONAL_CODES[line.territory_kind])
        if ref is None:
            errors.append(_unknown(line, f"{line.territory} not found"))
        else:
            resolved.append((line, ref))
    return resolved, errors
