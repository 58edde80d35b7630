"""The files of decisions the prefecture sends (Dauphin, GISPRO extracts, a Chorus extract of commitments,
our own export edited, research/grants.md §4.3): their columns found through header aliases, every cell of
a line checked strictly, text cells read in the file's dialect (dialects.py). A line that gives none of a
decision's values decides nothing: our own export returned untouched holds one for each application not
decided yet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.dialects import Dialect
from services.grants.operators.domain import check_siret

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
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_GROUPED = re.compile(r"^[0-9]{1,3}([ \u00a0\u202f.,'][0-9]{3})+([.,][0-9]{1,2})?$")
# A French spreadsheet writes a decimal comma, and groups thousands by a space (a no-break one in Excel)
# when the cell's format asks it: unambiguous, since the comma is never a grouping sign in French.
_FRENCH_AMOUNT = re.compile(r"^([0-9]{1,12}|[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+)(,[0-9]{1,2})?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_FRENCH_DATE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
# ="00552013500137": a code the way the tableur-fr CSV writes it, kept as is by LibreOffice (which does not
# evaluate formulas of a file it opens, unless told) and by whoever copies it out of a cell.
_FORMULA_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)
_DAUPHIN_FULL = re.compile(r"^DA([0-9]{8})-[0-9]{1,3}$")
_DAUPHIN_CODE = re.compile(r"^(?:DA)?([0-9]{8})$")
_CHORUS = re.compile(r"^[A-Z0-9_+/-]{1,20}$")


def folded(text: str) -> str:
    """Headers and titles compared without case, accents, punctuation or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


@dataclass(frozen=True, slots=True)
class LineError:
    field: str
    rule: str
    message: str


@dataclass(slots=True)
class DecisionLine:
    """One data line of the file: where it is, its raw cells and what they mean once checked."""

    line: int
    sheet: str | None
    row: int
    raw: dict[str, Any]
    dauphin_number: str | None = None
    dauphin_code: str | None = None
    siret: str | None = None
    year: int | None = None
    title: str | None = None
    decided_cents: int | None = None
    decision: str | None = None
    decision_date: date | None = None
    chorus_commitment: str | None = None
    errors: list[LineError] = field(default_factory=list)


def column_map(headers: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """field → column index, from the first header spelling each field's aliases allow."""
    by_header = {folded(header): index for index, header in reversed(list(enumerate(headers))) if header}
    found: dict[str, int] = {}
    for name in FIELDS:
        for alias in (*aliases.get(name, ()), *DEFAULT_ALIASES[name]):
            if folded(alias) in by_header:
                found[name] = by_header[folded(alias)]
                break
    return found


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


def _text(value: Any) -> str:
    """A cell as text: a spreadsheet's whole number without its ".0", the text inside ="…"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    wrapped = _FORMULA_TEXT.fullmatch(text)
    return text if wrapped is None else wrapped.group(1).replace('""', '"').strip()


def _french_amount(text: str, errors: list[LineError]) -> int | None:
    if _FRENCH_AMOUNT.fullmatch(text):
        return int(Decimal("".join(text.split()).replace(",", ".")) * 100)
    if _AMOUNT.fullmatch(text):
        errors.append(
            LineError("decided_amount", "comma-decimal", f"{text!r}: in a tableur-fr file, 1234,56 (decimal comma)")
        )
    else:
        errors.append(LineError("decided_amount", "amount-format", f"{text!r} is not euros, e.g. 1234,56"))
    return None


def _amount(value: Any, errors: list[LineError], dialect: Dialect) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append(LineError("decided_amount", "amount-format", "an amount, not a yes/no"))
        return None
    if isinstance(value, int | float | Decimal):
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            exact = Decimal(-1)
        if exact < 0 or exact != exact.quantize(Decimal("0.01")):
            errors.append(LineError("decided_amount", "amount-format", f"{value} is not euros with 2 decimals"))
            return None
        return int(exact * 100)
    text = _text(value)
    if dialect is Dialect.TABLEUR_FR:
        return _french_amount(text, errors)
    if _AMOUNT.fullmatch(text):
        return int(Decimal(text) * 100)
    if _GROUPED.fullmatch(text):
        errors.append(
            LineError("decided_amount", "no-thousands-separator", f"{text!r}: write 1234.56, without grouping")
        )
    elif re.fullmatch(r"[0-9]+,[0-9]{1,2}", text):
        errors.append(
            LineError(
                "decided_amount",
                "dot-decimal",
                f"{text!r}: decimals take a dot, e.g. 1234.56 (a file saved by a French spreadsheet: tableur-fr)",
            )
        )
    else:
        errors.append(LineError("decided_amount", "amount-format", f"{text!r} is not euros, e.g. 1234.56"))
    return None


def _date(value: Any, errors: list[LineError], dialect: Dialect) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    french = _FRENCH_DATE.fullmatch(text) if dialect is Dialect.TABLEUR_FR else None
    try:
        if french:
            return date(int(french.group(3)), int(french.group(2)), int(french.group(1)))
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    if dialect is Dialect.TABLEUR_FR:
        errors.append(LineError("decision_date", "french-date", f"{text!r}: dates are written DD/MM/YYYY"))
    else:
        errors.append(LineError("decision_date", "iso-date", f"{text!r}: dates are written YYYY-MM-DD"))
    return None


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
    number = _text(cells.get("dauphin_number")).upper().replace(" ", "")
    if number:
        full, code = _DAUPHIN_FULL.fullmatch(number), _DAUPHIN_CODE.fullmatch(number)
        if full:
            read.dauphin_number, read.dauphin_code = number, full.group(1)
        elif code:
            read.dauphin_code = code.group(1)
        else:
            errors.append(LineError("dauphin_number", "dauphin-number", f"{number!r}: DA + 8 digits + -n, or 8 digits"))
    siret = "".join(_text(cells.get("siret")).split())  # "732 829 320 00074", spaced as French Excel may
    if siret:
        try:
            check_siret(siret)
            read.siret = siret
        except RuleViolationError as broken:
            errors.append(LineError("siret", broken.rule, str(broken)))
    year = _text(cells.get("year"))
    if year:
        if re.fullmatch(r"[0-9]{4}", year):
            read.year = int(year)
        else:
            errors.append(LineError("year", "year-format", f"{year!r}: a year is 4 digits"))
    title = _text(cells.get("title"))
    read.title = title or None
    read.decided_cents = _amount(cells.get("decided_amount"), errors, dialect)
    decision = _text(cells.get("decision"))
    if decision:
        read.decision = DECISIONS.get(folded(decision))
        if read.decision is None:
            errors.append(
                LineError("decision", "decision-value", f"{decision!r}: granted/Votée, refused/Rejetée, sans suite")
            )
    read.decision_date = _date(cells.get("decision_date"), errors, dialect)
    written = _text(cells.get("chorus_commitment"))
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
