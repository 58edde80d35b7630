"""The tables of an imported file, read as wide as their headers."""

from __future__ import annotations

import io

from openpyxl import Workbook

from services.grants.exchange.use_cases.tables import XLSX_TYPES, _tables


def test_a_sheet_is_read_as_wide_as_its_header_and_without_its_empty_rows() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["N° Dauphin", "Montant"])
    sheet.append(["DA00012345-1", 1000])
    for row in range(3, 3003):  # a cell in the last column of each row: 16,384 cells a row once
        sheet.cell(row=row, column=16384, value="x")
    sheet.append(["DA00012345-2", 2000])
    content = io.BytesIO()
    book.save(content)
    [(_, header, rows)] = _tables(content.getvalue(), next(iter(XLSX_TYPES)), headers_only=False)
    assert header == ["N° Dauphin", "Montant"]
    assert rows == [(2, ["DA00012345-1", 1000]), (3003, ["DA00012345-2", 2000])]
