"""Ingestion on tiny files: headers of every year, one-year CSV exports, and every failure path."""

from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from builders import HEADERS_2023, csv_text, row_2023, rows_of, write_csv, write_workbook
from defasagem.data.ingest import ingest_files, write_table
from defasagem.data.schema import COLUMNS
from defasagem.errors import DefasagemError, PedeFormatError


def sheet_2023(tmp_path: Path, records: list[dict[str, Any]], name: str = "PEDE2023") -> Path:
    return write_workbook(
        tmp_path / "pede.xlsx", {name: (HEADERS_2023, rows_of(HEADERS_2023, records))}
    )


def test_minimal_2023_sheet_becomes_canonical_rows(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-2"), row_2023("RA-10", Fase="ALFA", Defasagem=0)])
    result = ingest_files([path])
    table = result.table
    assert list(table.columns) == list(COLUMNS)
    assert table["ra"].tolist() == ["RA-2", "RA-10"]  # sorted by RA number, not text
    assert table["ano"].tolist() == [2023, 2023]
    assert table["fase"].tolist() == [2, 0]
    assert table["fase_ideal"].tolist() == [3, 3]
    assert table["data_nascimento"].iloc[0] == pd.Timestamp(2012, 11, 20)
    assert table["ano_nascimento"].tolist() == [2012, 2012]
    assert table["source"].iloc[0] == "pede.xlsx#PEDE2023"
    assert str(table["inde_hist1"].dtype) == "float64"
    assert table["inde_hist1"].isna().all()


def test_2022_headers_map_to_the_same_columns(tmp_path: Path) -> None:
    headers = ["RA", "Fase", "Turma", "Nome", "Ano nasc", "Idade 22", "Gênero", "Ano ingresso",
               "Instituição de ensino", "Pedra 20", "Pedra 21", "Pedra 22", "INDE 22", "Cg",
               "Nº Av", "IAA", "IEG", "IPS", "IDA", "Matem", "Portug", "Inglês", "IPV", "IAN",
               "Fase ideal", "Defas"]  # fmt: skip
    row = ["RA-1", "3", "A", "Aluno-1", 2010.0, 12.0, "Menino", 2019.0, "Escola Pública",
           "Ágata", None, "Ametista", 7.2, 10.0, 3.0, 8.0, 9.0, 7.5, 6.0, 5.0, 7.0, None, 7.0,
           5.0, "Fase 4 (9º ano)", -1.0]  # fmt: skip
    path = write_workbook(tmp_path / "a.xlsx", {"PEDE2022": (headers, [row])})
    result = ingest_files([path])
    got = result.table.iloc[0]
    assert (got["ano"], got["fase"], got["fase_ideal"], got["defasagem"]) == (2022, 3, 4, -1)
    assert (got["idade"], got["ano_nascimento"], got["genero"]) == (12, 2010, "Masculino")
    assert (got["nota_mat"], got["nota_port"], got["n_avaliacoes"]) == (5.0, 7.0, 3)
    assert got["pedra_hist2"] == "Ágata"
    assert pd.isna(got["pedra_hist1"])
    assert got["inde"] == 7.2
    assert "2022: 1 gêneros Menina/Menino padronizados" in "\n".join(result.report.repair_lines())


def test_2024_headers_fase_with_class_letter_and_alumni(tmp_path: Path) -> None:
    headers = [h if h != "INDE 2023" else "INDE 2024" for h in HEADERS_2023]
    headers = [h if h != "Pedra 2023" else "Pedra 2024" for h in headers] + ["INDE 23"]
    records = [
        row_2023("RA-1", Fase="3A", **{"Pedra 2024": "Agata", "INDE 2024": 6.5, "INDE 23": 6.1}),
        row_2023("RA-2", Fase=9.0, Defasagem=1.0, IAN=10.0,
                 **{"INDE 2024": "INCLUIR", "Pedra 2024": "INCLUIR",
                    "Fase Ideal": "Fase 8 (Universitários)"}),
    ]  # fmt: skip
    path = write_workbook(tmp_path / "b.xlsx", {"PEDE2024": (headers, rows_of(headers, records))})
    result = ingest_files([path])
    table = result.table
    assert table["fase"].tolist() == [3, 9]
    assert table["pedra"].iloc[0] == "Ágata"
    assert table["inde_hist1"].iloc[0] == 6.1
    assert pd.isna(table["inde"].iloc[1])
    lines = "\n".join(result.report.repair_lines())
    assert "2024: 2 valores 'INCLUIR' lidos como faltantes (INDE 2024: 1, Pedra 2024: 1)" in lines


def test_excel_error_cells_are_missing_and_counted(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1", IPS="#N/A", IDA="#DIV/0!"), row_2023("RA-2")])
    result = ingest_files([path])
    assert result.table["ips"].isna().tolist() == [True, False]
    assert result.report.years[2023].repairs["excel_error"] == 2


def test_excel_date_ages_are_converted_and_reported(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1", Idade=dt.datetime(1900, 1, 9))])
    result = ingest_files([path])
    assert result.table["idade"].tolist() == [9]
    assert "2023: 1 idades convertidas de datas do Excel (Idade: 1)" in result.report.repair_lines()


def test_fully_empty_column_is_missing_never_zero(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1", IPP=None), row_2023("RA-2", IPP="")])
    result = ingest_files([path])
    assert result.table["ipp"].isna().all()
    assert any("'IPP' 100 % vazia" in n for n in result.report.note_lines())


def test_duplicate_headers_with_same_content_are_used_once(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "IAA", "Destaque IPV", "Destaque IPV"]
    rows = [[*r, r[HEADERS_2023.index("IAA")], None, None] for r in rows_of(
        HEADERS_2023, [row_2023("RA-1")])]  # fmt: skip
    path = write_workbook(tmp_path / "d.xlsx", {"PEDE2023": (headers, rows)})
    result = ingest_files([path])
    assert result.table["iaa"].tolist() == [8.5]
    assert any("repetida com o mesmo conteúdo" in n for n in result.report.note_lines())


def test_duplicate_headers_that_disagree_are_an_error(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "Matem"]
    rows = [[*r, 1.0] for r in rows_of(HEADERS_2023, [row_2023("RA-1")])]
    path = write_workbook(tmp_path / "d.xlsx", {"PEDE2023": (headers, rows)})
    with pytest.raises(PedeFormatError, match=r"as colunas 'Mat' e 'Matem' trazem Mat"):
        ingest_files([path])


def test_missing_required_column_names_file_sheet_and_column(tmp_path: Path) -> None:
    headers = [h for h in HEADERS_2023 if h not in ("IEG", "IPV")]
    path = write_workbook(
        tmp_path / "f.xlsx", {"PEDE2023": (headers, rows_of(headers, [row_2023("RA-1")]))}
    )
    with pytest.raises(PedeFormatError) as info:
        ingest_files([path])
    assert str(info.value) == (
        "f.xlsx, aba PEDE2023 (ano 2023): faltam colunas obrigatórias: IEG, IPV."
    )


def test_missing_target_columns(tmp_path: Path) -> None:
    headers = [h for h in HEADERS_2023 if h not in ("Defasagem", "Fase Ideal")]
    path = write_workbook(
        tmp_path / "f.xlsx", {"PEDE2023": (headers, rows_of(headers, [row_2023("RA-1")]))}
    )
    with pytest.raises(PedeFormatError, match="Defasagem ou Fase Ideal"):
        ingest_files([path])


def test_year_without_rows_is_an_error(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "e.xlsx", {"PEDE2023": (HEADERS_2023, [])})
    with pytest.raises(PedeFormatError, match=r"aba PEDE2023 \(ano 2023\): não há linhas"):
        ingest_files([path])


def test_unreadable_values_name_column_line_and_ra(tmp_path: Path) -> None:
    records = [row_2023(f"RA-{i}", IAA="muito bom") for i in range(1, 6)]
    records.append(row_2023("RA-9", Fase="FASE X"))
    path = sheet_2023(tmp_path, records)
    with pytest.raises(PedeFormatError) as info:
        ingest_files([path])
    message = str(info.value)
    assert message.startswith("pede.xlsx, aba PEDE2023 (ano 2023): valores que não puderam")
    assert "coluna 'IAA': linha 2 (RA-1) ('muito bom': não é um número)" in message
    assert "e mais 2 linha(s)" in message
    assert "coluna 'Fase': linha 7 (RA-9)" in message


def test_repeated_ra_in_a_year_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1"), row_2023("RA-1")])
    with pytest.raises(PedeFormatError, match=r"RA repetido em 1 linha\(s\): linha 2 \(RA-1\)"):
        ingest_files([path])


def test_row_without_ra_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1"), row_2023("")])
    with pytest.raises(PedeFormatError, match=r"coluna 'RA': linha 3 \(sem RA\)"):
        ingest_files([path])


def test_entry_year_after_sheet_year_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1", **{"Ano ingresso": 2030})])
    with pytest.raises(PedeFormatError, match="'Ano ingresso' depois do ano da planilha"):
        ingest_files([path])


def test_workbook_without_pede_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "x.xlsx", {"Plan1": (["a", "b"], [[1, 2]])})
    with pytest.raises(PedeFormatError, match=r"x.xlsx: não é uma exportação PEDE.*'a', 'b'"):
        ingest_files([path])


def test_extra_non_pede_sheet_is_ignored_with_a_note(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "x.xlsx",
        {
            "PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, [row_2023("RA-1")])),
            "dicionario": (["coluna", "descrição"], [["RA", "id"]]),
        },
    )
    result = ingest_files([path])
    assert len(result.table) == 1
    assert "x.xlsx, aba dicionario: aba ignorada (não é uma aba PEDE)" in result.report.notes


def test_sheet_named_before_its_headers_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1")], name="PEDE2022")
    with pytest.raises(
        PedeFormatError, match="o nome da aba indica 2022, mas o cabeçalho 'INDE 2023' é de 2023"
    ):
        ingest_files([path])


def test_same_year_twice_is_an_error(tmp_path: Path) -> None:
    first = sheet_2023(tmp_path, [row_2023("RA-1")])
    second = write_csv(
        tmp_path / "2023.csv", csv_text(HEADERS_2023, rows_of(HEADERS_2023, [row_2023("RA-1")]))
    )
    with pytest.raises(PedeFormatError, match="o ano 2023 aparece duas vezes"):
        ingest_files([first, second])


def test_no_files() -> None:
    with pytest.raises(PedeFormatError, match="nenhum arquivo"):
        ingest_files([])


# One year saved on its own as CSV, as the NGO will export next year's data.
@pytest.mark.parametrize(
    ("delimiter", "decimal", "encoding"),
    [
        (";", ",", "utf-8-sig"),  # Excel pt-BR, UTF-8 with BOM
        (";", ",", "cp1252"),  # Excel pt-BR, Windows-1252
        (",", ".", "utf-8"),  # Google Sheets
        (";", ".", "utf-8"),
        ("\t", ",", "utf-8"),
        (",", ",", "utf-8"),  # comma decimals quoted inside a comma-separated file
    ],
)
def test_one_year_csv_exports(tmp_path: Path, delimiter: str, decimal: str, encoding: str) -> None:
    school = {"Instituição de ensino": "Privada - Programa de Apadrinhamento"}
    records = [
        row_2023("RA-1", IAA=8.25, **school),
        row_2023("RA-2", IPS="#N/D", Idade=dt.datetime(1900, 1, 11)),
    ]
    rows = rows_of(HEADERS_2023, records)
    text = csv_text(HEADERS_2023, rows, delimiter=delimiter, decimal=decimal)
    path = write_csv(tmp_path / "pede_2023.csv", text, encoding)
    result = ingest_files([path])
    table = result.table
    assert table["iaa"].tolist() == [8.25, 8.5]
    assert table["ips"].isna().tolist() == [False, True]
    assert table["idade"].tolist() == [10, 11]  # the age saved as a date '11/01/1900'
    assert table["instituicao_ensino"].iloc[0] == "Privada - Programa de Apadrinhamento"
    assert table["source"].iloc[0] == "pede_2023.csv"
    assert result.report.years[2023].repairs["excel_error"] == 1


def test_csv_year_from_option_when_headers_lack_it(tmp_path: Path) -> None:
    headers = ["INDE" if h == "INDE 2023" else h for h in HEADERS_2023]
    headers = ["Pedra" if h == "Pedra 2023" else h for h in headers if h != "INDE 22"]
    records = [row_2023("RA-1", INDE=7.0, Pedra="Ametista")]
    path = write_csv(tmp_path / "export.csv", csv_text(headers, rows_of(headers, records)))
    with pytest.raises(PedeFormatError, match="informe-o com --year"):
        ingest_files([path])
    result = ingest_files([path], year=2025)
    assert result.table["ano"].tolist() == [2025]
    assert result.table["inde"].tolist() == [7.0]


def test_csv_year_option_conflicting_with_headers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "e.csv", csv_text(HEADERS_2023, rows_of(HEADERS_2023, [row_2023("RA-1")]))
    )
    with pytest.raises(PedeFormatError, match="--year 2022, mas o cabeçalho 'INDE 2023' é de 2023"):
        ingest_files([path], year=2022)


def test_csv_with_wrong_columns_is_not_pede(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "vendas.csv", "produto;preço\nbola;10,5\n")
    with pytest.raises(PedeFormatError, match=r"vendas.csv: não é uma exportação PEDE.*'produto'"):
        ingest_files([path])


def test_defasagem_derived_when_only_fase_ideal_is_given(tmp_path: Path) -> None:
    headers = [h for h in HEADERS_2023 if h != "Defasagem"]
    records = [row_2023("RA-1", Fase="FASE 1", **{"Fase Ideal": "Fase 3 (7° e 8° ano)"})]
    path = write_workbook(tmp_path / "g.xlsx", {"PEDE2023": (headers, rows_of(headers, records))})
    result = ingest_files([path])
    assert result.table["defasagem"].tolist() == [-2]
    assert result.report.years[2023].repairs["defasagem_derived"] == 1


def test_institution_case_variants_are_harmonized(tmp_path: Path) -> None:
    label = "Instituição de ensino"
    records = [
        row_2023("RA-1", **{label: "Privada - Programa de Apadrinhamento"}),
        row_2023("RA-2", **{label: "Privada - Programa de Apadrinhamento"}),
        row_2023("RA-3", **{label: "Privada - Programa de  apadrinhamento"}),
    ]
    result = ingest_files([sheet_2023(tmp_path, records)])
    assert result.table["instituicao_ensino"].nunique() == 1
    assert result.report.years[2023].repairs["institution_label"] == 1


def test_inconsistent_defasagem_and_ian_are_warned_and_kept(tmp_path: Path) -> None:
    records = [row_2023("RA-1", Defasagem=3.0, IAN=10.0), row_2023("RA-2", IAN=10.0)]
    result = ingest_files([sheet_2023(tmp_path, records)])
    assert result.table["defasagem"].tolist() == [3, -1]
    warnings = result.report.warning_lines()
    assert warnings == [
        "2023: Defasagem ≠ Fase − Fase Ideal em 1 linha(s) (RA-1); mantido o valor registrado",
        "2023: IAN diferente da regra da Defasagem em 1 linha(s) (RA-2)",
    ]


def test_unknown_columns_are_reported(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "Observação livre"]
    rows = [[*r, "texto"] for r in rows_of(HEADERS_2023, [row_2023("RA-1")])]
    path = write_workbook(tmp_path / "u.xlsx", {"PEDE2023": (headers, rows)})
    notes = ingest_files([path]).report.note_lines()
    assert "2023: colunas desconhecidas ignoradas: Observação livre" in notes


def test_write_table_round_trips_dtypes(tmp_path: Path) -> None:
    table = ingest_files([sheet_2023(tmp_path, [row_2023("RA-1")])]).table
    out = tmp_path / "sub" / "t.parquet"
    write_table(table, out)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, table)
    assert [p.name for p in out.parent.iterdir()] == ["t.parquet"]


def test_write_table_failure_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = ingest_files([sheet_2023(tmp_path, [row_2023("RA-1")])]).table
    out = tmp_path / "t.parquet"
    out.write_bytes(b"previous")

    def half_written(_self: pd.DataFrame, path: Path, **_kwargs: object) -> None:
        Path(path).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_written)
    with pytest.raises(DefasagemError, match=r"não foi possível gravar .*t.parquet: disco cheio"):
        write_table(table, out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pede.xlsx", "t.parquet"]


def test_history_too_old_and_age_of_another_year_are_ignored(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "INDE 2019", "Idade 22"]
    rows = [[*r, 6.0, 9.0] for r in rows_of(HEADERS_2023, [row_2023("RA-1")])]
    path = write_workbook(tmp_path / "h.xlsx", {"PEDE2023": (headers, rows)})
    result = ingest_files([path])
    assert result.table["idade"].tolist() == [10]
    notes = result.report.note_lines()
    assert "2023: coluna 'INDE 2019' ignorada: histórico fora do alcance" in notes
    assert "2023: coluna 'Idade 22' ignorada: idade de outro ano" in notes


def test_written_table_follows_the_umask(tmp_path: Path) -> None:
    table = ingest_files([sheet_2023(tmp_path, [row_2023("RA-1")])]).table
    out = tmp_path / "t.parquet"
    old = os.umask(0o022)
    try:
        write_table(table, out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_write_into_a_file_path_is_a_clear_error(tmp_path: Path) -> None:
    table = ingest_files([sheet_2023(tmp_path, [row_2023("RA-1")])]).table
    blocker = tmp_path / "arquivo"
    blocker.write_text("x")
    with pytest.raises(DefasagemError, match="um arquivo ocupa o lugar de uma pasta"):
        write_table(table, blocker / "t.parquet")


def test_pede_sheet_with_renamed_ra_is_an_error_not_skipped(tmp_path: Path) -> None:
    headers = ["RA do aluno" if h == "RA" else h for h in HEADERS_2023]
    path = write_workbook(
        tmp_path / "r.xlsx",
        {
            "PEDE2023": (headers, rows_of(HEADERS_2023, [row_2023("RA-1")])),
            "PEDE2024": (HEADERS_2023, []),
        },
    )
    with pytest.raises(PedeFormatError, match=r"aba PEDE2023 \(ano 2023\): faltam .*: RA\."):
        ingest_files([path])


def test_sheet_named_pede_without_pede_headers_is_an_error(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "n.xlsx",
        {
            "PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, [row_2023("RA-1")])),
            "PEDE2024": (["aluno", "nota"], [["x", 1]]),
        },
    )
    with pytest.raises(PedeFormatError, match="aba PEDE2024: o nome indica uma aba PEDE"):
        ingest_files([path])


def test_year_option_applies_to_the_csv_only(tmp_path: Path) -> None:
    workbook = sheet_2023(tmp_path, [row_2023("RA-1")])
    headers = ["INDE" if h == "INDE 2023" else "Pedra" if h == "Pedra 2023" else h
               for h in HEADERS_2023]  # fmt: skip
    headers = ["INDE 24" if h == "INDE 22" else h for h in headers]
    record = row_2023("RA-1", INDE=7.5, Pedra="Ametista", **{"INDE 24": 6.9})
    csv_path = write_csv(tmp_path / "novo.csv", csv_text(headers, rows_of(headers, [record])))
    with pytest.raises(PedeFormatError, match="informe-o com --year"):
        ingest_files([workbook, csv_path])
    result = ingest_files([workbook, csv_path], year=2025)
    new = result.table[result.table["ano"] == 2025].iloc[0]
    assert (new["inde"], new["inde_hist1"]) == (7.5, 6.9)
    note = "--year 2025 não foi usado: todas as tabelas indicam o próprio ano"
    assert note in ingest_files([workbook], year=2025).report.notes


def test_history_header_after_the_sheet_year_is_an_error(tmp_path: Path) -> None:
    headers = ["INDE" if h == "INDE 2023" else "Pedra" if h == "Pedra 2023" else h
               for h in HEADERS_2023]  # fmt: skip
    headers = ["INDE 2026" if h == "INDE 22" else h for h in headers]
    records = [row_2023("RA-1", INDE=7.5, Pedra="Ametista", **{"INDE 2026": 6.0})]
    path = write_csv(tmp_path / "x.csv", csv_text(headers, rows_of(headers, records)))
    with pytest.raises(PedeFormatError, match="--year 2025, mas o cabeçalho 'INDE 2026' é de 2026"):
        ingest_files([path], year=2025)


def test_empty_fase_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1"), row_2023("RA-2", Fase="#N/A")])
    with pytest.raises(PedeFormatError, match=r"'Fase' vazia em 1 linha\(s\): linha 3 \(RA-2\)"):
        ingest_files([path])


def test_ra_variants_fixed_and_odd_ids_warned(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("ra 7"), row_2023("123")])
    result = ingest_files([path])
    assert sorted(result.table["ra"]) == ["123", "RA-7"]
    assert result.report.years[2023].repairs["ra_format"] == 1
    assert any("RA fora do padrão 'RA-n' em 1 linha(s) (123)" in w
               for w in result.report.warning_lines())  # fmt: skip


def test_rows_without_target_are_warned(tmp_path: Path) -> None:
    records = [row_2023("RA-1"), row_2023("RA-2", Defasagem=None, **{"Fase Ideal": None})]
    result = ingest_files([sheet_2023(tmp_path, records)])
    assert any("1 linha(s) sem Defasagem nem Fase Ideal (RA-2)" in w
               for w in result.report.warning_lines())  # fmt: skip


def test_birth_dates_that_disagree_across_years_are_warned(tmp_path: Path) -> None:
    headers_2024 = [{"INDE 2023": "INDE 2024", "Pedra 2023": "Pedra 2024"}.get(h, h)
                    for h in HEADERS_2023]  # fmt: skip
    path = write_workbook(
        tmp_path / "b.xlsx",
        {
            "PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, [
                row_2023("RA-1", **{"Data de Nasc": "3/5/2012"}),
                row_2023("RA-2", **{"Data de Nasc": "11/20/2012"}),
            ])),
            "PEDE2024": (headers_2024, rows_of(headers_2024, [
                row_2023("RA-1", **{"Data de Nasc": dt.datetime(2012, 5, 3)}),
                row_2023("RA-2", **{"Data de Nasc": dt.datetime(2012, 11, 20)}),
            ])),
        },
    )  # fmt: skip
    warnings = ingest_files([path]).report.warning_lines()
    assert (
        "2023: 1 data(s) de nascimento diferem da do mesmo RA no ano mais recente "
        "(1 com dia e mês trocados; ex.: RA-1)"
    ) in warnings


