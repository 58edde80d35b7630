"""One CSV reader for every upload: encodings, line ends, quotes, delimiters and per-line errors."""

from __future__ import annotations

import csv

import pytest

from kit.csv_uploads import CsvFileError, CsvLineError, CsvUpload, decode, delimiter_of

ROWS = [(2, ["a", "1"]), (3, ["b", "2"]), (4, ["c", "3"])]


def _read(content: bytes | str) -> list[tuple[int, list[str]] | CsvLineError]:
    return list(CsvUpload(content))


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "lone-cr"])
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "text"])
def test_every_line_ending(ending: str, as_bytes: bool) -> None:
    text = ending.join(["id,n", "a,1", "b,2", "c,3"]) + ending
    upload = CsvUpload(text.encode() if as_bytes else text)
    assert upload.header == ["id", "n"]
    assert list(upload) == ROWS


def test_mixed_line_endings_and_no_final_line_end() -> None:
    assert _read("id,n\r\na,1\rb,2\nc,3") == ROWS


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "lone-cr"])
def test_a_quoted_cell_keeps_its_line_breaks_and_the_row_its_first_line(ending: str) -> None:
    text = ending.join(["id,note", f'a,"two{ending}lines"', "b,plain", ""])
    assert _read(text) == [(2, ["a", f"two{ending}lines"]), (4, ["b", "plain"])]


def test_quotes_protect_delimiters_and_double_quotes() -> None:
    text = 'id;label\n"x;1";"a ""quoted"" word"\n'
    upload = CsvUpload(text)
    assert upload.delimiter == ";"
    assert list(upload) == [(2, ["x;1", 'a "quoted" word'])]


def test_byte_order_mark_is_dropped_from_bytes_and_text() -> None:
    assert CsvUpload("\ufeffid,n\na,1\n".encode()).header == ["id", "n"]
    assert CsvUpload("\ufeffid,n\na,1\n").header == ["id", "n"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("id,lat,lon", ","), ("id;lat;lon", ";"), ('"a,b";c;d', ";"), ('"a;b",c', ","), ("single", ",")],
)
def test_delimiter_is_the_one_that_cuts_the_header_into_most_cells(header: str, expected: str) -> None:
    assert delimiter_of(header) == expected


def test_delimiter_comes_from_the_header_not_from_decimal_commas_below_it() -> None:
    upload = CsvUpload("id;lat;lon\na;50,29;2,77\nb;50,3;2,8\n")
    assert upload.delimiter == ";"
    assert list(upload) == [(2, ["a", "50,29", "2,77"]), (3, ["b", "50,3", "2,8"])]


def test_a_caller_chooses_its_candidates_and_its_header_rule() -> None:
    upload = CsvUpload(b"Code SIRET\tExercice\n1\t2025\n", delimiters=";,\t", header=str.lower)
    assert (upload.delimiter, upload.header) == ("\t", ["code siret", "exercice"])
    assert upload.missing(["exercice", "montant", "intitule"]) == ["montant", "intitule"]


def test_blank_lines_are_skipped_and_numbering_counts_them() -> None:
    assert _read("id,n\n\na,1\n , \nb,2\n") == [(3, ["a", "1"]), (5, ["b", "2"])]


def test_bad_lines_are_reported_with_their_number_and_the_rest_is_read() -> None:
    rows = _read("id,n\na,1\nb\nc,3,extra\nd,4\nnul,\x00\n")
    assert rows[0] == (2, ["a", "1"])
    assert rows[1] == CsvLineError(3, "line", "csv-syntax", "expected 2 columns, found 1", ("b",))
    assert rows[2] == CsvLineError(4, "line", "csv-syntax", "expected 2 columns, found 3", ("c", "3", "extra"))
    assert rows[3] == (5, ["d", "4"])
    assert isinstance(rows[4], CsvLineError)
    assert (rows[4].line, rows[4].field, rows[4].rule) == (6, "line", "text")
    assert len(rows) == 5


def test_a_line_the_csv_module_cannot_parse_is_a_line_error_and_reading_goes_on() -> None:
    limit = csv.field_size_limit()
    text = "id,n\na,1\nb," + "x" * (limit + 1) + "\nc,3\n"
    rows = _read(text)
    assert rows[0] == (2, ["a", "1"])
    assert isinstance(rows[1], CsvLineError)
    assert (rows[1].line, rows[1].rule) == (3, "csv-syntax")
    assert "field larger than field limit" in rows[1].message
    assert rows[-1] == (4, ["c", "3"])


def test_not_utf8_is_refused_as_a_whole_naming_the_rule() -> None:
    with pytest.raises(CsvFileError, match="UTF-8") as refused:
        CsvUpload("id,nom\n1,Société\n".encode("cp1252"))
    assert refused.value.rule == "utf-8"


def test_a_legacy_encoding_is_read_when_the_caller_accepts_it() -> None:
    assert decode("Intitulé;Montant\n".encode("cp1252"), fallback_encoding="cp1252") == "Intitulé;Montant\n"
    upload = CsvUpload("Intitulé;Montant\nCafé;12\n".encode("cp1252"), fallback_encoding="cp1252")
    assert list(upload) == [(2, ["Café", "12"])]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", "\n\nid,n\n", "   \r\nid,n\r\n"])
def test_no_header_line_refuses_the_file(content: bytes | str) -> None:
    with pytest.raises(CsvFileError) as refused:
        CsvUpload(content)
    assert refused.value.rule == "header-line"


def test_rows_are_read_lazily_once() -> None:
    upload = CsvUpload("id\na\nb\n")
    assert list(upload) == [(2, ["a"]), (3, ["b"])]
    assert list(upload) == []
