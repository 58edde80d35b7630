"""Point -> QPV on the wire: one point's answer, and a batch's request and streamed answer."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson
from pydantic import Field

from kit.api_models import ApiModel
from services.territories.localisation.domain import MAX_POINTS, Location
from services.territories.localisation.use_cases import ClassifiedPoint


class NamedQpv(ApiModel):
    code: str | None
    nom: str


class NearestQpv(NamedQpv):
    distance_m: float = Field(description="Metres (Lambert-93) from the point to the perimeter")


class LocalisationRead(ApiModel):
    lat: float
    lon: float
    generation: str
    qpvs: list[NamedQpv] = Field(description="QPVs whose perimeter contains the point")
    nearest: NearestQpv | None = Field(description="Apart from those, the nearest QPV within the tolerance")
    tolerance_m: float
    indicative: bool = True
    notice: str = "Indicative result computed on published perimeters; only the decree's perimeter is authoritative."

    @classmethod
    def of(cls, located: Location, lat: float, lon: float, generation: str, tolerance_m: float) -> LocalisationRead:
        nearest = located.nearest
        return cls(
            lat=lat,
            lon=lon,
            generation=generation,
            tolerance_m=tolerance_m,
            qpvs=[NamedQpv(code=match.code, nom=match.nom) for match in located.matches],
            nearest=NearestQpv(code=nearest.qpv.code, nom=nearest.qpv.nom, distance_m=nearest.distance_m)
            if nearest
            else None,
        )


BATCH_COLUMNS = ["line", "id", "status", "qpvCodes", "nearestCode", "nearestDistanceM", "error"]
BATCH_REQUEST_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string", "description": "Header id,lat,lon (any order; ',' or ';')"}},
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["points"],
                "properties": {
                    "points": {
                        "type": "array",
                        "maxItems": MAX_POINTS,
                        # Deliberately loose: a malformed item is answered on its own line,
                        # it never makes the batch fail.
                        "items": {
                            "description": "{id, lat, lon}, lat and lon JSON numbers (WGS84); a malformed item "
                            "is reported on its line"
                        },
                    }
                },
            }
        },
    },
}
BATCH_ANSWER = {
    "description": "One row per input line, in input order; refused lines say why. Indicative.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    },
}


def _csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _cells(point: ClassifiedPoint) -> list[Any]:
    return [
        point.line,
        point.id,
        "error" if point.error else "ok",
        point.qpv_codes,
        point.nearest_code,
        point.nearest_distance_m,
        point.error,
    ]


def _csv_row(point: ClassifiedPoint) -> list[str]:
    return [
        str(point.line),
        point.id or "",
        "error" if point.error else "ok",
        ";".join(point.qpv_codes),
        point.nearest_code or "",
        "" if point.nearest_distance_m is None else f"{point.nearest_distance_m:.1f}",
        point.error or "",
    ]


async def batch_answer(points: list[ClassifiedPoint], as_csv: bool) -> AsyncIterator[bytes]:
    """The classified points as CSV (with a header) or NDJSON, 5 000 at a time."""
    if as_csv:
        yield _csv_rows([BATCH_COLUMNS]).encode()
    for start in range(0, len(points), 5000):
        chunk = points[start : start + 5000]
        if as_csv:
            yield _csv_rows([_csv_row(point) for point in chunk]).encode()
        else:
            yield b"".join(
                orjson.dumps(dict(zip(BATCH_COLUMNS, _cells(point), strict=True))) + b"\n" for point in chunk
            )
