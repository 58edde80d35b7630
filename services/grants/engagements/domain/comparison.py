"""What changed between a signatory's sheet of year N and a later one (the evaluation of the droit commun:
"comparaisons fiches d'engagement 2024 à N+2 et N+3", the contract ../shared/seeds/002…txt, line 2231), and
the engineering staff of a year summed for the contract ("Ce sont plus de 13 ETP qui sont dédiés au Contrat
de Ville de la CUA", line 2147, itemised by institution and function at lines 2149-2169)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.grants.engagements.domain.sheets import Figures, Means, Sheet, Staff

# "à N+2 et N+3": the later years a sheet is compared with when none is asked.
LATER_YEARS = (2, 3)


class Change(StrEnum):
    APPEARED = "appeared"
    DISAPPEARED = "disappeared"
    GREW = "grew"
    SHRANK = "shrank"
    SAME = "same"


@dataclass(frozen=True, slots=True)
class SetChange:
    """Items named by a key (a QPV, an intervention, a commitment, an agent's function) in either sheet."""

    appeared: tuple[str, ...]
    disappeared: tuple[str, ...]
    kept: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FigureChange:
    """One key's figure on both sides (amounts in cents, ETP exact) and how it moved."""

    key: str
    label: str
    change: Change
    base: Decimal | None
    later: Decimal | None


@dataclass(frozen=True, slots=True)
class SheetComparison:
    base_year: int
    later_year: int
    has_base: bool
    has_later: bool
    qpv_codes: SetChange
    vulnerability_zones: SetChange
    interventions: SetChange
    commitments: SetChange
    agent_functions: SetChange
    means: tuple[FigureChange, ...]
    staff: tuple[FigureChange, ...]
    amount_cents: FigureChange
    etp: FigureChange


def _set_change(base: Iterable[str], later: Iterable[str]) -> SetChange:
    before, after = set(base), set(later)
    return SetChange(tuple(sorted(after - before)), tuple(sorted(before - after)), tuple(sorted(before & after)))


def moved(base: Decimal | None, later: Decimal | None) -> Change:
    if base is None and later is None:
        return Change.SAME
    if base is None:
        return Change.APPEARED
    if later is None:
        return Change.DISAPPEARED
    if later > base:
        return Change.GREW
    return Change.SHRANK if later < base else Change.SAME


def known(means: Means) -> Figures:
    """What a mean amounts to: what was realised once it is said, what was declared until then."""
    return means.realised if means.realised is not None else means.declared


def _own_year(sheet: Sheet | None) -> dict[str, Means]:
    """A sheet's means for its own year, by key."""
    if sheet is None:
        return {}
    return {means.key: means for means in sheet.content.means if means.year == sheet.year}


def _figure_changes(
    base: Mapping[str, Decimal], later: Mapping[str, Decimal], labels: Mapping[str, str]
) -> list[FigureChange]:
    return [
        FigureChange(key, labels[key], moved(base.get(key), later.get(key)), base.get(key), later.get(key))
        for key in sorted(set(base) | set(later))
    ]


def _amounts(means: Mapping[str, Means]) -> dict[str, Decimal]:
    return {key: Decimal(known(item).amount_cents or 0) for key, item in means.items()}


def _staff(sheet: Sheet | None) -> dict[str, Decimal]:
    return {} if sheet is None else {item.function: item.etp for item in sheet.content.staff}


def total_etp(staff: Iterable[Staff]) -> Decimal:
    return sum((item.etp for item in staff), Decimal(0))


def _total(values: Mapping[str, Decimal], present: bool) -> Decimal | None:
    return sum(values.values(), Decimal(0)) if present else None


def compare(base: Sheet | None, later: Sheet | None, base_year: int, later_year: int) -> SheetComparison:
    """A signatory's sheet of `base_year` against its sheet of `later_year` (either may be missing: then
    everything of the other appeared or disappeared)."""

    def keys(sheet: Sheet | None, what: str) -> list[str]:
        if sheet is None:
            return []
        content = sheet.content
        return {
            "qpv": list(content.qpv_codes),
            "zones": list(content.vulnerability_zones),
            "interventions": [item.key for item in content.interventions],
            "commitments": [item.key for item in content.commitments],
            "agents": [item.function for item in content.agents],
        }[what]

    base_means, later_means = _own_year(base), _own_year(later)
    labels = {key: item.label for key, item in {**base_means, **later_means}.items()}
    base_amounts, later_amounts = _amounts(base_means), _amounts(later_means)
    base_staff, later_staff = _staff(base), _staff(later)
    amount_before, amount_after = _total(base_amounts, base is not None), _total(later_amounts, later is not None)
    etp_before, etp_after = _total(base_staff, base is not None), _total(later_staff, later is not None)
    return SheetComparison(
        base_year=base_year,
        later_year=later_year,
        has_base=base is not None,
        has_later=later is not None,
        qpv_codes=_set_change(keys(base, "qpv"), keys(later, "qpv")),
        vulnerability_zones=_set_change(keys(base, "zones"), keys(later, "zones")),
        interventions=_set_change(keys(base, "interventions"), keys(later, "interventions")),
        commitments=_set_change(keys(base, "commitments"), keys(later, "commitments")),
        agent_functions=_set_change(keys(base, "agents"), keys(later, "agents")),
        means=tuple(_figure_changes(base_amounts, later_amounts, labels)),
        staff=tuple(_figure_changes(base_staff, later_staff, {key: key for key in {*base_staff, *later_staff}})),
        amount_cents=FigureChange(
            "amount", "droit commun", moved(amount_before, amount_after), amount_before, amount_after
        ),
        etp=FigureChange("etp", "engineering staff", moved(etp_before, etp_after), etp_before, etp_after),
    )


def contract_totals(comparisons: Iterable[SheetComparison]) -> tuple[FigureChange, FigureChange]:
    """The contract's droit commun (cents) and engineering staff (ETP) on both sides, summed over the
    signatories that have a sheet on that side."""
    items = list(comparisons)

    def side(values: Iterable[Decimal | None]) -> Decimal | None:
        present = [value for value in values if value is not None]
        return sum(present, Decimal(0)) if present else None

    amount = (side(item.amount_cents.base for item in items), side(item.amount_cents.later for item in items))
    etp = (side(item.etp.base for item in items), side(item.etp.later for item in items))
    return (
        FigureChange("amount", "droit commun", moved(*amount), *amount),
        FigureChange("etp", "engineering staff", moved(*etp), *etp),
    )


@dataclass(frozen=True, slots=True)
class MeansTotals:
    """The droit commun of a sheet's own year, summed: declared, and realised on the lines said so far."""

    lines: int
    realised_lines: int
    declared: Figures
    realised: Figures


def _sum(figures: Iterable[Figures]) -> Figures:
    items = list(figures)
    return Figures(
        sum(item.amount_cents or 0 for item in items),
        sum(item.actions or 0 for item in items),
        sum((item.etp or Decimal(0) for item in items), Decimal(0)),
    )


def means_totals(sheets: Iterable[Sheet]) -> MeansTotals:
    """The sum of the sheets' means of their own year (one sheet: a signatory's; all: the contract's)."""
    own = [means for sheet in sheets for means in sheet.content.means if means.year == sheet.year]
    realised = [means.realised for means in own if means.realised is not None]
    return MeansTotals(len(own), len(realised), _sum(means.declared for means in own), _sum(realised))
