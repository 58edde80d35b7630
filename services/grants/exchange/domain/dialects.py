"""The two ways the programmation's CSV is written, and a decisions file's text cells read: "CSV: UTF-8 with
BOM, `;` separator (French Excel), `.` decimal (as SCDL) — or `,` decimal if the prefecture asks; make it
configurable" (research/grants.md §4.2, Formats).

- `exchange`, the default: what the prefecture's tools read (research/grants.md §4.2): dot decimals (as the
  SCDL writes amounts), ISO 8601 dates, the columns' stable keys as headers, the values' codes.
- `tableur-fr`: what a French spreadsheet opens right by a double click, and writes back when it saves
  (Excel or LibreOffice in a French locale): decimal comma, dates DD/MM/YYYY, each code as the formula
  ="…" so that it stays text, the columns' French labels as headers, the values in French words.
"""

from __future__ import annotations

from enum import StrEnum


class Dialect(StrEnum):
    EXCHANGE = "exchange"
    TABLEUR_FR = "tableur-fr"
