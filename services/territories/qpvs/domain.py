"""Priority neighbourhoods (QPV) across generations: records, their lineage, their perimeters.

A generation is the list a decree sets (drawn on the ANCT's criteria: at least 1 000 inhabitants, a median
income under a threshold, in an urban unit of over 10 000; they are the decree's, not computed here). A
record belongs to one generation and is linked to the records of the other generations it continues
(split, merge, rename, extension…, as IREV and the ANCT describe them: data/cua_qpv_generations.json).
Some records have no official code in the sources (the CUA's 2015 QPV): their stable id is their only
handle.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from services.territories.reference.domain import searchable

_QPV_NAMESPACE = uuid.UUID("6f1b8a52-3c1e-4d7a-9a51-2f7d3b0c9e11")

GENERATION_2015 = "2015-2023"
GENERATION_2024 = "2024-2030"
# The list of the QPV 2015-2023: décret n°2014-1750 (its perimeters corrected by décret n°2015-1138).
DECREE_2015 = "Décret n°2014-1750 du 30 décembre 2014 (rectifié par le décret n°2015-1138 du 14 septembre 2015)"
# The list of the QPV 2024-2030: décret n°2023-1314 (names and communes corrected by décret n°2024-806).
DECREE_2024 = "Décret n°2023-1314 du 28 décembre 2023 (modifié par le décret n°2024-806 du 13 juillet 2024)"


class QpvStatus(StrEnum):
    QPV = "qpv"
    # A former QPV the contract keeps watching (Beaurains: contract 002_5977faef0ce805e9.txt, lines 166 and 301).
    VEILLE_ACTIVE = "veille_active"


class LineageKind(StrEnum):
    SPLIT = "split"
    MERGE = "merge"
    RENAME = "rename"
    EXTENSION = "extension"
    CONTOUR_MODIFIED = "contour_modified"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Generation:
    generation: str
    label: str
    legal_act: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class QpvLink:
    """A record of another generation linked to a QPV, and how (`inferred`: no source states the link;
    `source`: the text that states it; `contrary_note`: another source saying otherwise, kept beside it)."""

    qpv_id: uuid.UUID
    code: str | None
    nom: str
    generation: str
    kind: str
    inferred: bool
    note: str | None
    source: str | None = None
    contrary_note: str | None = None


@dataclass(frozen=True, slots=True)
class Qpv:
    qpv_id: uuid.UUID
    code: str | None
    nom: str
    aliases: tuple[str, ...]
    generation: str
    status: str
    codes_communes: tuple[str, ...]
    code_epci: str | None
    legal_act: str | None
    starts_on: date | None
    population: int | None
    population_year: int | None
    predecessors: tuple[QpvLink, ...] = field(default=())
    successors: tuple[QpvLink, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Lineage:
    """One predecessor -> successor link between generations."""

    predecessor: Qpv
    successor: Qpv
    kind: str
    inferred: bool
    note: str | None
    source: str | None = None
    contrary_note: str | None = None

    def towards(self, other: Qpv) -> QpvLink:
        return QpvLink(
            other.qpv_id,
            other.code,
            other.nom,
            other.generation,
            self.kind,
            self.inferred,
            self.note,
            self.source,
            self.contrary_note,
        )


def with_lineage(records: Sequence[Qpv], lineage: Iterable[Lineage]) -> list[Qpv]:
    """The records with the links that touch them, in the order the links are given."""
    predecessors: dict[uuid.UUID, list[QpvLink]] = {record.qpv_id: [] for record in records}
    successors: dict[uuid.UUID, list[QpvLink]] = {record.qpv_id: [] for record in records}
    for link in lineage:
        if link.successor.qpv_id in predecessors:
            predecessors[link.successor.qpv_id].append(link.towards(link.predecessor))
        if link.predecessor.qpv_id in successors:
            successors[link.predecessor.qpv_id].append(link.towards(link.successor))
    return [
        replace(record, predecessors=tuple(predecessors[record.qpv_id]), successors=tuple(successors[record.qpv_id]))
        for record in records
    ]


@dataclass(frozen=True, slots=True)
class NamedRecord:
    """A QPV record by every name it goes by (official, usual, its code), for name resolution."""

    qpv_id: uuid.UUID
    code: str | None
    generation: str
    names: tuple[str, ...]
    code_epci: str | None = None


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


def stable_qpv_id(generation: str, code: str | None, nom: str, communes: list[str]) -> uuid.UUID:
    """The same record gets the same id at every import, with or without an official code."""
    key = f"{generation}|{code}" if code else f"{generation}|{nom}|{','.join(sorted(communes))}"
    return uuid.uuid5(_QPV_NAMESPACE, key)


def lineage_kind(description: str) -> LineageKind:
    """Read the kind of link from the source's wording ("split from …", "maintained, contour modified")."""
    text = description.lower()
    if "split" in text:
        return LineageKind.SPLIT
    if "merge" in text:
        return LineageKind.MERGE
    if "successor" in text or "renamed" in text:
        return LineageKind.RENAME
    if "extended" in text or "extension" in text:
        return LineageKind.EXTENSION
    if "contour modified" in text:
        return LineageKind.CONTOUR_MODIFIED
    return LineageKind.UNCHANGED


