"""The "tableau de programmation" sent to the comité des financeurs and the prefecture: one row per
application with the columns of research/grants.md §4.2 (Dauphin-compatible names), and its summary."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from services.grants.framework.domain import P147_THEMES, Pillar
from services.grants.programmation.domain import ApplicationFacts, PortfolioCheck
from services.grants.spreadsheet import Cell

PILLARS = {pillar.value for pillar in Pillar}

SCHEMA_VERSION = "cdq-programmation-1"
DAUPHIN_SCHEMES = {"p147": "P147_AAP", "quartiers_ete": "QUARTIERS_ETE"}


@dataclass(frozen=True, slots=True)
class LineFigures:
    requested_cents: int
    proposed_cents: int | None
    decided_cents: int | None
    decision: str | None
    opinion: str | None
    opinion_comment: str | None
    decided_on: date | None = None
    chorus_commitment: str | None = None


@dataclass(frozen=True, slots=True)
class Financer:
    institution_id: uuid.UUID
    code: str
    nom: str
    is_p147: bool


@dataclass(slots=True)
class ProgrammationRow:
    application_id: uuid.UUID
    year: int
    scheme: str
    dauphin_number: str | None
    siret: str
    rna: str | None
    operator_name: str
    operator_profile: str
    title: str
    renewal: bool
    multi_year: bool
    starts_on: date | None
    ends_on: date | None
    objectives: Sequence[tuple[str, str, str]]  # (level, code, label) from the ambition down
    pillar: str | None
    p147_theme: str | None
    qpv_codes: Sequence[str]
    hors_qpv: bool
    beneficiaries: Mapping[str, Any]
    state: str
    total_cost_cents: int = 0
    own_funds_cents: int = 0
    in_kind_cents: int = 0
    previous_p147_cents: int | None = None
    convention_reference: str | None = None
    convention_year: str | None = None
    gender_score: int | None = None
    lines: dict[uuid.UUID, LineFigures] = field(default_factory=dict)


def euros(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def dauphin_action_code(number: str | None) -> str | None:
    """DA20250001-1 → 20250001 (GISPRO's "Code action")."""
    return number[2:10] if number and number.startswith("DA") else None


def _level(row: ProgrammationRow, level: str) -> str | None:
    return next((f"{code} {label}" for found, code, label in row.objectives if found == level), None)


Column = tuple[str, Callable[[ProgrammationRow], Cell]]


def columns(financers: Sequence[Financer], with_gender_score: bool) -> list[Column]:
    p147 = next((item for item in financers if item.is_p147), None)

    def figure(financer: Financer | None, name: str) -> Callable[[ProgrammationRow], Cell]:
        if financer is None:
            return lambda _row: None
        institution_id = financer.institution_id
        if name.endswith("_cents"):
            cents_of: Callable[[LineFigures], int | None] = attrgetter(name)

            def amount(row: ProgrammationRow) -> Cell:
                line = row.lines.get(institution_id)
                return None if line is None else euros(cents_of(line))

            return amount
        value_of: Callable[[LineFigures], Cell] = attrgetter(name)

        def value(row: ProgrammationRow) -> Cell:
            line = row.lines.get(institution_id)
            return None if line is None else value_of(line)

        return value

    chosen: list[Column] = [
        ("id_application", lambda row: str(row.application_id)),
        ("exercice", lambda row: row.year),
        ("dispositif", lambda row: DAUPHIN_SCHEMES.get(row.scheme, row.scheme.upper())),
        ("numero_dossier_dauphin", lambda row: row.dauphin_number),
        ("code_action_dauphin", lambda row: dauphin_action_code(row.dauphin_number)),
        ("siret", lambda row: row.siret),
        ("rna", lambda row: row.rna),
        ("raison_sociale", lambda row: row.operator_name),
        ("type_porteur", lambda row: row.operator_profile),
        ("intitule_action", lambda row: row.title),
        ("frequence", lambda row: "RENOUVELLEMENT" if row.renewal else "PREMIERE_DEMANDE"),
        ("periode", lambda row: "PLURIANNUELLE" if row.multi_year else "PONCTUELLE"),
        ("cpo_reference", lambda row: row.convention_reference),
        ("cpo_annee", lambda row: row.convention_year),
        ("date_debut", lambda row: row.starts_on),
        ("date_fin", lambda row: row.ends_on),
        ("pilier", lambda row: row.pillar),
        ("ambition", lambda row: _level(row, "ambition")),
        ("objectif_strategique", lambda row: _level(row, "strategic")),
        ("objectif_operationnel", lambda row: _level(row, "operational")),
        (
            "thematique_p147",
            lambda row: None if row.p147_theme is None else f"{row.p147_theme} {P147_THEMES.get(row.p147_theme, '')}",
        ),
        ("qpv_codes", lambda row: ";".join(row.qpv_codes)),
        ("hors_qpv", lambda row: row.hors_qpv),
        ("cout_total", lambda row: euros(row.total_cost_cents)),
        ("montant_sollicite_p147", figure(p147, "requested_cents")),
        ("montant_propose_p147", figure(p147, "proposed_cents")),
        ("montant_decide_p147", figure(p147, "decided_cents")),
        ("decision_p147", figure(p147, "decision")),
        ("date_decision", figure(p147, "decided_on")),
        ("chorus_ej", figure(p147, "chorus_commitment")),
        ("montant_n_1_p147", lambda row: euros(row.previous_p147_cents)),
    ]
    for financer in financers:
        if financer is not p147:
            chosen.append((f"cofin_{financer.code}_sollicite", figure(financer, "requested_cents")))
            chosen.append((f"cofin_{financer.code}_decide", figure(financer, "decided_cents")))
    chosen += [
        ("autofinancement", lambda row: euros(row.own_funds_cents)),
        ("contributions_nature", lambda row: euros(row.in_kind_cents)),
    ]
    if with_gender_score:
        chosen.append(("cotation_egalite_fh", lambda row: row.gender_score))
    chosen += [
        ("beneficiaires_prevus_total", lambda row: row.beneficiaries.get("total")),
        ("beneficiaires_prevus_femmes", lambda row: row.beneficiaries.get("women")),
        ("beneficiaires_prevus_hommes", lambda row: row.beneficiaries.get("men")),
        ("beneficiaires_prevus_pct_qpv", lambda row: row.beneficiaries.get("share_in_qpv_percent")),
        (
            "tranches_age",
            lambda row: ";".join(
                f"{band}:{count}" for band, count in (row.beneficiaries.get("age_bands") or {}).items()
            ),
        ),
    ]
    for financer in financers:
        chosen.append((f"avis_{financer.code}", figure(financer, "opinion")))
        chosen.append((f"avis_{financer.code}_commentaire", figure(financer, "opinion_comment")))
    chosen.append(("statut", lambda row: row.state))
    return chosen


def table(rows: Iterator[ProgrammationRow], chosen: Sequence[Column]) -> Iterator[Sequence[Cell]]:
    yield [name for name, _ in chosen]
    for row in rows:
        yield [read(row) for _, read in chosen]


@dataclass(slots=True)
class Totals:
    """What the summary sheet adds up while the rows stream past."""

    applications: int = 0
    cost_cents: int = 0
    by_financer: dict[uuid.UUID, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
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
            figures[0] += line.requested_cents
            figures[1] += line.proposed_cents or 0
            figures[2] += line.decided_cents or 0
        state_line = row.lines.get(p147) if p147 else None
        if state_line is not None:
            amount = (
                state_line.decided_cents if state_line.decided_cents is not None else (state_line.proposed_cents or 0)
            )
            self.p147_by_pillar[row.pillar or "—"] += amount
            self.p147_by_theme[row.p147_theme or "—"] += amount
            self.p147_by_place["hors QPV" if row.hors_qpv else "QPV"] += amount
            self.p147_by_gender_score["—" if row.gender_score is None else str(row.gender_score)] += amount
        return row


def summary(
    totals: Totals, financers: Sequence[Financer], check: PortfolioCheck, with_gender_score: bool
) -> list[Sequence[Cell]]:
    """The "Synthèse" sheet: totals by financer, P147 by pillar, theme, place (and gender score), the
    envelope consumption and every rule check with its figures."""
    rows: list[Sequence[Cell]] = [
        ["rubrique", "cle", "sollicite", "propose", "decide", "enveloppe"],
        ["version", SCHEMA_VERSION, None, None, None, None],
        ["actions", "nombre", totals.applications, None, None, None],
        ["actions", "cout_total", euros(totals.cost_cents), None, None, None],
    ]
    for financer in financers:
        requested, proposed, decided = totals.by_financer.get(financer.institution_id, [0, 0, 0])
        envelope = check.consumption.get(financer.institution_id, (0, None))[1]
        rows.append(["financeur", financer.code, euros(requested), euros(proposed), euros(decided), euros(envelope)])
    breakdowns: list[tuple[str, dict[str, int]]] = [
        ("p147_par_pilier", totals.p147_by_pillar),
        ("p147_par_thematique", totals.p147_by_theme),
        ("p147_qpv_hors_qpv", totals.p147_by_place),
    ]
    if with_gender_score:
        breakdowns.append(("p147_par_cotation_egalite_fh", totals.p147_by_gender_score))
    for name, amounts in breakdowns:
        rows += [[name, key, None, None, euros(cents), None] for key, cents in sorted(amounts.items())]
    for level, findings in (("bloquant", check.blocking), ("alerte", check.warnings)):
        rows += [[f"controle_{level}", finding.rule, finding.message, None, None, None] for finding in findings]
    if not check.blocking and not check.warnings:
        rows.append(["controle", "ok", "every rule of the programmation is met", None, None, None])
    return rows
