"""Our streaming XLSX writer against XlsxWriter's `constant_memory` mode, on a programmation-sized sheet
(22,000 rows of 51 cells: text, amounts, dates, integers), in-process, median of 3.

    .venv/bin/python -m bench.xlsx
"""

from __future__ import annotations

import io
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal

import xlsxwriter

from services.grants.spreadsheet import Cell, write_xlsx

ROWS, COLUMNS = 22_000, 51


def rows() -> Iterator[Sequence[Cell]]:
    generator = random.Random(7)
    yield [f"Colonne {index}" for index in range(COLUMNS)]
    for row in range(ROWS):
        cells: list[Cell] = []
        for index in range(COLUMNS):
            if index % 3 == 0:
                cells.append(f"Action {row} texte {index}")
            elif index % 3 == 1:
                cells.append(Decimal(generator.randint(0, 10**7)) / 100)
            elif index % 6 == 2:
                cells.append(date(2025, 1 + row % 12, 1))
            else:
                cells.append(row * index)
        yield cells


def ours() -> int:
    target = io.BytesIO()
    write_xlsx(target, [("Programmation", rows())])
    return len(target.getvalue())


def xlsxwriter_constant_memory() -> int:
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet("Programmation")
    bold, day = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"num_format": "0.00"})
    for row, cells in enumerate(rows()):
        for column, value in enumerate(cells):
            if row == 0:
                sheet.write_string(row, column, str(value), bold)
            elif isinstance(value, str):
                sheet.write_string(row, column, value)
            elif isinstance(value, Decimal):
                sheet.write_number(row, column, float(value), money)
            elif isinstance(value, date):
                sheet.write_datetime(row, column, value, day)
            elif isinstance(value, int):
                sheet.write_number(row, column, value)
    workbook.close()
    return len(target.getvalue())


def measure(write: Callable[[], int]) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        size = write()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), size


def main() -> None:
    print(f"| writer ({ROWS:,} rows × {COLUMNS} cells) | median of 3 | file | peak RSS so far |")
    print("|---|---|---|---|")
    writers = (
        ("ours (services/grants/spreadsheet.py)", ours),
        ("XlsxWriter constant_memory", xlsxwriter_constant_memory),
    )
    for name, write in writers:
        seconds, size = measure(write)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"| {name} | {seconds:.2f} s | {size / 1e6:.1f} MB | {peak} MB |", flush=True)


if __name__ == "__main__":
    main()