def test_columns_with_different_decimal_marks_in_one_csv(tmp_path: Path) -> None:
    """pandas' pt-BR to_csv writes ',' in float columns and '.' in mixed ones."""
    headers = ["RA", "Fase", "INDE 2024", "IAA", "IEG", "IPS", "IDA", "IPV", "Defasagem"]
    text = (
        ";".join(headers)
        + "\nRA-1;ALFA;7.6113;8,5;9,25;7,5;6;0,010;0\nRA-2;ALFA;INCLUIR;8,0;9,5;7;6;7,5;0\n"
    )
    path = write_csv(tmp_path / "pd.csv", text)
    table = ingest_files([path]).table
    assert table["inde"].iloc[0] == 7.6113
    assert table["ipv"].tolist() == [0.01, 7.5]


def test_uncached_formulas_are_refused_only_in_columns_that_are_read(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "Destaque IEG"]
    rows = [[*r, "=CONCAT(A2)"] for r in rows_of(HEADERS_2023, [row_2023("RA-1")])]
    path = write_workbook(tmp_path / "ok.xlsx", {"PEDE2023": (headers, rows)})
    assert len(ingest_files([path]).table) == 1
    rows = rows_of(HEADERS_2023, [row_2023("RA-1", IAN="=IF(X2>=0,10,5)")])
    path = write_workbook(tmp_path / "f.xlsx", {"PEDE2023": (HEADERS_2023, rows)})
    with pytest.raises(PedeFormatError, match=r"a coluna 'IAN' tem fórmulas sem valor calculado"):
        ingest_files([path])