# Perimeters are GeoJSON geometries in WGS84 longitude/latitude (RFC 7946, §3.1 and §4), stored valid:
# invalid polygons (self-intersections after rounding…) are repaired on import with `make_valid`, keeping
# only their polygonal parts, and the repair is reported. They are stored as RFC 7946 writes them
# (`rfc7946_polygons`), once, at import: the answers send what is stored.

# RFC 7946 §11.2: "6 decimal places (a default common in, e.g., sprintf) amounts to about 10 centimeters".
COORDINATE_DECIMALS = 6
GRID_DEGREES = 10.0**-COORDINATE_DECIMALS


class InvalidPerimeterError(Exception):
    """The geometry cannot be read, or nothing polygonal is left after repair."""


@dataclass(frozen=True, slots=True)
class QpvPerimeter:
    code: str | None
    nom: str
    generation: str
    geometry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CheckedPerimeter:
    geometry: dict[str, Any]
    repair: str | None  # why it was changed beyond normalisation (invalid, parts dropped); None when it was not


def _polygons(geometry: Any) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [part for part in geometry.geoms if not part.is_empty]
    if hasattr(geometry, "geoms"):
        return [polygon for part in geometry.geoms for polygon in _polygons(part)]
    return []


def rfc7946_polygons(geometry: Any) -> tuple[list[Polygon], int]:
    """The polygons of a valid geometry as RFC 7946 writes them, and how many of its parts the grid dropped.

    - Coordinates on a grid of 10⁻⁶ degree (6 decimals): RFC 7946 §11.2 says 6 decimals amount to about
      10 cm, "a precision well within that of current GPS systems", and asks implementations to weigh the
      cost of more; the ANCT's contours follow streets and parcels (the shipped file is rounded to 10⁻⁴°,
      about 11 m), and readers such as geojson-validator flag more decimals
      ("excessive_coordinate_precision"), the float noise of repairs (5.336160000000001) included. Snapped
      by GEOS' precision reducer (`shapely.set_precision`), whose output stays valid: a part thinner than
      the grid (a sliver left by a repair) collapses and is dropped, and counted, never silently.
    - Outer rings counter-clockwise, holes clockwise: the right-hand rule of RFC 7946 §3.1.6.
    - No position repeated in a row (zero-length edges: allowed by RFC 7946, flagged "duplicate_nodes" by
      geojson-validator, a vertex that draws nothing).
    """
    parts = _polygons(geometry)
    dropped = 0
    if not _on_the_grid(parts):
        dropped = int(shapely.is_empty(shapely.set_precision(parts, GRID_DEGREES)).sum())
        parts = _polygons(shapely.set_precision(MultiPolygon(parts), GRID_DEGREES))
    oriented = [orient(polygon, sign=1.0) for polygon in parts]
    return [shapely.remove_repeated_points(polygon) for polygon in oriented], dropped


def _on_the_grid(parts: Sequence[Polygon]) -> bool:
    """Every coordinate already has at most 6 decimals: snapping again would only re-node the rings (move
    their first vertex), so a stored perimeter normalised again comes out the same."""
    coordinates = shapely.get_coordinates(parts)
    return bool(np.array_equal(np.round(coordinates, COORDINATE_DECIMALS), coordinates))


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    return [[[x, y] for x, y in ring.coords] for ring in (polygon.exterior, *polygon.interiors)]


def geojson_polygons(polygons: Sequence[Polygon], *, multi: bool = True) -> dict[str, Any]:
    """A GeoJSON MultiPolygon of the polygons (a Polygon when there is one and `multi` is false)."""
    if len(polygons) == 1 and not multi:
        return {"type": "Polygon", "coordinates": _rings(polygons[0])}
    return {"type": "MultiPolygon", "coordinates": [_rings(polygon) for polygon in polygons]}


def check_perimeter(raw: Any) -> CheckedPerimeter:
    """A valid MultiPolygon (WGS84 GeoJSON, as RFC 7946 writes it), repaired if needed, with the reason."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidPerimeterError("a perimeter must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as error:
        raise InvalidPerimeterError(f"unreadable geometry: {error}") from error
    reasons = []
    if not geometry.is_valid:
        reasons.append(explain_validity(geometry))
        geometry = shapely.make_valid(geometry)
    polygons, dropped = rfc7946_polygons(geometry)
    if dropped:
        reasons.append(f"{dropped} part(s) thinner than the grid of 10^-{COORDINATE_DECIMALS} degree dropped")
    reason = "; ".join(reasons) or None
    if not polygons:
        raise InvalidPerimeterError("no polygon is left" + (f" after repairing: {reason}" if reason else ""))
    return CheckedPerimeter(geometry=geojson_polygons(polygons), repair=reason)


METRES_PER_DEGREE = 111_320.0


def simplified(geometry: dict[str, Any], tolerance_m: float) -> dict[str, Any]:
    """A lighter perimeter for display: Douglas-Peucker with topology kept, still a valid MultiPolygon
    written as RFC 7946 says (`rfc7946_polygons`: a repair may add vertices off the grid).

    The tolerance is converted with one degree of latitude ≈ 111.32 km: at French latitudes it errs on
    the light side in longitude, which display does not mind."""
    if tolerance_m <= 0:
        return geometry
    lighter = shapely.simplify(shape(geometry), tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
    polygons, _ = rfc7946_polygons(lighter if lighter.is_valid else shapely.make_valid(lighter))
    return geojson_polygons(polygons) if polygons else geometry
