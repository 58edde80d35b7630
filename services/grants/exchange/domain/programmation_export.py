"""The "tableau de programmation" sent to the comité des financeurs and the prefecture: one row per
application with the columns of research/grants.md §4.2. Each column has a key (the exchange CSV's header,
stable for the tools that read it) and a French label (the header of the files people read: the XLSX and
the tableur-fr CSV). A label the decisions import needs folds to its key or is one of its aliases
(decision_files.py), so that every file we write is read back, and so is any written before."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from services.grants.exchange.domain import french
from services.grants.exchange.domain.decisions import shown_commitment, shown_decision_day
from services.grants.framework.domain import P147_THEMES
from services.grants.spreadsheet import Cell, Code

# 2: French labels and values in the XLSX, the decision's day and EJ given where the line holds neither.
SCHEMA_VERSION = "cdq-programmation-2"
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
    decision_day: date | None = None  # the day the application was last decided
    paid_commitment: str | None = None  # the EJ the line's tranches were last paid under

    @property
    def shown_decided_on(self) -> date | None:
        return shown_decision_day(self.decided_on, self.decision, self.decision_day)

    @property
    def shown_commitment(self) -> Code | None:
        commitment = shown_commitment(self.chorus_commitment, self.paid_commitment)
        return None if commitment is None else Code(commitment)


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
    served_vulnerability_zones: Sequence[str] = ()
    venues: Sequence[Mapping[str, str]] = ()  # {"qpv_code"|"code_commune"|"label": ...}


def euros(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def dauphin_action_code(number: str | None) -> str | None:
    """DA20250001-1 → 20250001 (GISPRO's "Code action")."""
    return number[2:10] if number and number.startswith("DA") else None


def code(text: str | None) -> Code | None:
    """A code, kept as text by the spreadsheets that open the file; none when empty."""
    return Code(text) if text else None


def _venues(row: ProgrammationRow) -> str | None:
    """Where the action is held: QPV codes, communes' INSEE codes or addresses, `;` between them."""
    return ";".join(value for venue in row.venues for value in venue.values()) or None


def _level(row: ProgrammationRow, level: str) -> str | None:
    return next((f"{code} {label}" for found, code, label in row.objectives if found == level), None)


Read = Callable[[ProgrammationRow], Cell]


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the exchange CSV's header
    label: str  # the header people read
    read: Read


def _figure(financer: Financer | None, name: str) -> Read:
    """One of a financer's line's figures (an amount in euros for a `*_cents` one)."""
    if financer is None:
        return lambda _row: None
    institution_id = financer.institution_id
    value_of: Callable[[LineFigures], Any] = attrgetter(name)
    convert: Callable[[Any], Cell] = euros if name.endswith("_cents") else lambda value: value

    def figure(row: ProgrammationRow) -> Cell:
        line = row.lines.get(institution_id)
        return None if line is None else convert(value_of(line))

    return figure


def _in_words(read: Read, words: Mapping[str, str]) -> Read:
    def worded(row: ProgrammationRow) -> Cell:
        value = read(row)
        return words.get(value, value) if isinstance(value, str) else value

    return worded


def columns(financers: Sequence[Financer], with_gender_score: bool, for_people: bool = False) -> list[Column]:
    """The columns of a programmation; `for_people`: values in French words (decisions, opinions, states,
    pillars, operators' profiles) where the exchange CSV gives their codes."""
    p147 = next((item for item in financers if item.is_p147), None)

    def words(read: Read, french_words: Mapping[str, str]) -> Read:
        return _in_words(read, french_words) if for_people else read

    chosen: list[tuple[str, str, Read]] = [
        ("id_application", "Identifiant de la demande", lambda row: Code(row.application_id)),
        ("exercice", "Exercice", lambda row: row.year),
        ("dispositif", "Dispositif", lambda row: DAUPHIN_SCHEMES.get(row.scheme, row.scheme.upper())),
        ("numero_dossier_dauphin", "Numéro dossier Dauphin", lambda row: code(row.dauphin_number)),
        ("code_action_dauphin", "Code action Dauphin", lambda row: code(dauphin_action_code(row.dauphin_number))),
        ("siret", "SIRET", lambda row: Code(row.siret)),
        ("rna", "RNA", lambda row: code(row.rna)),
        ("raison_sociale", "Raison sociale", lambda row: row.operator_name),
        ("type_porteur", "Type de porteur", words(lambda row: row.operator_profile, french.PROFILES)),
        ("intitule_action", "Intitulé de l'action", lambda row: row.title),
        ("frequence", "Fréquence", lambda row: "RENOUVELLEMENT" if row.renewal else "PREMIERE_DEMANDE"),
        ("periode", "Période", lambda row: "PLURIANNUELLE" if row.multi_year else "PONCTUELLE"),
        ("cpo_reference", "Référence de la CPO", lambda row: code(row.convention_reference)),
        ("cpo_annee", "Année de la CPO", lambda row: code(row.convention_year)),
        ("date_debut", "Date de début", lambda row: row.starts_on),
        ("date_fin", "Date de fin", lambda row: row.ends_on),
        ("pilier", "Pilier", words(lambda row: row.pillar, french.PILLARS)),
        ("ambition", "Ambition", lambda row: _level(row, "ambition")),
        ("objectif_strategique", "Objectif stratégique", lambda row: _level(row, "strategic")),
        ("objectif_operationnel", "Objectif opérationnel", lambda row: _level(row, "operational")),
        (
            "thematique_p147",
            "Thématique P147",
            lambda row: None if row.p147_theme is None else f"{row.p147_theme} {P147_THEMES.get(row.p147_theme, '')}",
        ),
        ("qpv_codes", "Codes QPV", lambda row: code(";".join(row.qpv_codes))),
        ("zones_vulnerabilite", "Zones de vulnérabilité", lambda row: code(";".join(row.served_vulnerability_zones))),
        ("hors_qpv", "Zones de vulnérabilité hors QPV (plafond 2,5 %)", lambda row: row.hors_qpv),
        ("lieux", "Lieux de réalisation", _venues),
        ("cout_total", "Coût total (€)", lambda row: euros(row.total_cost_cents)),
        ("montant_sollicite_p147", "Montant sollicité P147 (€)", _figure(p147, "requested_cents")),
        ("montant_propose_p147", "Montant proposé P147 (€)", _figure(p147, "proposed_cents")),
        ("montant_decide_p147", "Montant décidé P147 (€)", _figure(p147, "decided_cents")),
        ("decision_p147", "Décision P147", words(_figure(p147, "decision"), french.DECISIONS)),
        ("date_decision", "Date de décision", _figure(p147, "shown_decided_on")),
        ("chorus_ej", "EJ Chorus", _figure(p147, "shown_commitment")),
        ("montant_n_1_p147", "Montant P147 N-1 (€)", lambda row: euros(row.previous_p147_cents)),
    ]
    for financer in financers:
        if financer is not p147:
            chosen.append(
                (
                    f"cofin_{financer.code}_sollicite",
                    f"Cofinancement {financer.nom} sollicité (€)",
                    _figure(financer, "requested_cents"),
                )
            )
            chosen.append(
                (
                    f"cofin_{financer.code}_decide",
                    f"Cofinancement {financer.nom} décidé (€)",
                    _figure(financer, "decided_cents"),
                )
            )
    chosen += [
        ("autofinancement", "Autofinancement (€)", lambda row: euros(row.own_funds_cents)),
        ("contributions_nature", "Contributions en nature (€)", lambda row: euros(row.in_kind_cents)),
    ]
    if with_gender_score:
        chosen.append(("cotation_egalite_fh", "Cotation égalité femmes-hommes", lambda row: row.gender_score))
    chosen += [
        ("beneficiaires_prevus_total", "Bénéficiaires prévus", lambda row: row.beneficiaries.get("total")),
        ("beneficiaires_prevus_femmes", "Bénéficiaires prévus : femmes", lambda row: row.beneficiaries.get("women")),
        ("beneficiaires_prevus_hommes", "Bénéficiaires prévus : hommes", lambda row: row.beneficiaries.get("men")),
        (
            "beneficiaires_prevus_pct_qpv",
            "Bénéficiaires prévus en QPV (%)",
            lambda row: row.beneficiaries.get("share_in_qpv_percent"),
        ),
        (
            "tranches_age",
            "Tranches d'âge",
            lambda row: code(
                ";".join(f"{band}:{count}" for band, count in (row.beneficiaries.get("age_bands") or {}).items())
            ),
        ),
    ]
    for financer in financers:
        chosen.append(
            (f"avis_{financer.code}", f"Avis {financer.nom}", words(_figure(financer, "opinion"), french.OPINIONS))
        )
        chosen.append(
            (
                f"avis_{financer.code}_commentaire",
                f"Avis {financer.nom} : commentaire",
                _figure(financer, "opinion_comment"),
            )
        )
    chosen.append(("statut", "Statut", words(lambda row: row.state, french.STATES)))
    return [Column(key, label, read) for key, label, read in chosen]


def table(rows: Iterator[ProgrammationRow], chosen: Sequence[Column], labelled: bool) -> Iterator[Sequence[Cell]]:
    """The header (the columns' labels, else their keys), then a row of cells per application."""
    yield [column.label if labelled else column.key for column in chosen]
    readers = [column.read for column in chosen]
    for row in rows:
        yield [read(row) for read in readers]


def dictionary(chosen: Sequence[Column]) -> Iterator[Sequence[Cell]]:
    """The « Colonnes » sheet: each label with the exchange CSV's key of its column."""
    yield ["Colonne", "Clé dans le CSV d'échange"]
    for column in chosen:
        yield [column.label, column.key]