def ages_saying(year: int, count: int) -> list[dict[str, Any]]:
    """Rows whose birth year + age add up to ``year`` (12-year-olds)."""
    birth = {"Data de Nasc": f"11/20/{year - 12}", "Idade": 12.0}
    return [row_2023(f"RA-{i}", **birth) for i in range(1, count + 1)]


def test_year_from_history_headers_is_checked_against_ages(tmp_path: Path) -> None:
    """A 2024 export whose current INDE/Pedra columns were dropped only has 'INDE 22'."""
    headers = [h for h in HEADERS_2023 if h not in ("INDE 2023", "Pedra 2023")]
    text = csv_text(headers, rows_of(headers, ages_saying(2024, 12)))
    path = write_csv(tmp_path / "sem_inde.csv", text)
    with pytest.raises(
        PedeFormatError,
        match="o cabeçalho 'INDE 22' indica 2022, mas idades e anos de nascimento indicam 2024",
    ):
        ingest_files([path])
    result = ingest_files([path], year=2024)
    assert set(result.table["inde_hist2"]) == {None} or result.table["inde_hist2"].isna().all()
    assert result.table["ano"].unique().tolist() == [2024]


def test_named_year_that_disagrees_with_ages_is_warned(tmp_path: Path) -> None:
    headers_2025 = ["INDE 2025" if h == "INDE 2023" else h for h in HEADERS_2023]
    headers_2025 = ["Pedra 2025" if h == "Pedra 2023" else h for h in headers_2025]
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"PEDE2025": (headers_2025, rows_of(headers_2025, ages_saying(2023, 12)))},
    )
    warnings = ingest_files([path]).report.warning_lines()
    assert "2025: idades e anos de nascimento indicam 2023, não 2025: confira o ano" in warnings


