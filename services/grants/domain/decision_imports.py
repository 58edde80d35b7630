"""Decisions imported from the prefecture's files (Dauphin, GISPRO extracts, our own export edited): columns
found through header aliases, every cell checked strictly, each line matched to an application (Dauphin
number, then SIRET + year + normalised title, else the manual queue) and compared with what we hold:
what is missing is set, what differs is a divergence reported and never overwritten silently."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from services.grants.errors import RuleViolationError
from services.grants.money import spaced
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
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
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

    def parsed(self) -> dict[str, Any]:
        return {
            "dauphinNumber": self.dauphin_number,
            "dauphinCode": self.dauphin_code,
            "siret": self.siret,
            "year": self.year,
            "title": self.title,
            "decidedCents": self.decided_cents,
            "decision": self.decision,
            "decisionDate": None if self.decision_date is None else self.decision_date.isoformat(),
            "chorusCommitment": self.chorus_commitment,
        }

    @classmethod
    def from_parsed(cls, line: int, parsed: Mapping[str, Any]) -> DecisionLine:
        """The line again from what `parsed()` kept (a stored line resolved later)."""
        day = parsed["decisionDate"]
        return cls(
            line=line,
            sheet=None,
            row=line,
            raw={},
            dauphin_number=parsed["dauphinNumber"],
            dauphin_code=parsed["dauphinCode"],
            siret=parsed["siret"],
            year=parsed["year"],
            title=parsed["title"],
            decided_cents=parsed["decidedCents"],
            decision=parsed["decision"],
            decision_date=None if day is None else date.fromisoformat(day),
            chorus_commitment=parsed["chorusCommitment"],
        )


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
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _amount(value: Any, errors: list[LineError]) -> int | None:
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
    text = str(value).strip()
    if _AMOUNT.fullmatch(text):
        return int(Decimal(text) * 100)
    if _GROUPED.fullmatch(text):
        errors.append(
            LineError("decided_amount", "no-thousands-separator", f"{text!r}: write 1234.56, without grouping")
        )
    elif re.fullmatch(r"[0-9]+,[0-9]{1,2}", text):
        errors.append(LineError("decided_amount", "dot-decimal", f"{text!r}: decimals take a dot, e.g. 1234.56"))
    else:
        errors.append(LineError("decided_amount", "amount-format", f"{text!r} is not euros, e.g. 1234.56"))
    return None


def _date(value: Any, errors: list[LineError]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(LineError("decision_date", "iso-date", f"{text!r}: dates are written YYYY-MM-DD"))
    return None


def read_line(line: int, sheet: str | None, row: int, raw: dict[str, Any], cells: Mapping[str, Any]) -> DecisionLine:
    """`cells`: field → the cell's value (text from CSV; numbers and dates as typed in XLSX)."""
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
    read.decided_cents = _amount(cells.get("decided_amount"), errors)
    decision = _text(cells.get("decision"))
    if decision:
        read.decision = DECISIONS.get(folded(decision))
        if read.decision is None:
            errors.append(
                LineError("decision", "decision-value", f"{decision!r}: granted/Votée, refused/Rejetée, sans suite")
            )
    read.decision_date = _date(cells.get("decision_date"), errors)
    written = _text(cells.get("chorus_commitment"))
    commitment = written.upper()
    if commitment:
        # ASCII checked before the upper case: "ſ".upper() is "S".
        if written.isascii() and _CHORUS.fullmatch(commitment):
            read.chorus_commitment = commitment
        else:
            errors.append(LineError("chorus_commitment", "chorus-number", f"{commitment!r} is not a Chorus number"))
    if read.decided_cents is None and read.decision is None and not errors:
        errors.append(LineError("decided_amount", "required", "the line gives neither an amount nor a decision"))
    if read.dauphin_code is None and not (read.siret and read.year and read.title) and not errors:
        errors.append(LineError("dauphin_number", "key-required", "a Dauphin number, or SIRET + year + title"))
    return read


@dataclass(frozen=True, slots=True)
class Held:
    """What we hold of one application and its State (P147) line."""

    application_id: uuid.UUID
    state: str
    dauphin_number: str | None
    siret: str
    year: int
    title: str
    requested_cents: int | None  # None: no P147 line
    decided_cents: int | None
    decision: str | None
    decided_on: date | None
    chorus_commitment: str | None


