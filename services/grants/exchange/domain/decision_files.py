"""The files of decisions the prefecture sends (Dauphin, GISPRO extracts, a Chorus extract of commitments,
our own export edited, research/grants.md §4.3): their columns found through header aliases, every cell of
a line checked strictly, text cells read in the file's dialect (dialects.py). A line that gives none of a
decision's values decides nothing: our own export returned untouched holds one for each application not
decided yet."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.cells import (
    ActionLine,
    LineError,
    amount_cents,
    cell_text,
    columns_found,
    dauphin_reference,
    day_of,
    folded,
    siret_of,
    year_of,
)
from services.grants.exchange.domain.dialects import Dialect

DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "dauphin_number": (
        "numero_dossier_dauphin",
        "code_action_dauphin",
        "referenceAdministrative",
        "N° dossier Dauphin",
        "Numéro de dossier",
        "Action de demande - Code dossier",
        "Numéro De l'Action Prj",
        "Action - Code dossier",
        "codeActionProjet",
    ),
    "siret": ("siret", "Code SIRET", "demandeur.SIRET.complet", "code_tiers", "Code taxe 1"),
    "year": ("exercice", "exerciceBudgetaire", "Exercice comptable", "annee", "Année"),
    "title": ("intitule_action", "intituleProjet", "Intitulé de l'action", "Intitulé", "lib_action"),
    "decided_amount": (
        "montant_decide_p147",
        "montantVote",
        "financement.montantVote.ht",
        "Montant voté",
        "Montant accordé",
        "Montant attribué",
        "Montant engagé",  # a Chorus extract of legal commitments (EJ): the commitment is the decision
    ),
    "decision": ("decision_p147", "Décision", "financement.statut", "Statut de la décision"),
    "decision_date": ("date_decision", "dateDecision", "financement.dateDecision", "Date de décision"),
    "chorus_commitment": ("chorus_ej", "CHORUS -EJ", "EJ CHORUS", "N° doc. précédent (EJ)", "N° EJ"),
}
FIELDS = tuple(DEFAULT_ALIASES)

DECISIONS = {
    "granted": "granted",
    "vote": "granted",
    "votee": "granted",
    "accorde": "granted",
    "accordee": "granted",
    "favorable": "granted",
    "refused": "refused",
    "rejete": "refused",
    "rejetee": "refused",
    "refuse": "refused",
    "refusee": "refused",
    "unacceptable": "refused",
    "non recevable": "refused",
    "no follow up": "no_follow_up",
    "sans suite": "no_follow_up",
}
_CHORUS = re.compile(r"^[A-Z0-9_+/-]{1,20}$")


@dataclass(slots=True)
class DecisionLine(ActionLine):
    """One data line of the file: where it is, its raw cells and what they mean once checked."""

    decided_cents: int | None = None
    decision: str | None = None
    decision_date: date | None = None
    chorus_commitment: str | None = None


def column_map(headers: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """field → column index, from the first header spelling each field's aliases allow."""
    return columns_found(headers, FIELDS, aliases, DEFAULT_ALIASES)


def check_columns(found: Mapping[str, int], headers: Sequence[str]) -> None:
    keyed = "dauphin_number" in found or {"siret", "year", "title"} <= set(found)
    if "decided_amount" in found and keyed:
        return
    missing = [] if "decided_amount" in found else ["decided_amount"]
    if not keyed:
        missing.append("dauphin_number or siret + year + title")
    raise RuleViolationError(
        "file",
        "unknown-column-set",
        f"no column found for {', '.join(missing)} among the headers {', '.join(map(repr, headers[:40]))};"
        " name them as the aliases list says, or add the contract's own spelling to its aliases",
    )


def decides(line: DecisionLine) -> bool:
    """Whether the line gives any of a decision's values: its amount, the decision, its date, its Chorus EJ."""
    given = (line.decided_cents, line.decision, line.decision_date, line.chorus_commitment)
    return any(value is not None for value in given)


def read_line(
    line: int,
    sheet: str | None,
    row: int,
    raw: dict[str, Any],
    cells: Mapping[str, Any],
    dialect: Dialect = Dialect.EXCHANGE,
) -> DecisionLine:
    """`cells`: field → the cell's value (text from CSV; numbers and dates as typed in XLSX), text read in
    `dialect`. A line that gives no decision's value is read without error: it decides nothing."""
    read = DecisionLine(line=line, sheet=sheet, row=row, raw=raw)
    errors = read.errors
    read.dauphin_number, read.dauphin_code = dauphin_reference(cells.get("dauphin_number"), errors)
    read.siret = siret_of(cells.get("siret"), errors)
    read.year = year_of(cells.get("year"), errors)
    title = cell_text(cells.get("title"))
    read.title = title or None
    read.decided_cents = amount_cents(cells.get("decided_amount"), errors, dialect, "decided_amount")
    decision = cell_text(cells.get("decision"))
    if decision:
        read.decision = DECISIONS.get(folded(decision))
        if read.decision is None:
            errors.append(
                LineError("decision", "decision-value", f"{decision!r}: granted/Votée, refused/Rejetée, sans suite")
            )
    read.decision_date = day_of(cells.get("decision_date"), errors, dialect, "decision_date")
    written = cell_text(cells.get("chorus_commitment"))
    commitment = written.upper()
    if commitment:
        # ASCII checked before the upper case: "ſ".upper() is "S".
        if written.isascii() and _CHORUS.fullmatch(commitment):
            read.chorus_commitment = commitment
        else:
            errors.append(LineError("chorus_commitment", "chorus-number", f"{commitment!r} is not a Chorus number"))
    if errors or not decides(read):
        return read
    if read.decided_cents is None and read.decision is None:
        errors.append(
            LineError("decided_amount", "required", "a decision's date or Chorus EJ comes with its amount or decision")
        )
    elif read.dauphin_code is None and not (read.siret and read.year and read.title):
        errors.append(LineError("dauphin_number", "key-required", "a Dauphin number, or SIRET + year + title"))
    return read
