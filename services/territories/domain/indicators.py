"""Neighbourhood indicators: a catalogue, values with provenance, and the two CSV formats that feed them.

A value belongs to a territory *and* to the perimeter it was measured on: a QPV's 2018 median income
measured on its 2015 perimeter stays attached to that perimeter after the 2024 redrawing. Sources
disagree at times; each value is kept with its note, never reconciled silently.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from kit.csv_uploads import CsvLineError, CsvUpload
from kit.numerals import parse_decimal, parse_int
from services.territories.errors import LineError, TerritoriesError
from services.territories.reference.domain import searchable

SECRET_MARKERS = frozenset({"nd", "ns", "s", "so"})  # INSEE: not available, not significant, secret, n/a
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
class IndicatorValue:
    indicator: str
    territory: TerritoryRef
    territory_label: str
    perimeter: str | None
    year: int | None
    value: Decimal | None
    secret: str | None
    source: str
    source_reference: str
    note: str | None


class IndicatorFileError(TerritoriesError):
    """The file cannot be read at all (no header, missing columns): nothing in it is imported."""


@dataclass(frozen=True, slots=True)
class RawLine:
    """A CSV line before territory resolution (which needs the database)."""

    line: int
    indicator: str
    territory_kind: TerritoryKind
    territory: str
    perimeter: str | None
    year: int | None
    value: Decimal | None
    secret: str | None
    source: str
    note: str | None

    def measured_on(self, territory: TerritoryRef, source_reference: str) -> IndicatorValue:
        return IndicatorValue(
            indicator=self.indicator,
            territory=territory,
            territory_label=self.territory,
            perimeter=self.perimeter,
            year=self.year,
            value=self.value,
            secret=self.secret,
            source=self.source,
            source_reference=source_reference,
            note=self.note,
        )


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


GENERIC_COLUMNS = ("indicator", "territoryKind", "territory", "perimeter", "year", "value", "source", "note")


REQUIRED_GENERIC_COLUMNS = ("indicator", "territoryKind", "territory", "value", "source")


def check_generic_header(content: bytes | str) -> None:
    """Refuse at once a file that cannot be the exchange format (not UTF-8, no header, a column missing);
    its lines are read later, by the import's job."""
    upload = CsvUpload(content)
    missing = upload.missing(REQUIRED_GENERIC_COLUMNS)
    if missing:
        raise IndicatorFileError(f"missing column(s): {', '.join(missing)}; the header is {','.join(upload.header)}")


def parse_generic_csv(content: bytes | str, catalogue: Mapping[str, IndicatorDefinition]) -> ParsedFile:
    """The documented exchange format; every bad line is reported with its number, field and rule."""
    rows = _rows(content, REQUIRED_GENERIC_COLUMNS)
    parsed = ParsedFile()
    for row in rows:
        parsed.total += 1
        if isinstance(row, CsvLineError):
            parsed.errors.append(LineError(row.line, row.field, row.rule, row.message))
            continue
        line, cells = row
        errors: list[LineError] = []
        indicator = cells["indicator"].strip()
        if indicator not in catalogue:
            errors.append(
                LineError(line, "indicator", "unknown-indicator", f"indicator {indicator!r} is not in the catalogue")
            )
        elif cells.get("unit", "").strip() and cells["unit"].strip() != catalogue[indicator].unit:
            errors.append(
                LineError(line, "unit", "unit-mismatch", f"unit must be {catalogue[indicator].unit!r} for {indicator}")
            )
        kind: TerritoryKind | None = None
        try:
            kind = TerritoryKind(cells["territoryKind"].strip())
        except ValueError:
            allowed = ", ".join(item.value for item in TerritoryKind)
            errors.append(LineError(line, "territoryKind", "unknown-kind", f"territoryKind must be one of {allowed}"))
        territory = cells["territory"].strip()
        if not territory:
            errors.append(LineError(line, "territory", "missing", "territory is required"))
        perimeter = cells.get("perimeter", "").strip() or None
        if perimeter is not None and not GENERATION_PATTERN.fullmatch(perimeter):
            errors.append(LineError(line, "perimeter", "generation-format", "perimeter must look like 2024-2030"))
        if kind is TerritoryKind.QPV and perimeter is None:
            errors.append(LineError(line, "perimeter", "missing", "a QPV value needs the perimeter it was measured on"))
        year: int | None = None
        try:
            year = _year(cells.get("year", ""))
        except ValueError as error:
            errors.append(LineError(line, "year", "year-format", str(error)))
        value: Decimal | None = None
        secret: str | None = None
        try:
            value, secret = parse_value(cells["value"])
        except ValueError as error:
            errors.append(LineError(line, "value", "number-format", str(error)))
        source = cells["source"].strip()
        if not source:
            errors.append(LineError(line, "source", "missing", "every value needs its source document"))
        note = cells.get("note", "").strip() or None
        for name, text_value in (("territory", territory), ("source", source), ("note", note or "")):
            if len(text_value) > MAX_TEXT or "\x00" in text_value:
                errors.append(LineError(line, name, "text-format", f"{name} must be under {MAX_TEXT} characters"))
        if errors or kind is None:
            parsed.errors.extend(errors)
            continue
        parsed.lines.append(RawLine(line, indicator, kind, territory, perimeter, year, value, secret, source, note))
    return parsed


CONTRACT_NATIONAL_NAMES = {
    "qpv national average": TerritoryKind.QPV_NATIONAL_AVERAGE,
    "france": TerritoryKind.FRANCE,
}


def parse_contract_csv(content: bytes | str, source: str) -> ParsedFile:
    """The contract's figures as shipped (territories by name); strict: the file is ours."""
    rows = _rows(content, ("territory", "perimeter", "indicator", "year", "value", "unit", "note"))
    parsed = ParsedFile()
    for row in rows:
        parsed.total += 1
        if isinstance(row, CsvLineError):
            parsed.errors.append(LineError(row.line, row.field, row.rule, row.message))
            continue
        line, cells = row
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
            RawLine(line, cells["indicator"].strip(), kind, name, perimeter, year, value, secret, source, note)
        )
    return parsed


@dataclass(frozen=True, slots=True)
class NamedRecord:
    qpv_id: uuid.UUID
    code: str | None
    generation: str
    names: tuple[str, ...]


def resolve_qpv_name(
    name: str,
    perimeter: str,
    records: Sequence[NamedRecord],
    links: Iterable[tuple[uuid.UUID, uuid.UUID]],
) -> NamedRecord | None:
    """The QPV record a usual name designates for a perimeter.

    A name of the perimeter's generation wins. Otherwise the one record bearing the name is followed
    through the lineage to the perimeter's generation when that leads to a single record (a renamed
    QPV: "Chanteclair - Cévennes" measured on 2015 is "Nouvelles Résidences"); when it leads to several
    (a split) the value stays on the named record, with its perimeter saying where it was measured.
    """
    wanted = searchable(name)
    named = [record for record in records if wanted in (searchable(item) for item in record.names)]
    same_generation = [record for record in named if record.generation == perimeter]
    if len(same_generation) == 1:
        return same_generation[0]
    if len(named) != 1:
        return None
    found = named[0]
    by_id = {record.qpv_id: record for record in records}
    linked = {
        other
        for predecessor, successor in links
        for origin, other in ((predecessor, successor), (successor, predecessor))
        if origin == found.qpv_id and other in by_id and by_id[other].generation == perimeter
    }
    if len(linked) == 1:
        return by_id[linked.pop()]
    return found