def test_missing_defasagem_cells_are_derived_from_fase_ideal(tmp_path: Path) -> None:
    records = [row_2023("RA-1", Defasagem=None), row_2023("RA-2", Defasagem=None)]
    result = ingest_files([sheet_2023(tmp_path, records)])
    assert result.table["defasagem"].tolist() == [-1, -1]
    assert result.report.years[2023].repairs["defasagem_derived"] == 2


def test_percent_scale_column_is_refused(tmp_path: Path) -> None:
    records = [row_2023(f"RA-{i}", IEG=0.95) for i in range(1, 12)]
    with pytest.raises(PedeFormatError, match="a coluna 'IEG' tem todos os valores entre 0 e 1"):
        ingest_files([sheet_2023(tmp_path, records)])


def test_required_column_entirely_empty_is_refused(tmp_path: Path) -> None:
    records = [row_2023("RA-1", IEG=None), row_2023("RA-2", IEG="#N/A")]
    with pytest.raises(PedeFormatError, match="a coluna obrigatória 'IEG' está 100 % vazia"):
        ingest_files([sheet_2023(tmp_path, records)])


def test_missing_required_column_lists_unknown_headers(tmp_path: Path) -> None:
    headers = ["Indicador de Engajamento" if h == "IEG" else h for h in HEADERS_2023]
    path = write_workbook(
        tmp_path / "u.xlsx", {"PEDE2023": (headers, rows_of(HEADERS_2023, [row_2023("RA-1")]))}
    )
    with pytest.raises(
        PedeFormatError,
        match=r"faltam colunas obrigatórias: IEG\. Colunas não reconhecidas nesta tabela: "
        r"'Indicador de Engajamento'",
    ):
        ingest_files([path])


