"""Uploaded CSV files, read one way by every import, whichever spreadsheet or system wrote them.

- Bytes or text in; UTF-8 with or without the byte-order mark Excel writes. A caller may accept one legacy
  encoding besides (Dauphin's and Excel's French exports are Windows-1252); otherwise a file that is not
  UTF-8 is refused as a whole.
- Lines end in CRLF (Windows), LF, or a lone CR (Excel for Mac before 2016 still writes "CSV (Mac)"), even
  mixed in one file; a quoted cell keeps the line breaks it holds (RFC 4180 §2.6). The csv module reads all
  of them when its source is opened with `newline=""` (its documentation's footnote): a lone CR read by
  `str.splitlines` or a default `StringIO` made whole files one line.
- `,` or `;` (French Excel, whose decimal separator is the comma) is the one of the candidates that cuts
  the header line into the most cells.
- Each data row comes with the number of the line it starts on (the header is line 1); blank lines are
  skipped; a row that cannot be read (broken quoting, a cell count other than the header's, a NUL
  character) is reported as a `CsvLineError`, never raised, so that an import can report every line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass


class CsvFileError(Exception):
    """The file as a whole cannot be read (not UTF-8, no header line): nothing in it is taken. `rule` names
    the rule broken for the problem document."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class CsvLineError:
    """One line the reader could not turn into a row; `cells`: what it could read of it, if anything."""

    line: int
    field: str
    rule: str
    message: str
    cells: tuple[str, ...] = ()


def decode(content: bytes | str, fallback_encoding: str | None = None) -> str:
    """The text of an upload, without its byte-order mark. Bytes that are not UTF-8 are read in
    `fallback_encoding` when one is given (undecodable bytes replaced), refused otherwise."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if fallback_encoding is not None:
            return content.decode(fallback_encoding, errors="replace")
        raise CsvFileError(
            "utf-8", f"the file must be UTF-8 encoded (byte {error.start + 1} is not): save it as CSV UTF-8"
        ) from None


def _cells_of(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def delimiter_of(header_line: str, candidates: str = ",;") -> str:
    """The candidate that cuts the header line into the most cells; on a tie, the first candidate."""
    return max(candidates, key=lambda candidate: _cells_of(header_line, candidate))


def _blank(cells: Sequence[str]) -> bool:
    return all(not cell or cell.isspace() for cell in cells)


class CsvUpload:
    """A CSV upload's header (each name normalised by the caller's rule) and, once, its rows.

    Iterating yields `(line, cells)` for each row of the header's width and a `CsvLineError` for each line
    that cannot be read, in file order.
    """

    def __init__(
        self,
        content: bytes | str,
        *,
        header: Callable[[str], str] = str.strip,
        delimiters: str = ",;",
        fallback_encoding: str | None = None,
    ) -> None:
        text = decode(content, fallback_encoding)
        source = io.StringIO(text, newline="")
        first_line = source.readline()
        source.seek(0)
        if not first_line.strip():
            raise CsvFileError("header-line", "the file is empty or starts with a blank line: a header is expected")
        self.delimiter = delimiter_of(first_line, delimiters)
        self._reader = csv.reader(source, delimiter=self.delimiter)
        try:
            names = next(self._reader)
        except csv.Error as error:
            raise CsvFileError("header-line", f"the header line cannot be read: {error}") from None
        self.header = [header(name) for name in names]
        # A NUL is never data (PostgreSQL text cannot hold one): one scan of the file spares a scan per row.
        self._may_hold_nul = "\x00" in text

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required column names the header lacks, in the order given."""
        present = set(self.header)
        return [name for name in required if name not in present]

    def __iter__(self) -> Iterator[tuple[int, list[str]] | CsvLineError]:
        reader = self._reader
        width = len(self.header)
        previous = reader.line_num
        while True:
            try:
                # The for loop is the fast path; a broken line ends it and it resumes on the next line.
                for cells in reader:
                    line = previous + 1
                    previous = reader.line_num
                    if len(cells) != width:
                        if not _blank(cells):
                            yield CsvLineError(
                                line,
                                "line",
                                "csv-syntax",
                                f"expected {width} columns, found {len(cells)}",
                                tuple(cells),
                            )
                        continue
                    if not cells[0].strip() and _blank(cells):
                        continue
                    if self._may_hold_nul and any("\x00" in cell for cell in cells):
                        yield CsvLineError(line, "line", "text", "the line holds a NUL character", tuple(cells))
                        continue
                    yield line, cells
                return
            except csv.Error as error:
                yield CsvLineError(previous + 1, "line", "csv-syntax", str(error))
                previous = reader.line_num
