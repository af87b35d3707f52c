"""Writing the synthetic sheets to an .xlsx file as the real export stores them (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from defasagem.data.synth.targets import (
    DATE_FORMATS,
    HEADERS,
    NUMBER_FORMATS,
    SHEET_NAMES,
    YEARS,
)
from defasagem.files import write_atomically


def _cell(ws: WriteOnlyWorksheet, value: object, number_format: str | None) -> object:
    """A cell as the real export stores it: '#N/A'/'#DIV/0!' become error cells (openpyxl
    does that for these exact strings), dates carry a date format, numbers their format."""
    if value is None or (number_format is None and not isinstance(value, float)):
        return value
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # cell values are scalars
    if number_format is not None:
        cell.number_format = number_format
    return cell


def write_workbook(path: Path, columns: Mapping[int, Mapping[str, list[object]]]) -> None:
    """Write the three sheets with openpyxl's streaming (write-only) writer."""
    workbook = Workbook(write_only=True)
    for year in YEARS:
        ws = workbook.create_sheet(SHEET_NAMES[year])
        header = HEADERS[year]
        n = len(columns[year]["RA"])
        data = [columns[year].get(h, [None] * n) for h in header]
        formats = [NUMBER_FORMATS[year].get(h) for h in header]
        date_format = DATE_FORMATS.get(year, "mm-dd-yy")
        ws.append(list(header))
        for i in range(n):
            ws.append(
                [
                    _cell(ws, col[i], date_format if isinstance(col[i], datetime) else fmt)
                    for col, fmt in zip(data, formats, strict=True)
                ]
            )
        if year == 2022:  # the real sheet ends with one formatted but empty row
            ws.append([_empty_formatted(ws) for _ in header])
    # Built in memory first: a failed write (read-only folder, full disk) leaves nothing behind.
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomically(path, lambda tmp: tmp.write_bytes(buffer.getvalue()))


def _empty_formatted(ws: WriteOnlyWorksheet) -> object:
    cell = WriteOnlyCell(ws, value=None)
    cell.number_format = "0"
    return cell