class LineStatus(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    DIVERGENT = "divergent"
    UNMATCHED = "unmatched"
    ERROR = "error"
    RESOLVED_APPLIED = "resolved_applied"
    RESOLVED_KEPT = "resolved_kept"


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    ours: Any
    theirs: Any
    divergent: bool

    def document(self) -> dict[str, Any]:
        return {"field": self.field, "ours": self.ours, "theirs": self.theirs, "divergent": self.divergent}


def status_of(changes: Sequence[Change]) -> LineStatus:
    """A matched line without errors: divergent, else applied when it changes anything."""
    if any(change.divergent for change in changes):
        return LineStatus.DIVERGENT
    return LineStatus.APPLIED if changes else LineStatus.UNCHANGED


# A decision can be recorded on the State's line from the submission on (as the financer's own PATCH).
DECIDABLE_STATES = frozenset({"submitted", "receivable", "under_instruction", "proposed", "decided", "notified"})


def compare(line: DecisionLine, held: Held) -> tuple[list[Change], list[LineError]]:
    """What the line would change: a value we lack is set, a value that differs is a divergence."""
    errors: list[LineError] = []
    if held.requested_cents is None:
        errors.append(LineError("application", "state-line", "the application has no line of the State (P147)"))
        return [], errors
    changes: list[Change] = []

    def against(name: str, ours: Any, theirs: Any) -> None:
        if theirs is not None and theirs != ours:
            changes.append(Change(name, ours, theirs, divergent=ours is not None))

    decided = line.decided_cents
    if line.decision in {"refused", "no_follow_up"} and decided is None:
        decided = 0
    if decided is not None and decided > held.requested_cents:
        errors.append(
            LineError(
                "decided_amount",
                "within-requested",
                f"{spaced(decided)} decided > {spaced(held.requested_cents)} requested",
            )
        )
    against("decided_amount", held.decided_cents, decided)
    implied = None if decided is None else "granted" if decided else "refused"
    against("decision", held.decision, line.decision or implied)
    against("decision_date", _iso(held.decided_on), _iso(line.decision_date))
    against("chorus_commitment", held.chorus_commitment, line.chorus_commitment)
    against("dauphin_number", held.dauphin_number, line.dauphin_number)
    if changes and held.state not in DECIDABLE_STATES and any(not change.divergent for change in changes):
        errors.append(LineError("application", "not-decidable", f"the application is {held.state}"))
    return changes, errors


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(slots=True)
class Matcher:
    """Applications found by Dauphin number, full or 8-digit code, else by SIRET + year + folded title."""

    by_number: dict[str, list[Held]] = field(default_factory=dict)
    by_code: dict[str, list[Held]] = field(default_factory=dict)
    by_identity: dict[tuple[str, int, str], list[Held]] = field(default_factory=dict)

    @classmethod
    def of(cls, held: Iterable[Held]) -> Matcher:
        matcher = cls()
        for item in held:
            if item.dauphin_number:
                matcher.by_number.setdefault(item.dauphin_number, []).append(item)
                matcher.by_code.setdefault(item.dauphin_number[2:10], []).append(item)
            matcher.by_identity.setdefault((item.siret, item.year, folded(item.title)), []).append(item)
        return matcher

    def match(self, line: DecisionLine) -> tuple[Held | None, str | None, LineError | None]:
        """(application, how it was matched, or why the line is ambiguous)."""
        if line.dauphin_code is not None:
            found = (
                self.by_number.get(line.dauphin_number, [])
                if line.dauphin_number
                else self.by_code.get(line.dauphin_code, [])
            )
            if len(found) > 1:
                return (
                    None,
                    None,
                    LineError(
                        "dauphin_number",
                        "ambiguous-match",
                        f"{line.dauphin_number or line.dauphin_code} matches {len(found)} applications",
                    ),
                )
            if found:
                return found[0], "dauphin_number", None
        if line.siret and line.year and line.title:
            found = self.by_identity.get((line.siret, line.year, folded(line.title)), [])
            if len(found) > 1:
                return (
                    None,
                    None,
                    LineError("title", "ambiguous-match", f"SIRET, year and title match {len(found)} applications"),
                )
            if found:
                return found[0], "siret_year_title", None
        return None, None, None


def duplicate_key(line: DecisionLine) -> tuple[Any, ...] | None:
    if line.dauphin_number or line.dauphin_code:
        return ("dauphin", line.dauphin_number or line.dauphin_code)
    if line.siret and line.year and line.title:
        return ("identity", line.siret, line.year, folded(line.title))
    return None
