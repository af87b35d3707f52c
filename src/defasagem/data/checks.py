"""Consistency checks on the canonical table. They warn and keep the recorded values: the PEDE
spreadsheet is the NGO's record, and a silent "fix" would hide a real data problem."""

from __future__ import annotations

import re

import pandas as pd

from defasagem.data.legacy_csv import SURROGATE_PREFIX
from defasagem.data.report import IngestReport

_MAX_LISTED = 5
_RA_PATTERN = re.compile(r"^RA-\d+$")


def ian_from_defasagem(defasagem: float) -> float:
    """PEDE Tabela 41: D ≥ 0 → 10; −2 ≤ D < 0 → 5; D < −2 → 2.5."""
    if defasagem >= 0:
        return 10.0
    return 5.0 if defasagem >= -2 else 2.5


def check_table(table: pd.DataFrame, report: IngestReport) -> None:
    """Run every check, year by year, adding warnings to the report."""
    for year, group in table.groupby("ano"):
        warnings = report.year(int(str(year))).warnings
        warnings.extend(_definition_warnings(group))
        warnings.extend(_id_warnings(group))
    for year, lines in _birth_warnings(table).items():
        report.year(year).warnings.extend(lines)
    for year, lines in _year_to_year_warnings(table).items():
        report.year(year).warnings.extend(lines)


def _definition_warnings(group: pd.DataFrame) -> list[str]:
    """Defasagem = Fase − Fase Ideal, IAN = f(Defasagem), and a target on every row."""
    out = []
    known = group.dropna(subset=["fase", "fase_ideal", "defasagem"])
    wrong = known[known["defasagem"] != known["fase"] - known["fase_ideal"]]
    if len(wrong):
        out.append(
            f"Defasagem ≠ Fase − Fase Ideal em {len(wrong)} linha(s) ({_list_ra(wrong)}); "
            "mantido o valor registrado"
        )
    with_ian = group.dropna(subset=["ian", "defasagem"])
    expected = with_ian["defasagem"].astype(float).map(ian_from_defasagem)
    bad_ian = with_ian[(with_ian["ian"] - expected).abs() > 1e-9]
    if len(bad_ian):
        out.append(
            f"IAN diferente da regra da Defasagem em {len(bad_ian)} linha(s) ({_list_ra(bad_ian)})"
        )
    no_target = group[group["defasagem"].isna()]
    if len(no_target) and group["defasagem"].notna().any():
        out.append(
            f"{len(no_target)} linha(s) sem Defasagem nem Fase Ideal ({_list_ra(no_target)}): "
            "não servem de rótulo"
        )
    return out


def _id_warnings(group: pd.DataFrame) -> list[str]:
    ras = group["ra"].astype(str)
    odd = group[~ras.str.match(_RA_PATTERN) & ~ras.str.startswith(SURROGATE_PREFIX)]
    if not len(odd):
        return []
    return [
        f"RA fora do padrão 'RA-n' em {len(odd)} linha(s) ({_list_ra(odd)}): "
        "não serão ligados ao mesmo aluno em outros anos"
    ]


def _birth_warnings(table: pd.DataFrame) -> dict[int, list[str]]:
    """The same student should have one birth date; the latest year is taken as reference."""
    columns = ["ra", "ano", "data_nascimento", "ano_nascimento"]
    rows = table[columns].dropna(subset=["ano_nascimento"])
    latest = rows.sort_values("ano").groupby("ra").tail(1)
    pairs = rows.merge(latest, on="ra", suffixes=("", "_ref"))
    pairs = pairs[pairs["ano"] != pairs["ano_ref"]]
    out: dict[int, list[str]] = {}
    for year, group in pairs.groupby("ano"):
        dated = group.dropna(subset=["data_nascimento", "data_nascimento_ref"])
        differ = dated[dated["data_nascimento"] != dated["data_nascimento_ref"]]
        swapped = differ[
            (differ["data_nascimento"].dt.day == differ["data_nascimento_ref"].dt.month)
            & (differ["data_nascimento"].dt.month == differ["data_nascimento_ref"].dt.day)
            & (differ["data_nascimento"].dt.year == differ["data_nascimento_ref"].dt.year)
        ]
        undated = group[group["data_nascimento"].isna() | group["data_nascimento_ref"].isna()]
        year_differs = undated[undated["ano_nascimento"] != undated["ano_nascimento_ref"]]
        lines = []
        if len(differ):
            lines.append(
                f"{len(differ)} data(s) de nascimento diferem da do mesmo RA no ano mais recente "
                f"({len(swapped)} com dia e mês trocados; ex.: {_list_ra(differ)})"
            )
        if len(year_differs):
            lines.append(
                f"{len(year_differs)} ano(s) de nascimento diferem do mesmo RA no ano mais "
                f"recente ({_list_ra(year_differs)})"
            )
        if lines:
            out[int(str(year))] = lines
    return out


_COPY_INDICATORS = ["iaa", "ieg", "ips", "ida", "ipv"]
_SUSPICIOUS_SHARE = 0.5


def _year_to_year_warnings(table: pd.DataFrame) -> dict[int, list[str]]:
    """A year's sheet carries the previous INDE ("INDE 23" in 2024: equal in 690/690 real rows);
    ages grow; indicators are re-measured. A sheet that breaks all this is likely a copy."""
    out: dict[int, list[str]] = {}
    years = sorted(int(str(y)) for y in table["ano"].unique())
    for year in years:
        if year - 1 not in years:
            continue
        now = table[table["ano"] == year].set_index("ra")
        before = table[table["ano"] == year - 1].set_index("ra")
        both = now.join(before, how="inner", lsuffix="", rsuffix="_antes")
        if both.empty:
            continue
        lines = []
        carried = both.dropna(subset=["inde_hist1", "inde_antes"])
        differ = carried[(carried["inde_hist1"] - carried["inde_antes"]).abs() > 0.01]
        if len(differ):
            lines.append(
                f"INDE do ano anterior ({year - 1}) difere do trazido nesta aba em "
                f"{len(differ)} de {len(carried)} alunos ({_list_ra(differ.reset_index())})"
            )
        aged = both.dropna(subset=["idade", "idade_antes"])
        same_age = aged[aged["idade"] <= aged["idade_antes"]]
        indicators = both.dropna(subset=_COPY_INDICATORS)
        same = (
            indicators[_COPY_INDICATORS].to_numpy()
            == indicators[[f"{c}_antes" for c in _COPY_INDICATORS]].to_numpy()
        ).all(axis=1)
        if len(aged) and len(same_age) > _SUSPICIOUS_SHARE * len(aged):
            lines.append(
                f"{len(same_age)} de {len(aged)} alunos não ficaram mais velhos desde "
                f"{year - 1}: a aba de {year} é cópia da anterior?"
            )
        if len(indicators) and same.sum() > _SUSPICIOUS_SHARE * len(indicators):
            lines.append(
                f"{int(same.sum())} de {len(indicators)} alunos têm os mesmos indicadores de "
                f"{year - 1}: a aba de {year} é cópia da anterior?"
            )
        if lines:
            out[year] = lines
    return out


def _list_ra(rows: pd.DataFrame) -> str:
    ras = [str(r) for r in rows["ra"]]
    shown = ", ".join(ras[:_MAX_LISTED])
    return shown + (f" e mais {len(ras) - _MAX_LISTED}" if len(ras) > _MAX_LISTED else "")
