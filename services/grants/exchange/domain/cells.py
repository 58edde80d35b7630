"""The cells of the files the exchange imports (the prefecture's decisions, the Dauphin requests), read the
same way whatever the file: headers found through aliases, text cells read in the file's dialect
(dialects.py), amounts and dates checked strictly, each broken rule a per-line error naming its column."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from services.grants.errors import RuleViolationError
from services.grants.exchange.domain.dialects import Dialect
from services.grants.operators.domain import check_siret

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
# Dauphin's number of a file (research/grants.md §1.2): DA, the 8 digits of its action, the request's rank.
_DAUPHIN_FULL = re.compile(r"^DA([0-9]{8})-[0-9]{1,3}$")
_DAUPHIN_CODE = re.compile(r"^(?:DA)?([0-9]{8})$")


@dataclass(frozen=True, slots=True)
class LineError:
    field: str
    rule: str
    message: str


@dataclass(slots=True)
class FileLine:
    """One data line of an imported file: where it is, its raw cells, the rules it breaks."""

    line: int
    sheet: str | None
    row: int
    raw: dict[str, Any]
    errors: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class ActionLine(FileLine):
    """A line about one action's application: the keys it is found by (Dauphin number, SIRET, year, title)."""

    dauphin_number: str | None = None
    dauphin_code: str | None = None
    siret: str | None = None
    year: int | None = None
    title: str | None = None


@lru_cache(maxsize=1 << 16)
def folded(text: str) -> str:
    """Headers and titles compared without case, accents, punctuation or repeated spaces (remembered: a
    file repeats its financers' names and each request's title on every line of it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def columns_found(
    headers: Sequence[str], fields: Iterable[str], *spellings: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """field → column index, from the first header one of the field's spellings names (`spellings` tried in
    their order: a contract's own before the defaults)."""
    by_header = {folded(header): index for index, header in reversed(list(enumerate(headers))) if header}
    found: dict[str, int] = {}
    for name in fields:
        for alias in (alias for aliases in spellings for alias in aliases.get(name, ())):
            if folded(alias) in by_header:
                found[name] = by_header[folded(alias)]
                break
    return found


def cell_text(value: Any) -> str:
    """A cell as text: a spreadsheet's whole number without its ".0", the text inside ="…"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    wrapped = _FORMULA_TEXT.fullmatch(text)
    return text if wrapped is None else wrapped.group(1).replace('""', '"').strip()


def _french_amount(text: str, errors: list[LineError], field: str) -> int | None:
    if _FRENCH_AMOUNT.fullmatch(text):
        return int(Decimal("".join(text.split()).replace(",", ".")) * 100)
    if _AMOUNT.fullmatch(text):
        errors.append(LineError(field, "comma-decimal", f"{text!r}: in a tableur-fr file, 1234,56 (decimal comma)"))
    else:
        errors.append(LineError(field, "amount-format", f"{text!r} is not euros, e.g. 1 234,56"))
    return None


def amount_cents(value: Any, errors: list[LineError], dialect: Dialect, field: str) -> int | None:
    """Euros in cents: a typed number (XLSX), else text as `dialect` writes it (exchange: 1234.56;
    tableur-fr: 1234,56 or 1 234,56). None for an empty cell; a broken rule is added to `errors`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append(LineError(field, "amount-format", "an amount, not a yes/no"))
        return None
    if isinstance(value, int | float | Decimal):
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            exact = Decimal(-1)
        if exact < 0 or exact != exact.quantize(Decimal("0.01")):
            errors.append(LineError(field, "amount-format", f"{value} is not euros with 2 decimals"))
            return None
        return int(exact * 100)
    text = cell_text(value)
    if dialect is Dialect.TABLEUR_FR:
        return _french_amount(text, errors, field)
    if _AMOUNT.fullmatch(text):
        return int(Decimal(text) * 100)
    if _GROUPED.fullmatch(text):
        errors.append(LineError(field, "no-thousands-separator", f"{text!r}: write 1234.56, without grouping"))
    elif re.fullmatch(r"[0-9]+,[0-9]{1,2}", text):
        errors.append(
            LineError(
                field,
                "dot-decimal",
                f"{text!r}: decimals take a dot, e.g. 1234.56 (a file saved by a French spreadsheet: tableur-fr)",
            )
        )
    else:
        errors.append(LineError(field, "amount-format", f"{text!r} is not euros, e.g. 1234.56"))
    return None


def day_of(value: Any, errors: list[LineError], dialect: Dialect, field: str) -> date | None:
    """A date: a typed one (XLSX), else YYYY-MM-DD (exchange) or DD/MM/YYYY (tableur-fr)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    day = _day_of_text(text, dialect)
    if day is not None:
        return day
    if dialect is Dialect.TABLEUR_FR:
        errors.append(LineError(field, "french-date", f"{text!r}: dates are written DD/MM/YYYY"))
    else:
        errors.append(LineError(field, "iso-date", f"{text!r}: dates are written YYYY-MM-DD"))
    return None


@lru_cache(maxsize=1 << 12)
def _day_of_text(text: str, dialect: Dialect) -> date | None:
    """The date a text writes in `dialect`, if it is one (remembered: a file's lines share few dates)."""
    french = _FRENCH_DATE.fullmatch(text) if dialect is Dialect.TABLEUR_FR else None
    try:
        if french:
            return date(int(french.group(3)), int(french.group(2)), int(french.group(1)))
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def dauphin_reference(value: Any, errors: list[LineError]) -> tuple[str | None, str | None]:
    """(the full Dauphin number, its action's 8-digit code): DA + 8 digits + -n, or the 8 digits alone."""
    number = cell_text(value).upper().replace(" ", "")
    if not number:
        return None, None
    full, code = _DAUPHIN_FULL.fullmatch(number), _DAUPHIN_CODE.fullmatch(number)
    if full:
        return number, full.group(1)
    if code:
        return None, code.group(1)
    errors.append(LineError("dauphin_number", "dauphin-number", f"{number!r}: DA + 8 digits + -n, or 8 digits"))
    return None, None


def siret_of(value: Any, errors: list[LineError]) -> str | None:
    """A SIRET with its keys checked; "732 829 320 00074", spaced as French Excel may write it, too."""
    siret = "".join(cell_text(value).split())
    if not siret:
        return None
    broken = _siret_broken(siret)
    if broken is not None:
        errors.append(broken)
        return None
    return siret


@lru_cache(maxsize=1 << 16)
def _siret_broken(siret: str) -> LineError | None:
    """The rule a SIRET breaks, if any (remembered: an operator's SIRET stands on each of its lines)."""
    try:
        check_siret(siret)
    except RuleViolationError as broken:
        return LineError("siret", broken.rule, str(broken))
    return None


def year_of(value: Any, errors: list[LineError]) -> int | None:
    year = cell_text(value)
    if not year:
        return None
    if re.fullmatch(r"[0-9]{4}", year):
        return int(year)
    errors.append(LineError("year", "year-format", f"{year!r}: a year is 4 digits"))
    return None
