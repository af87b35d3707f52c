"""The wide 2020–2022 CSV: years split into rows, garbage row dropped, students linked to RA."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import HEADERS_2023, csv_text, row_2023, rows_of, write_csv, write_workbook
from defasagem.data.ingest import ingest_files
from defasagem.errors import PedeFormatError

LEGACY_HEADERS = [
    "NOME", "IDADE_ALUNO_2020", "FASE_TURMA_2020", "INDE_2020", "PEDRA_2020", "IAA_2020",
    "IEG_2020", "IPS_2020", "IDA_2020", "IPP_2020", "IPV_2020", "IAN_2020", "FASE_2021",
    "TURMA_2021", "PEDRA_2021", "INDE_2021", "IAA_2021", "IEG_2021", "IPS_2021", "IDA_2021",
    "IPP_2021", "IPV_2021", "IAN_2021", "NIVEL_IDEAL_2021", "DEFASAGEM_2021", "FASE_2022",
    "INDE_2022", "CG_2022", "IAA_2022", "IEG_2022", "IPS_2022", "IDA_2022", "IPP_2022",
    "IPV_2022", "IAN_2022", "NIVEL_IDEAL_2022", "NOTA_PORT_2022", "NOTA_MAT_2022",
    "PONTO_VIRADA_2022",
]  # fmt: skip

Y2020 = ["10", "2H", "7.1", "Ametista", "9.0", "8.0", "7.5", "6.0", "7.0", "7.2", "10"]
Y2021 = ["2.0", "A", "Ágata", "6.5", "9.5", "8.3", "7.5", "6.9", "7.5", "8.3", "5.0",
         "Nível 3 (7o e 8o ano)", "-1.0"]  # fmt: skip
Y2022 = ["3.0", "7.2", "2.0", "9.5", "9.0", "7.5", "6.0", "5.625", "7.3", "5.0",
         "Fase 4 (9º ano)", "5.0", "7.0", "Não"]  # fmt: skip
EMPTY_2020 = [""] * len(Y2020)
EMPTY_2021 = [""] * len(Y2021)
EMPTY_2022 = [""] * len(Y2022)
GARBAGE = ["D108", "D207", "D980", "D9891/2A", "D910", "V920", "D930", "D940", "D950", "D960",
           "D970"]  # fmt: skip


def legacy_csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    return write_csv(tmp_path / "old.csv", csv_text(LEGACY_HEADERS, rows, decimal="."))


def standard_rows() -> list[list[str]]:
    return [
        ["ALUNO-1", *Y2020, *Y2021, *Y2022],  # all three years; links to RA-7 through CG 2
        ["ALUNO-2", *EMPTY_2020, *Y2021[:11], "ERRO", "0.0", *EMPTY_2022],  # left before 2022
        ["ALUNO-3", *GARBAGE, *EMPTY_2021, *EMPTY_2022],  # the 2020 garbage row
    ]


def sheet_2022(tmp_path: Path) -> Path:
    skip = ("INDE 2023", "Pedra 2023", "IPP")  # the 2022 sheet has no IPP
    headers = [*[h for h in HEADERS_2023 if h not in skip], "INDE 22", "Cg"]
    headers = list(dict.fromkeys(headers))
    records = [
        row_2023("RA-7", Fase="3", **{"INDE 22": 7.2, "Cg": 2.0, "Fase Ideal": "Fase 4 (9º ano)"}),
        row_2023("RA-8", Fase="1", **{"INDE 22": 6.0, "Cg": 1.0}),
    ]
    return write_workbook(tmp_path / "w.xlsx", {"PEDE2022": (headers, rows_of(headers, records))})


def test_csv_alone_keeps_surrogate_ids_and_says_so(tmp_path: Path) -> None:
    result = ingest_files([legacy_csv(tmp_path, standard_rows())])
    table = result.table
    assert sorted(set(table["ra"])) == ["SEM-RA:ALUNO-1", "SEM-RA:ALUNO-2"]
    assert table.groupby("ano").size().to_dict() == {2020: 1, 2021: 2, 2022: 1}
    row_2020 = table[table["ano"] == 2020].iloc[0]
    assert (row_2020["fase"], row_2020["turma"], row_2020["idade"]) == (2, "H", 10)
    assert any("nenhum dos 2 alunos foi ligado a RA" in n for n in result.report.notes)
    assert any("ALUNO-3" in n and "códigos de variáveis" in n for n in result.report.notes)
    erro = table[(table["ano"] == 2021) & (table["ra"] == "SEM-RA:ALUNO-2")].iloc[0]
    assert erro["defasagem"] == 0
    assert erro["fase_ideal"] is None or str(erro["fase_ideal"]) == "<NA>"
    assert result.report.years[2021].repairs["erro_text"] == 1


def test_2022_defasagem_is_derived_and_grades_unswapped(tmp_path: Path) -> None:
    table = ingest_files([legacy_csv(tmp_path, standard_rows())]).table
    row = table[table["ano"] == 2022].iloc[0]
    assert row["defasagem"] == 3 - 4
    # NOTA_PORT_2022 holds the maths grade in this file (PROFILE §7, checked through the link).
    assert (row["nota_mat"], row["nota_port"]) == (5.0, 7.0)


def test_link_to_ra_through_cg_and_merge_with_the_sheet(tmp_path: Path) -> None:
    result = ingest_files([sheet_2022(tmp_path), legacy_csv(tmp_path, standard_rows())])
    table = result.table
    linked = table[table["ra"] == "RA-7"].set_index("ano")
    assert sorted(linked.index) == [2020, 2021, 2022]
    # The sheet is the record of 2022; the CSV only fills the IPP column the sheet lacks.
    assert linked.loc[2022, "source"] == "w.xlsx#PEDE2022"
    assert linked.loc[2022, "ipp"] == 5.625
    assert linked.loc[2021, "source"] == "old.csv"
    assert "SEM-RA:ALUNO-2" in set(table["ra"])
    notes = "\n".join(result.report.note_lines())
    assert "1 alunos ligados a RA pela classificação geral" in notes
    assert "1 sem ligação mantêm o id 'SEM-RA:ALUNO-n' (0 com dados de 2022 sem par" in notes
    assert "2022: IPP completado a partir de old.csv em 1 linhas" in notes
    assert "2022: colunas ausentes nesta tabela: IPP" not in notes  # no longer missing


def test_rank_match_with_another_phase_is_not_linked(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[0][LEGACY_HEADERS.index("FASE_2022")] = "5.0"
    result = ingest_files([sheet_2022(tmp_path), legacy_csv(tmp_path, rows)])
    assert "RA-7" in set(result.table[result.table["ano"] == 2022]["ra"])
    assert "RA-7" not in set(result.table[result.table["ano"] == 2021]["ra"])
    assert any("2022: 1 linha(s) de old.csv sem par" in n for n in result.report.note_lines())


def test_duplicate_and_missing_names_are_errors(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[1][0] = "ALUNO-1"
    with pytest.raises(PedeFormatError, match="NOME repetido: ALUNO-1"):
        ingest_files([legacy_csv(tmp_path, rows)])
    rows[1][0] = ""
    with pytest.raises(PedeFormatError, match="coluna 'NOME' vazia nas linhas"):
        ingest_files([legacy_csv(tmp_path, rows)])


def test_nulo_cells_are_excel_errors(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[0][LEGACY_HEADERS.index("INDE_2021")] = "#NULO!"
    rows[0][LEGACY_HEADERS.index("PEDRA_2021")] = "#NULO!"
    result = ingest_files([legacy_csv(tmp_path, rows)])
    assert result.report.years[2021].repairs["excel_error"] == 2


def test_unreadable_legacy_value_names_the_student(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[0][LEGACY_HEADERS.index("IEG_2021")] = "7.883.752"
    with pytest.raises(PedeFormatError, match=r"coluna 'IEG_2021': linha 2 \(ALUNO-1\)"):
        ingest_files([legacy_csv(tmp_path, rows)])


def test_unknown_legacy_columns_are_reported(tmp_path: Path) -> None:
    headers = [*LEGACY_HEADERS, "NOVA_COLUNA_2021", "OUTRA"]
    rows = [[*r, "x", "y"] for r in standard_rows()]
    path = write_csv(tmp_path / "old.csv", csv_text(headers, rows, decimal="."))
    result = ingest_files([path])
    notes = "\n".join(result.report.note_lines())
    assert "colunas desconhecidas ignoradas: OUTRA" in notes
    assert "coluna desconhecida ignorada: NOVA_COLUNA_2021" in notes


def test_csv_with_only_the_garbage_row_has_no_students(tmp_path: Path) -> None:
    rows = [["ALUNO-3", *GARBAGE, *EMPTY_2021, *EMPTY_2022]]
    with pytest.raises(PedeFormatError, match=r"old.csv: não há linhas de alunos"):
        ingest_files([legacy_csv(tmp_path, rows)])


def test_the_same_old_csv_twice_is_refused(tmp_path: Path) -> None:
    first = legacy_csv(tmp_path, standard_rows())
    second = tmp_path / "copia.csv"
    second.write_bytes(first.read_bytes())
    with pytest.raises(
        PedeFormatError, match=r"o ano 2020 aparece duas vezes \(old.csv e copia.csv\)"
    ):
        ingest_files([first, second])
