"""Reading files: format by content, encodings, separators, and broken files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from builders import HEADERS_2023, row_2023, rows_of, write_workbook
from defasagem.data import raw
from defasagem.data.raw import ExcelError, decode_text, read_tables
from defasagem.errors import PedeFormatError


def test_workbook_keeps_error_cells_and_skips_blank_rows(tmp_path: Path) -> None:
    records = [row_2023("RA-1", IPS="#N/A")]
    rows = [*rows_of(HEADERS_2023, records), [None] * len(HEADERS_2023)]
    path = write_workbook(tmp_path / "a.xlsx", {"PEDE2023": (HEADERS_2023, rows)})
    (table,) = read_tables(path)
    assert table.headers == HEADERS_2023
    assert len(table.rows) == 1
    assert table.row_numbers == [2]
    assert table.rows[0][HEADERS_2023.index("IPS")] == ExcelError("#N/A")
    assert table.label == "a.xlsx, aba PEDE2023"


def test_blank_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["RA", "Fase", 2023])
    sheet.append(["RA-1", "ALFA", 1])
    workbook.save(tmp_path / "b.xlsx")
    (table,) = read_tables(tmp_path / "b.xlsx")
    assert table.headers == ["RA", "Fase", "2023"]
    assert table.row_numbers == [3]
    assert table.column(1) == ["ALFA"]
    assert table.column(9) == [None]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "o arquivo está vazio"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "formato .xls antigo não é suportado"),
        (b"PK\x03\x04truncated", "não foi possível abrir como planilha .xlsx"),
        (bytes(range(256)) * 4, "não é um arquivo de texto"),
        (b"\n\n   \n", "não tem cabeçalho"),
        (b'RA;"Fase\nRA-1;', "CSV malformado perto da linha 2"),
    ],
)
def test_broken_files_get_a_portuguese_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(PedeFormatError, match=message):
        read_tables(path)


def test_truncated_real_workbook_bytes(tmp_path: Path) -> None:
    whole = write_workbook(
        tmp_path / "a.xlsx",
        {"PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, [row_2023("RA-1")] * 50))},
    )
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(PedeFormatError, match=r"cut.xlsx: .*truncad"):
        read_tables(cut)


def test_csv_cut_in_the_middle_of_a_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("RA;Fase;IAA\nRA-1;ALFA;7\nRA-2;ALFA;8\nRA-3;AL", encoding="utf-8")
    with pytest.raises(
        PedeFormatError,
        match=r"a linha 4 tem 2 colunas e o cabeçalho tem 3; o arquivo parece truncado",
    ):
        read_tables(path)


def test_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(PedeFormatError, match="arquivo não encontrado"):
        read_tables(tmp_path / "nada.xlsx")
    with pytest.raises(PedeFormatError, match="é uma pasta"):
        read_tables(tmp_path)


def test_decoding_utf8_bom_and_windows_1252(tmp_path: Path) -> None:
    text = "Gênero;Instituição\n"
    assert decode_text(tmp_path, "\ufeff".encode() + text.encode()) == (text, 0)
    assert decode_text(tmp_path, text.encode("cp1252")) == (text, 0)


def test_utf8_with_a_stray_byte_stays_utf8(tmp_path: Path) -> None:
    text = "Gênero;Instituição;Observação\n" * 20
    data = text.encode() + b"RA-1;P\xfablica;x\n"
    decoded, stray = decode_text(tmp_path, data)
    assert decoded.startswith("Gênero;Instituição")
    assert stray == 1


def test_csv_text_cells_and_error_codes(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("RA;IPS;IDA\nRA-1;#n/d;7,5\n\nRA-2; #DIV/0! ;8,0\n", encoding="utf-8")
    (table,) = read_tables(path)
    assert table.decimal == ","
    assert table.rows[0][1] == ExcelError("#N/D")
    assert table.rows[1][1] == ExcelError("#DIV/0!")
    assert table.row_numbers == [2, 4]
    assert table.label == "x.csv"


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "PEDE 2025 - Associação Passos Mágicos;;\n;;\nRA;Fase;IAA\nRA-1;ALFA;7,5\n",
        encoding="utf-8",
    )
    (table,) = read_tables(path)
    assert table.headers == ["RA", "Fase", "IAA"]
    assert table.rows == [["RA-1", "ALFA", "7,5"]]
    assert table.row_numbers == [4]


def test_short_line_in_the_middle_names_the_line_and_the_likely_cause(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("RA,Fase,IAA\nRA-1,ALFA\nRA-2,ALFA,8\n", encoding="utf-8")
    with pytest.raises(PedeFormatError, match=r"a linha 2 tem 2 colunas .* há ',' dentro"):
        read_tables(path)


def test_long_line_with_values_is_refused_but_empty_extras_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("RA;Fase;IAA\nRA-1;ALFA;7;;\nRA-2;ALFA;8\n", encoding="utf-8")
    assert read_tables(path)[0].rows[0][:3] == ["RA-1", "ALFA", "7"]
    path.write_text("RA,Fase,IAA\nRA-1,ALFA,7,5\nRA-2,ALFA,8\n", encoding="utf-8")
    with pytest.raises(PedeFormatError, match=r"a linha 2 tem 4 colunas e o cabeçalho tem 3"):
        read_tables(path)


def test_title_row_naming_a_column_does_not_hide_the_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["Nome", "da planilha: PEDE 2023"], [None], HEADERS_2023,
            *rows_of(HEADERS_2023, [row_2023("RA-1")])]  # fmt: skip
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(tmp_path / "t.xlsx")
    (table,) = read_tables(tmp_path / "t.xlsx")
    assert table.headers == HEADERS_2023
    assert table.row_numbers == [4]
    assert table.notes == ["cabeçalho encontrado na linha 3; 1 linha(s) acima dele ignoradas"]


def test_formulas_without_computed_values_are_recorded(tmp_path: Path) -> None:
    rows = rows_of(HEADERS_2023, [row_2023("RA-1", IAN="=IF(X2>=0,10,5)")])
    path = write_workbook(tmp_path / "f.xlsx", {"PEDE2023": (HEADERS_2023, rows)})
    (table,) = read_tables(path)
    assert table.uncached_formulas == {HEADERS_2023.index("IAN"): (2, "=IF(X2>=0,10,5)")}


def test_long_blank_tail_stops_reading(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["RA", "Fase"])
    sheet.append(["RA-1", "ALFA"])
    sheet.cell(row=1500, column=1).number_format = "0"  # a formatted but empty cell far below
    sheet.cell(row=1501, column=1).value = "RA-99"
    sheet.sheet_state = "hidden"
    workbook.create_sheet("visível")
    workbook.save(tmp_path / "b.xlsx")
    table = read_tables(tmp_path / "b.xlsx")[0]
    assert table.rows == [["RA-1", "ALFA"]]
    assert table.notes == [
        "leitura encerrada na linha 1002, após 1000 linhas em branco",
        "aba oculta na planilha (lida mesmo assim)",
    ]


def test_utf16_text_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u.txt"
    path.write_bytes("RA\tFase\tIAA\nRA-1\tALFA\t7,5\n".encode("utf-16"))
    (table,) = read_tables(path)
    assert table.headers == ["RA", "Fase", "IAA"]
    assert table.rows == [["RA-1", "ALFA", "7,5"]]


def test_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.csv"
    path.write_text("RA;Fase\n", encoding="utf-8")

    def denied(_self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(PedeFormatError, match=r"p.csv: sem permissão de leitura"):
        read_tables(path)


def test_sheet_with_too_many_rows_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [row_2023(f"RA-{i}") for i in range(20)]
    path = write_workbook(
        tmp_path / "big.xlsx", {"PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, records))}
    )
    monkeypatch.setattr(raw, "_MAX_ROWS", 10)
    with pytest.raises(PedeFormatError, match=r"uma aba tem 21 linhas .* o limite é 10"):
        read_tables(path)
