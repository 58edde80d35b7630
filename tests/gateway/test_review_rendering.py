"""The review's French numbers and its charts' geometry, without a stack."""

from __future__ import annotations

from decimal import Decimal

from gateway.review import charts
from gateway.review.domain import Section, Source, template_values, year_rules
from gateway.review.rendering import fr_eur, fr_number, fr_percent, fr_value

NBSP = "\u00a0"


def test_french_numbers() -> None:
    assert fr_eur("1234567.89") == f"1{NBSP}234{NBSP}567,89{NBSP}€"
    assert fr_eur(0) == f"0,00{NBSP}€"
    assert fr_eur("-1500.5") == f"-1{NBSP}500,50{NBSP}€"
    assert fr_number(47) == "47"
    assert fr_number("12260.0") == f"12{NBSP}260,0"
    assert fr_percent("53.8") == f"53,8{NBSP}%"
    assert fr_percent("0.8000", ratio=True) == f"80,0{NBSP}%"
    assert fr_value(None, "EUR") == "—"
    assert fr_value(True) == "oui"


def test_bars_scale_to_the_largest_and_keep_the_answered_values() -> None:
    drawn, height = charts.bars([("État", "300.00"), ("CUA", "150.00"), ("Ville", "0.00")])
    assert [bar.value for bar in drawn] == ["300.00", "150.00", "0.00"]
    assert drawn[0].width == 2 * drawn[1].width > 0
    assert drawn[2].width == 0
    assert height > drawn[-1].y


def test_lines_place_years_left_to_right_and_values_bottom_to_top() -> None:
    chart = charts.line_chart({"QPV": [(2010, "100"), (2018, "200")], "France": [(2010, "300"), (2013, None)]})
    qpv, france = chart.lines
    assert qpv.points[0][0] < qpv.points[1][0]
    assert qpv.points[0][1] > qpv.points[1][1] > france.points[0][1]
    assert [year for _, year in chart.years] == [2010, 2018]
    assert chart.ticks[-1][1] == Decimal(300)


def test_the_map_fits_every_ring_in_its_square() -> None:
    square = {"type": "Polygon", "coordinates": [[[2.7, 50.28], [2.8, 50.28], [2.8, 50.30], [2.7, 50.28]]]}
    shapes = charts.map_shapes([("Quatre As", "qpv", square)])
    numbers = [
        float(part)
        for point in shapes[0].path.replace("M", " ").replace("L", " ").replace("Z", " ").split()
        for part in point.split(",")
    ]
    assert min(numbers) >= 0
    assert max(numbers) <= charts.MAP_SIZE


def test_a_source_fills_its_templates_and_a_year_outside_the_contract_is_named() -> None:
    source = Source("x", Section.DROIT_COMMUN, "X", "grants", "/things/{code}", {"year": "{year}", "since": "{start}"})
    values = template_values("CV-1", 2026, "200033579", 2024)
    assert source.filled(values) == ("/things/CV-1", {"year": "2026", "since": "2024"})
    assert [rule.rule for rule in year_rules("year", 2023, 2024, 2030)] == ["year-not-before-contract"]
    assert year_rules("year", 2030, 2024, 2030) == []
