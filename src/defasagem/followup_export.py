"""The follow-up record as a spreadsheet: what ``defasagem followup export`` and the page's
download write (Portuguese headers; the audit trail beside the current records)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd

from defasagem.store.followups import Followup, FollowupEvent, local_time

CURRENT = {
    "ra": "RA",
    "ano": "Ano da lista",
    "intervention": "Intervenção",
    "responsible": "Responsável",
    "start_date": "Início",
    "status": "Situação",
    "note": "Observação",
    "version": "Versão",
    "updated_by": "Alterado por",
    "updated_at": "Alterado em",
}
HISTORY = {
    "ra": "RA",
    "ano": "Ano da lista",
    "intervention": "Intervenção",
    "version": "Versão",
    "action": "Ação",
    "who": "Quem",
    "at": "Quando",
    "responsible": "Responsável",
    "start_date": "Início",
    "status": "Situação",
    "note": "Observação",
}


# A cell that starts like a formula is run by Excel (and LibreOffice) when the file opens: text
# typed by a person (a note, a name) gets an apostrophe first, so it stays text (OWASP's advice
# on CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _inert_table(table: pd.DataFrame) -> pd.DataFrame:
    return table.map(lambda value: inert(value) if isinstance(value, str) else value)


def current_table(records: Sequence[Followup]) -> pd.DataFrame:
    """One row per record, at its current version."""
    rows = [
        {
            **{key: getattr(record, key) for key in CURRENT},
            "start_date": record.start_date.strftime("%d/%m/%Y"),
            "updated_at": local_time(record.updated_at),
        }
        for record in records
    ]
    return _inert_table(pd.DataFrame(rows, columns=list(CURRENT)).rename(columns=CURRENT))


def history_table(events: Sequence[FollowupEvent]) -> pd.DataFrame:
    """One row per change (the audit trail), with the record as that change left it."""
    rows = []
    for event in events:
        record = event.record
        start = str(record.get("start_date", ""))
        rows.append(
            {
                "ra": record.get("ra", ""),
                "ano": record.get("ano", ""),
                "intervention": record.get("intervention", ""),
                "version": event.version,
                "action": event.action,
                "who": event.who,
                "at": local_time(event.at),
                "responsible": record.get("responsible", ""),
                "start_date": "/".join(reversed(start.split("-"))) if start else "",
                "status": record.get("status", ""),
                "note": record.get("note", ""),
            }
        )
    return _inert_table(pd.DataFrame(rows, columns=list(HISTORY)).rename(columns=HISTORY))


def export_bytes(
    records: Sequence[Followup], events: Sequence[FollowupEvent], suffix: str
) -> bytes:
    """The whole record as ``.xlsx`` (current records and the history, one sheet each) or
    ``.csv`` (the history: every version of every record, so nothing is left out)."""
    history = history_table(events)
    if suffix == ".csv":
        text = history.to_csv(sep=";", index=False)
        return b"\xef\xbb\xbf" + text.encode("utf-8")  # the BOM makes Excel read UTF-8
    return workbook_bytes({"Acompanhamentos": current_table(records), "Histórico": history})


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of ``sheets``: header frozen, filters on, readable widths."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, index=False, sheet_name=name)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for column, header in zip(
                sheet.iter_cols(min_row=1, max_row=1), table.columns, strict=True
            ):
                width = 48 if header == "Observação" else max(12, len(str(header)) + 2)
                sheet.column_dimensions[column[0].column_letter].width = width
    return buffer.getvalue()
