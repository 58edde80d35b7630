"""The review as a self-contained HTML page (inline SVG and CSS, no script, font or outside URL), read from
its JSON answer: one set of French number filters formats tables and charts alike. printer.py prints it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gateway.review import charts

TEMPLATES = Path(__file__).parent / "templates"
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def _grouped(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NBSP.join(groups)


def fr_number(value: Any, places: int | None = None) -> str:
    """1234567.891 → '1 234 567,891' (French: a space between thousands, a comma before decimals); the
    places the service gave are kept unless `places` is asked."""
    amount = charts.number(value)
    if amount is None:
        return "—"
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    sign = "-" if amount < 0 else ""
    whole, _, decimals = f"{abs(amount):f}".partition(".")
    return sign + _grouped(whole) + ("," + decimals if decimals else "")


def fr_eur(value: Any) -> str:
    """'1234567.89' → '1 234 567,89 €'."""
    text = fr_number(value, 2)
    return text if text == "—" else text + NBSP + "€"


def fr_percent(value: Any, ratio: bool = False) -> str:
    """'53.8' → '53,8 %'; a ratio (0 to 1) is shown as its percentage."""
    amount = charts.number(value)
    if amount is None:
        return "—"
    if ratio:
        amount = (amount * 100).normalize()
    return fr_number(amount, 1) + NBSP + "%"


def fr_value(value: Any, unit: str = "") -> str:
    """A headline figure as a reader reads it, by its unit."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if unit == "EUR":
        return fr_eur(value)
    if unit in ("%", "ratio"):
        return fr_percent(value, ratio=unit == "ratio")
    text = fr_number(value)
    return text + NBSP + unit if unit and text != "—" else text


# The contrat de ville's pillars as the P147 nomenclature names them (grants' framework.Pillar values).
PILLARS = {
    "cohesion_sociale": "Cohésion sociale",
    "emploi_developpement_economique": "Emploi et développement économique",
    "cadre_de_vie_renouvellement_urbain": "Cadre de vie et renouvellement urbain",
    "pilotage_ingenierie": "Pilotage et ingénierie",
}


def named(key: str | None, names: Mapping[str, str]) -> str:
    """A total's key as a reader reads it: a financer's name, a pillar's label, else the key."""
    if not key:
        return "non précisé"
    return names.get(key) or PILLARS.get(key) or key


def pairs(totals: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None) -> list[tuple[str, Any]]:
    """(label, decided) of grants' totals, for a bar chart."""
    return [(named(item["key"], names or {}), item["decided"]) for item in totals]


def _financer_names(review: Mapping[str, Any]) -> dict[str, str]:
    """Each financer's name by its code, from grants' institutions of the contract."""
    found = _available(review, "institutions")
    if found is None:
        return {}
    return {item["code"]: item["nom"] for item in found["data"]["items"]}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(fr_number=fr_number, fr_eur=fr_eur, fr_percent=fr_percent, fr_value=fr_value)
    environment.globals.update(
        bars=charts.bars, pairs=pairs, named=named, palette=charts.PALETTE, width=charts.WIDTH, map_size=charts.MAP_SIZE
    )
    environment.globals.update(label_width=charts.LABEL_WIDTH, line_height=charts.LINE_HEIGHT)
    return environment


ENVIRONMENT = _environment()


def _blocks(review: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [block for section in review["sections"] for block in section["blocks"] if block["key"] == key]


def _available(review: Mapping[str, Any], key: str, year: int | None = None) -> Mapping[str, Any] | None:
    for block in _blocks(review, key):
        if block["status"] == "available" and (year is None or block["provenance"]["year"] in (None, year)):
            return block
    return None


def _indicator_charts(review: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per indicator, one line chart: each QPV's series beside the EPCI, all QPV and France."""
    found: dict[str, dict[str, Any]] = {}
    for section in review["sections"]:
        for block in section["blocks"]:
            if not block["key"].startswith("indicator:") or block["status"] != "available":
                continue
            data = block["data"]
            entry = found.setdefault(block["key"], {"indicator": data["indicator"], "series": {}, "rows": []})
            entry["series"][f"{data['qpv']['nom']} ({block['qpv']})"] = [
                (v["year"], v["value"]) for v in data["series"]
            ]
            for name, label in (("epci", "EPCI"), ("qpvNationalAverage", "Ensemble des QPV"), ("france", "France")):
                entry["series"].setdefault(label, [(v["year"], v["value"]) for v in data[name]])
            for value in [*data["series"], *data["epci"], *data["qpvNationalAverage"], *data["france"]]:
                entry["rows"].append(value)
    for entry in found.values():
        entry["chart"] = charts.line_chart({k: [p for p in v if p[0] is not None] for k, v in entry["series"].items()})
        unique = {row["id"]: row for row in entry["rows"]}
        entry["rows"] = sorted(unique.values(), key=lambda row: (row["territoryLabel"], row["year"] or 0))
    return list(found.values())


def _map(review: Mapping[str, Any]) -> list[charts.Shape]:
    features: list[tuple[str, str, Mapping[str, Any]]] = []
    for block in _blocks(review, "perimeter"):
        if block["status"] == "available":
            properties = block["data"].get("properties", {})
            features.append(
                (f"{properties.get('nom', block['qpv'])} ({block['qpv']})", "qpv", block["data"]["geometry"])
            )
    zones = _available(review, "vulnerability-zones")
    if zones is not None:
        for feature in zones["data"].get("features", []):
            zone = feature.get("properties", {}).get("zone", "")
            features.append((f"Zone de vulnérabilité {zone}", "zone", feature["geometry"]))
    return charts.map_shapes(features)


def _members(review: Mapping[str, Any]) -> charts.LineChart | None:
    block = _available(review, "participation", review["year"])
    if block is None:
        return None
    return charts.line_chart({"Membres": [(item["year"], item["members"]) for item in block["data"]["membersByYear"]]})


def _meetings(review: Mapping[str, Any]) -> tuple[list[int], list[str], dict[tuple[str, int], int]]:
    """Meetings per year per kind of body, as participation answered for each year (years, kinds, counts)."""
    counts: dict[tuple[str, int], int] = {}
    years: set[int] = set()
    for block in _blocks(review, "participation"):
        if block["status"] == "available":
            year = block["data"]["year"]
            years.add(year)
            counts.update({(kind, year): count for kind, count in block["data"]["meetingsByKind"].items()})
    return sorted(years), sorted({kind for kind, _ in counts}), counts


KNOWN_BLOCKS = frozenset(
    {
        "evaluation",
        "programmation-totals",
        "renewal-projects",
        "institutions",
        "participation",
        "perimeter",
        "vulnerability-computations",
    }
)


def render_html(review: Mapping[str, Any]) -> str:
    """The page of a review (its JSON answer)."""
    year = review["year"]
    evaluation = _available(review, "evaluation", year)
    template = ENVIRONMENT.get_template("review.html.j2")
    return template.render(
        review=review,
        evaluation=evaluation,
        totals=_available(review, "programmation-totals", year),
        renewal=_available(review, "renewal-projects"),
        participation=_available(review, "participation", year),
        indicators=_indicator_charts(review),
        shapes=_map(review),
        members=_members(review),
        meetings=_meetings(review),
        known_blocks=KNOWN_BLOCKS,
        financers=_financer_names(review),
    )


def render_cohort_html(cohort: Mapping[str, Any]) -> str:
    return ENVIRONMENT.get_template("cohort.html.j2").render(cohort=cohort)
