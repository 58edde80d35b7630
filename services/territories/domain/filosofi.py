"""INSEE Filosofi 200 m squares (données carroyées): reading the 2015, 2017, 2019 and 2021 files.

Column names change between vintages (IdINSPIRE / Idcar_200m / idcar_200m, I_est_cr / I_est_200 /
i_est_200, Depcom / lcog_geo) and in case; the dictionary of `filosofi_carreaux_fields.json` says
which. A square is identified by the south-west corner of its EPSG:3035 cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kit.csv_uploads import CsvLineError, CsvUpload
from kit.numerals import parse_float
from services.territories.errors import LineError, TerritoriesError

SQUARE_ID = re.compile(r"^CRS3035RES200mN(?P<northing>[0-9]{6,7})E(?P<easting>[0-9]{6,7})$")
SQUARE_SIZE_M = 200
COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
MEASURES = {
    "ind": "individuals",
    "men": "households",
    "men_pauv": "poor_households",
    "ind_snv": "sum_standard_of_living",
}
OPTIONAL_MEASURES = {"men_fmp": "single_parent_households"}


class FilosofiFileError(TerritoriesError):
    """The file is not a Filosofi squares file of the vintage given: nothing is imported."""


@dataclass(frozen=True, slots=True)
class Square:
    line: int
    square_id: str
    northing: int
    easting: int
    imputed: bool
    individuals: float
    households: float
    poor_households: float
    sum_standard_of_living: float
    single_parent_households: float | None
    codes_communes: tuple[str, ...]


@dataclass(slots=True)
class SquareFile:
    squares: list[Square] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True, slots=True)
class VintageColumns:
    identifier: str
    imputed: str
    communes: str | None


def vintage_columns(dictionary: Mapping[str, Any], vintage: int) -> VintageColumns:
    """The identifier, imputation and commune columns of a vintage, in lower case."""
    spelled = dictionary["vintages"].get(str(vintage))
    if spelled is None:
        known = ", ".join(sorted(dictionary["vintages"]))
        raise FilosofiFileError(f"vintage {vintage} is unknown; known vintages: {known}")
    extras = [name.lower() for name in spelled.get("extra", [])]
    communes = next((name for name in ("lcog_geo", "depcom") if name in extras), None)
    return VintageColumns(spelled["id"].lower(), spelled["imputed"].lower(), communes)


def parse_square_id(text: str) -> tuple[int, int]:
    match = SQUARE_ID.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not an EPSG:3035 200 m square id (CRS3035RES200mN…E…)")
    northing, easting = int(match["northing"]), int(match["easting"])
    if northing % SQUARE_SIZE_M or easting % SQUARE_SIZE_M:
        raise ValueError(f"{text!r} is not on the 200 m grid")
    return northing, easting


def _number(text: str, name: str) -> float:
    value = parse_float(text.strip().strip('"').replace(",", "."))
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0")
    return value


def _checked_upload(content: bytes | str, columns: Any, vintage: int, default_communes: Sequence[str]) -> CsvUpload:
    upload = CsvUpload(content, header=lambda name: name.strip().strip('"').lower())
    missing = upload.missing([columns.identifier, columns.imputed, *MEASURES])
    if missing:
        raise FilosofiFileError(
            f"not a Filosofi {vintage} squares file: missing column(s) {', '.join(missing)}"
            f" (column names differ between vintages; is the vintage right?)"
        )
    if columns.communes not in upload.header and not default_communes:
        raise FilosofiFileError(f"the file has no {columns.communes} column: give the communes the squares belong to")
    return upload


def check_squares_header(
    content: bytes | str, dictionary: Mapping[str, Any], vintage: int, default_communes: Sequence[str] = ()
) -> None:
    """Refuse at once a file that cannot be this vintage's squares (not UTF-8, columns missing); its lines
    are read later, by the import's job."""
    _checked_upload(content, vintage_columns(dictionary, vintage), vintage, default_communes)


def parse_squares(
    content: bytes | str, dictionary: Mapping[str, Any], vintage: int, default_communes: Sequence[str] = ()
) -> SquareFile:
    """Every square of the file, or the reason its line is refused. `default_communes` stands in for a
    commune column the file lacks (extracts re-published without `lcog_geo`)."""
    columns = vintage_columns(dictionary, vintage)
    upload = _checked_upload(content, columns, vintage, default_communes)
    header = upload.header
    position = {name: index for index, name in enumerate(header)}
    parsed = SquareFile()
    for row in upload:
        parsed.total += 1
        if isinstance(row, CsvLineError):
            parsed.errors.append(LineError(row.line, row.field, row.rule, row.message))
            continue
        line, cells = row
        try:
            northing, easting = parse_square_id(cells[position[columns.identifier]].strip('"'))
        except ValueError as error:
            parsed.errors.append(LineError(line, columns.identifier, "square-id", str(error)))
            continue
        imputed_text = cells[position[columns.imputed]].strip().strip('"')
        if imputed_text not in {"0", "1"}:
            parsed.errors.append(LineError(line, columns.imputed, "flag", f"{columns.imputed} must be 0 or 1"))
            continue
        values: dict[str, float | None] = {}
        bad = False
        for column, name in (MEASURES | OPTIONAL_MEASURES).items():
            if column not in position:
                values[name] = None
                continue
            try:
                values[name] = _number(cells[position[column]], column)
            except ValueError:
                parsed.errors.append(LineError(line, column, "number-format", f"{column} must be a number ≥ 0"))
                bad = True
                break
        if bad:
            continue
        if columns.communes in position:
            communes = tuple(COMMUNE_CODE.findall(cells[position[columns.communes]]))
        else:
            communes = tuple(default_communes)
        parsed.squares.append(
            Square(
                line=line,
                square_id=f"CRS3035RES200mN{northing}E{easting}",
                northing=northing,
                easting=easting,
                imputed=imputed_text == "1",
                individuals=values["individuals"] or 0.0,
                households=values["households"] or 0.0,
                poor_households=values["poor_households"] or 0.0,
                sum_standard_of_living=values["sum_standard_of_living"] or 0.0,
                single_parent_households=values["single_parent_households"],
                codes_communes=communes,
            )
        )
    return parsed