def test_absent_optional_columns_are_reported(tmp_path: Path) -> None:
    keep = ["RA", "Fase", "IAA", "IEG", "IPS", "IDA", "IPV", "Defasagem", "INDE 2023"]
    path = write_workbook(
        tmp_path / "a.xlsx", {"PEDE2023": (keep, rows_of(keep, [row_2023("RA-1")]))}
    )
    notes = ingest_files([path]).report.note_lines()
    assert (
        "2023: colunas ausentes nesta tabela: Fase Ideal, Turma, Idade, Gênero, Ano ingresso, "
        "Instituição de ensino, Nº Av, Pedra, IPP, IAN, Mat, Por, Ing, Data de Nasc"
    ) in notes


def test_a_year_that_copies_the_previous_one_is_warned(tmp_path: Path) -> None:
    headers_2024 = [{"INDE 2023": "INDE 2024", "Pedra 2023": "Pedra 2024"}.get(h, h)
                    for h in HEADERS_2023] + ["INDE 23"]  # fmt: skip
    records = [row_2023(f"RA-{i}", IAA=5 + i / 10) for i in range(1, 5)]
    copied = [{**r, "INDE 2024": r["INDE 2023"], "INDE 23": 5.0} for r in records]
    path = write_workbook(
        tmp_path / "c.xlsx",
        {
            "PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, records)),
            "PEDE2024": (headers_2024, rows_of(headers_2024, copied)),
        },
    )
    warnings = ingest_files([path]).report.warning_lines()
    assert (
        "2024: 4 de 4 alunos não ficaram mais velhos desde 2023: a aba de 2024 é cópia da anterior?"
        in warnings
    )
    assert (
        "2024: 4 de 4 alunos têm os mesmos indicadores de 2023: a aba de 2024 é cópia da anterior?"
        in warnings
    )
    carried = "2024: INDE do ano anterior (2023) difere do trazido nesta aba em 4 de 4"
    assert any(w.startswith(carried) for w in warnings)


