"""Writing spreadsheets (XLSX, CSV) that are safe to open: the one export writer.

Cells come from sellers, buyers and platforms (order ids, stream titles, notes). A text starting
with ``= + - @`` (or a tab / carriage return, which some programs strip first) is read by Excel, WPS
and LibreOffice as a formula — ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` (DDE) runs when a
carrier opens the peak notice. Such text is written with a leading ``'`` (OWASP's advice for CSV
injection), so it shows as the text it is. Numbers written as numbers are untouched, and so is
text made only of digits, signs and separators (``-12.30``, ``+4.1%``): it cannot call anything.

Every export goes through ``safe_cell`` — via ``append_row`` for openpyxl sheets and ``CsvWriter``
for CSV — so a new export is safe by using the same two helpers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC_TEXT = re.compile(r"^[-+\d\s.,%()¥￥]+$")


def safe_cell(value: Any) -> Any:
    """The value to write: text that a spreadsheet would take for a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMERIC_TEXT.match(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def append_row(sheet: Any, row: Iterable[Any]) -> None:
    """``sheet.append`` (openpyxl) with every cell neutralised."""
    sheet.append(safe_row(row))


class CsvWriter:
    """``csv.writer`` with every cell neutralised."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
