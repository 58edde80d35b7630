"""Geometry of the review's charts and map, drawn as inline SVG by the templates (no chart library: small,
deterministic, text kept as text; ../shared/docs/research/reporting.md measured the choice).

Values arrive as the services answer them (decimal strings, integers); nothing here rounds a figure a
reader sees: the templates print the services' own values, the geometry only places them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 220
LINE_HEIGHT = 260
MAP_SIZE = 480
# Lines and marks at least 3:1 against white (WCAG 1.4.11), distinct for up to 9 series.
PALETTE = ("#1f4e79", "#b3541e", "#2e7d32", "#6a1b9a", "#00838f", "#5d4037", "#ad1457", "#455a64", "#827717")


def number(value: Any) -> Decimal | None:
    """A service's number (decimal string or int) as a Decimal; None when it is none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Any
    y: int
    width: float


def bars(items: Sequence[tuple[str, Any]]) -> tuple[list[Bar], int]:
    """Horizontal bars, the longest filling the plot; and the chart's height."""
    numbers = [number(value) or Decimal(0) for _, value in items]
    top = max(numbers, default=Decimal(0))
    plot = WIDTH - LABEL_WIDTH - 120
    drawn = [
        Bar(label, value, 10 + index * (BAR_HEIGHT + 8), float(amount / top * plot) if top > 0 else 0.0)
        for index, ((label, value), amount) in enumerate(zip(items, numbers, strict=True))
    ]
    return drawn, 20 + len(items) * (BAR_HEIGHT + 8)


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    colour: str
    points: list[tuple[float, float, int, Any]]  # x, y, year, value as answered

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if index == 0 else 'L'}{x:.1f},{y:.1f}" for index, (x, y, _, _) in enumerate(self.points)
        )


@dataclass(frozen=True, slots=True)
class LineChart:
    lines: list[Line]
    years: list[tuple[float, int]]
    ticks: list[tuple[float, Decimal]]


def line_chart(series: Mapping[str, Sequence[tuple[int, Any]]]) -> LineChart:
    """Series of (year, value) on shared axes; years without a value are left out of their line."""
    valued = {
        label: [(year, value, number(value)) for year, value in points if number(value) is not None]
        for label, points in series.items()
    }
    years = sorted({year for points in valued.values() for year, _, _ in points})
    amounts = [amount for points in valued.values() for _, _, amount in points if amount is not None]
    if not years or not amounts:
        return LineChart([], [], [])
    low, high = min(min(amounts), Decimal(0)), max(amounts)
    span = (high - low) or Decimal(1)
    left, right, top, bottom = 70, WIDTH - 20, 20, LINE_HEIGHT - 40

    def x_of(year: int) -> float:
        return left + (right - left) * (0.5 if len(years) == 1 else (year - years[0]) / (years[-1] - years[0]))

    def y_of(amount: Decimal) -> float:
        return float(bottom - (bottom - top) * float((amount - low) / span))

    lines = [
        Line(label, PALETTE[index % len(PALETTE)], [(x_of(y), y_of(a), y, v) for y, v, a in points if a is not None])
        for index, (label, points) in enumerate(valued.items())
        if points
    ]
    ticks = [(y_of(low + span * step / 4), low + span * step / 4) for step in range(5)]
    return LineChart(lines, [(x_of(year), year) for year in years], ticks)


@dataclass(frozen=True, slots=True)
class Shape:
    label: str
    kind: str  # "qpv" or "zone"
    path: str


def _rings(geometry: Mapping[str, Any]) -> list[Sequence[Sequence[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def map_shapes(features: Sequence[tuple[str, str, Mapping[str, Any]]]) -> list[Shape]:
    """(label, kind, GeoJSON geometry) projected flat with a cos(latitude) correction (within a pixel of
    Lambert-93 at a conurbation's scale), fitted into the map's square; SVG's even-odd fill draws holes
    whatever the rings' winding."""
    rings = [(label, kind, _rings(geometry)) for label, kind, geometry in features]
    points = [point for _, _, each in rings for ring in each for point in ring]
    if not points:
        return []
    scale_x = math.cos(math.radians(sum(point[1] for point in points) / len(points)))
    west, east = min(p[0] for p in points) * scale_x, max(p[0] for p in points) * scale_x
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    extent = max(east - west, north - south) or 1.0
    margin = 10
    ratio = (MAP_SIZE - 2 * margin) / extent

    def place(point: Sequence[float]) -> str:
        return f"{margin + (point[0] * scale_x - west) * ratio:.1f},{margin + (north - point[1]) * ratio:.1f}"

    return [
        Shape(label, kind, " ".join("M" + " L".join(place(point) for point in ring) + " Z" for ring in each))
        for label, kind, each in rings
    ]