def test_a_tab_renamed_to_another_year_is_an_error(tmp_path: Path) -> None:
    path = sheet_2023(tmp_path, [row_2023("RA-1")], name="PEDE2025")
    with pytest.raises(
        PedeFormatError,
        match=r"o nome da aba indica 2025, mas o cabeçalho mais recente é 'INDE 2023' \(2023\)",
    ):
        ingest_files([path])


def test_repeated_header_that_disagrees_names_columns_and_row(tmp_path: Path) -> None:
    headers = [*HEADERS_2023, "IAA"]
    rows = [[*r, 1.0] for r in rows_of(HEADERS_2023, [row_2023("RA-1")])]
    path = write_workbook(tmp_path / "d.xlsx", {"PEDE2023": (headers, rows)})
    with pytest.raises(
        PedeFormatError,
        match=r"'IAA \[coluna M\]' e 'IAA \[coluna Y\]' trazem IAA com valores diferentes "
        r"\(ex.: linha 2 \(RA-1\): 8.5 e 1.0\)",
    ):
        ingest_files([path])


def test_a_totals_row_is_named_as_such(tmp_path: Path) -> None:
    records = [row_2023("RA-1"), row_2023("Total", Fase=1, IAA=8)]
    with pytest.raises(PedeFormatError, match=r"'Total': linha de total ou rodapé\? apague-a"):
        ingest_files([sheet_2023(tmp_path, [*records[:1], {**records[1], "Fase": "soma"}])])


def test_excel_lock_file_is_recognized(tmp_path: Path) -> None:
    lock = tmp_path / "~$pede.xlsx"
    lock.write_bytes(b"\x06usuario" + b"\x00" * 100)
    with pytest.raises(
        PedeFormatError, match=r"arquivo de trava .* use o arquivo original \(pede.xlsx\)"
    ):
        ingest_files([lock])
