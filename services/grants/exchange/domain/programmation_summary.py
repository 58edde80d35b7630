"""The « Synthèse » sheet of the programmation: totals by financer, the P147 by pillar, theme, place (and
gender score), each financer's envelope, and every portfolio check with its figures (research/grants.md
§4.2, "Formats"), in French. A total of figures no line gives (nothing proposed yet) is left blank, as its
column is in the scheme's sheet."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.grants.exchange.domain import french
from services.grants.exchange.domain.programmation_export import (
    SCHEMA_VERSION,
    Financer,
    ProgrammationRow,
    euros,
)
from services.grants.framework.domain import P147_THEMES, Pillar
from services.grants.programmation.domain.portfolio import ApplicationFacts, PortfolioCheck
from services.grants.spreadsheet import Cell

PILLARS = {pillar.value for pillar in Pillar}
HEADER = ["Rubrique", "Clé", "Sollicité (€)", "Proposé (€)", "Décidé (€)", "Enveloppe (€)"]


@dataclass(slots=True)
class FinancerTotals:
    requested_cents: int = 0
    proposed_cents: int | None = None  # None: no line of the financer has a proposed amount
    decided_cents: int | None = None


def _plus(total: int | None, cents: int | None) -> int | None:
    return total if cents is None else (total or 0) + cents


@dataclass(slots=True)
class Totals:
    """What the summary sheet adds up while the rows stream past."""

    applications: int = 0
    cost_cents: int = 0
    by_financer: dict[uuid.UUID, FinancerTotals] = field(default_factory=lambda: defaultdict(FinancerTotals))
    p147_by_pillar: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    p147_by_theme: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    p147_by_place: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    p147_by_gender_score: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # What the portfolio rules are checked on: each line's decided amount, else its proposed one.
    amounts: dict[tuple[uuid.UUID, uuid.UUID], int] = field(default_factory=dict)
    facts: dict[uuid.UUID, ApplicationFacts] = field(default_factory=dict)

    def add(self, row: ProgrammationRow, p147: uuid.UUID | None) -> ProgrammationRow:
        self.applications += 1
        self.facts[row.application_id] = ApplicationFacts(
            application_id=row.application_id,
            title=row.title,
            requested={key: line.requested_cents for key, line in row.lines.items()},
            hors_qpv=row.hors_qpv,
            renewal=row.renewal,
            previous_p147_cents=row.previous_p147_cents,
            pillar=Pillar(row.pillar) if row.pillar in PILLARS else None,
        )
        for institution_id, line in row.lines.items():
            amount = line.decided_cents if line.decided_cents is not None else line.proposed_cents
            if amount is not None:
                self.amounts[(row.application_id, institution_id)] = amount
        self.cost_cents += row.total_cost_cents
        for institution_id, line in row.lines.items():
            figures = self.by_financer[institution_id]
            figures.requested_cents += line.requested_cents
            figures.proposed_cents = _plus(figures.proposed_cents, line.proposed_cents)
            figures.decided_cents = _plus(figures.decided_cents, line.decided_cents)
        state_line = row.lines.get(p147) if p147 else None
        if state_line is not None:
            amount = (
                state_line.decided_cents if state_line.decided_cents is not None else (state_line.proposed_cents or 0)
            )
            self.p147_by_pillar[row.pillar or "—"] += amount
            self.p147_by_theme[row.p147_theme or "—"] += amount
            self.p147_by_place["Zones de vulnérabilité hors QPV" if row.hors_qpv else "QPV ou autre"] += amount
            self.p147_by_gender_score["—" if row.gender_score is None else str(row.gender_score)] += amount
        return row


def _theme(code: str) -> str:
    return f"{code} {P147_THEMES[code]}" if code in P147_THEMES else code


def summary(
    totals: Totals, financers: Sequence[Financer], check: PortfolioCheck, with_gender_score: bool
) -> list[Sequence[Cell]]:
    """One scheme's part of the summary sheet (its header first), every label in French."""
    rows: list[Sequence[Cell]] = [
        HEADER,
        ["Version du fichier", SCHEMA_VERSION, None, None, None, None],
        ["Actions", "Nombre", totals.applications, None, None, None],
        ["Actions", "Coût total (€)", euros(totals.cost_cents), None, None, None],
    ]
    for financer in financers:
        figures = totals.by_financer.get(financer.institution_id, FinancerTotals())
        envelope = check.consumption.get(financer.institution_id, (0, None))[1]
        rows.append(
            [
                "Financeur",
                financer.nom,
                euros(figures.requested_cents),
                euros(figures.proposed_cents),
                euros(figures.decided_cents),
                euros(envelope),
            ]
        )
    breakdowns: list[tuple[str, dict[str, str], dict[str, int]]] = [
        ("P147 par pilier", french.PILLARS, totals.p147_by_pillar),
        ("P147 par thématique", {key: _theme(key) for key in totals.p147_by_theme}, totals.p147_by_theme),
        ("P147 en QPV et hors QPV", {}, totals.p147_by_place),
    ]
    if with_gender_score:
        breakdowns.append(("P147 par cotation égalité femmes-hommes", {}, totals.p147_by_gender_score))
    for name, words, amounts in breakdowns:
        rows += [[name, words.get(key, key), None, None, euros(cents), None] for key, cents in sorted(amounts.items())]
    for level, findings in (("Contrôle bloquant", check.blocking), ("Alerte", check.warnings)):
        rows += [[level, *french.worded(finding), None, None, None] for finding in findings]
    if not check.blocking and not check.warnings:
        rows.append(
            ["Contrôles", "Aucun écart", "Toutes les règles de la programmation sont respectées", None, None, None]
        )
    return rows
