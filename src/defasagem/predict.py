"""The scorer: year-t records → calibrated probability, risk band, rank and reasons.

Used by ``defasagem predict`` (and, later, by the API and the pages). Reasons are the model's
own exact contributions (see :meth:`CalibratedModel.contributions`): the factors that raised
this student's risk the most, with the values behind them.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from defasagem.errors import DefasagemError
from defasagem.features import CATEGORICAL, DESCRIPTIONS, group_label, year_features
from defasagem.files import write_atomically
from defasagem.ideal_phase import IdealPhaseRule, fit_rule
from defasagem.modeling.bundle import Bundle
from defasagem.ptbr import percent
from defasagem.records import features_of, record_features

N_REASONS = 3
NOT_A_REASON = ("genero",)
# A year's own rule is trusted for its features only if it reproduces its recorded Fase Ideal.
RULE_MIN_AGREEMENT = 0.9
YES_NO = ("fase_ideal_avanca", "tem_historico")
SIGNED = ("defasagem", "defasagem_anterior", "ganho_fase_anterior")

# Output columns of `defasagem predict` (pt-BR: the file goes to coordinators).
COLUMNS = {
    "posicao": "Posição",
    "ra": "RA",
    "ano": "Ano",
    "fase": "Fase",
    "turma": "Turma",
    "risco": "Risco (%)",
    "faixa": "Faixa",
    "acompanhar": "Entre os {share} de maior risco",
    "motivo_1": "Motivo 1",
    "motivo_2": "Motivo 2",
    "motivo_3": "Motivo 3",
}


class Reason(NamedTuple):
    """One factor that raised the risk: the feature, its value and its share of the log-odds.

    A named tuple, not a dataclass: a batch builds thousands, and a tuple is built ~5× faster.
    """

    feature: str
    value: object
    contribution: float

    @property
    def shown_value(self) -> str:
        """The value as a coordinator reads it (``"4,2"``)."""
        return display(self.feature, self.value)

    @property
    def text(self) -> str:
        """``"IEG (engajamento): 4,2"``."""
        return f"{DESCRIPTIONS[self.feature]}: {self.shown_value}"


@dataclass(frozen=True)
class ScoredYear:
    """A ranked year: one row per scored student, plus what was left out and why."""

    year: int
    table: pd.DataFrame
    reasons: list[list[Reason]]
    excluded: int
    rule: IdealPhaseRule
    rule_source: str
    share: float
    # Scored students whose next-year Fase Ideal is unknown (no birth date), and without a row
    # in the previous year: both score less precisely, and the user should know.
    bands_text: str = ""
    without_birth_date: int = 0
    without_history: int = 0
    previous_year_in_file: bool = True
    # The scored students' feature rows, by RA (the pages compare a student with their Fase).
    features: pd.DataFrame | None = None

    def notes(self) -> list[str]:
        """Warnings for the person who runs the scoring (pt-BR)."""
        notes = []
        if self.without_birth_date:
            notes.append(
                f"{self.without_birth_date} aluno(s) sem data de nascimento: a Fase Ideal do "
                "ano que vem não pôde ser calculada e o risco deles é menos preciso."
            )
        if not self.previous_year_in_file:
            notes.append(
                f"o arquivo não traz {self.year - 1}: sem o ano anterior, o histórico (evolução "
                "dos indicadores, fases avançadas) não entra; junte a planilha de "
                f"{self.year - 1} com outro --data."
            )
        elif self.without_history:
            notes.append(
                f"{self.without_history} aluno(s) sem avaliação em {self.year - 1} (novos no "
                "programa): pontuados sem histórico, com menos precisão."
            )
        return notes


@functools.lru_cache(maxsize=4096)
def display(feature: str, value: object) -> str:
    """A feature value as a coordinator reads it (decimal comma, "sim"/"não", "não informado").

    Cached: a batch shows the same few values of each feature thousands of times.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "não informado"
    if feature in CATEGORICAL:
        return group_label(value)
    number = float(value)  # type: ignore[arg-type]
    if feature in YES_NO:
        return "sim" if number >= 0.5 else "não"
    if number.is_integer():
        text = f"{int(number):+d}" if feature in SIGNED and number else f"{int(number)}"
    else:
        text = f"{number:+.1f}" if feature.startswith("delta_") else f"{number:.1f}"
    return text.replace(".", ",").replace("-", "−")


def top_reasons(contributions: pd.DataFrame, features: pd.DataFrame) -> list[list[Reason]]:
    """For each row, up to three features with the largest positive contribution to the risk.

    Gender still counts in the probability, but is never shown as a reason: nobody can or
    should act on it, and a list saying "Gênero: Masculino" invites the wrong reading.
    """
    parts = contributions.drop(columns=["base", *NOT_A_REASON], errors="ignore")
    values = parts.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :N_REASONS]
    names = list(parts.columns)
    # Column arrays once: indexing a DataFrame row by row costs ~1 ms a student.
    columns = [features[name].to_numpy(dtype=object) for name in names]
    return [
        [
            Reason(names[j], columns[j][row], float(values[row, j]))
            for j in picks
            if values[row, j] > 0
        ]
        for row, picks in enumerate(order)
    ]


class ScoredRecord(NamedTuple):
    """One student scored through the single-record path."""

    probability: float
    band: str
    flagged: bool
    reasons: list[Reason]
    # The model's feature row (what drift monitoring compares with the training reference).
    features: Mapping[str, Any]


def score_record(
    bundle: Bundle, record: Mapping[str, Any], rule: IdealPhaseRule | None = None
) -> ScoredRecord:
    """Score one validated year-t record without building a DataFrame (the API's fast path).

    ``rule`` defaults to the bundle's ideal-phase rule.
    """
    return score_records(bundle, [record], rule)[0]


def score_records(
    bundle: Bundle, records: Sequence[Mapping[str, Any]], rule: IdealPhaseRule | None = None
) -> list[ScoredRecord]:
    """:func:`score_record` of many records, with one pass through the model.

    A batch computes its features column by column; one student alone, in plain Python
    (cheaper than ~60 array operations on one element). Both run the same arithmetic
    (:mod:`defasagem.records`), so a student gets the same bits either way (a test checks).
    """
    fast = bundle.fast
    if len(records) == 1:
        rows = [record_features(records[0], rule or bundle.rule)]
        matrix = fast.rows_matrix(rows)
    else:
        columns = features_of(records, rule or bundle.rule)
        matrix = fast.columns_matrix(columns)
        names_in_order = list(columns)
        rows = [
            dict(zip(names_in_order, values, strict=True))
            for values in zip(*(_plain(columns[name]) for name in names_in_order), strict=True)
        ]
    probabilities, parts = fast.score_matrix(matrix)
    names = fast.sources
    shown = [i for i, name in enumerate(names) if name not in NOT_A_REASON]
    candidates = parts[:, shown]
    # The same order as the batch scorer: largest contribution first, ties by column order.
    order = np.argsort(-candidates, axis=1, kind="stable")[:, :N_REASONS]
    picked = np.take_along_axis(candidates, order, axis=1).tolist()
    reason_names = [names[i] for i in shown]
    threshold = bundle.policy.threshold
    band = bundle.policy.band
    out = []
    for probability, row, picks, shares in zip(
        probabilities.tolist(), rows, order.tolist(), picked, strict=True
    ):
        reasons = [
            Reason(reason_names[j], row[reason_names[j]], share)
            for j, share in zip(picks, shares, strict=True)
            if share > 0
        ]
        out.append(
            ScoredRecord(probability, band(probability), probability >= threshold, reasons, row)
        )
    return out


def _plain(values: Any) -> list[Any]:
    """A feature column as Python values (floats, texts, None)."""
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def scoring_rule(
    table: pd.DataFrame, year: int, bundle: Bundle, explicit: IdealPhaseRule | None
) -> tuple[IdealPhaseRule, str]:
    """The ideal-phase rule known at ``year``: the operator's, else the year's own, else the
    bundle's (learned from the latest training year)."""
    if explicit is not None:
        return explicit, "do arquivo de regra informado"
    try:
        own = fit_rule(table, year)
    except DefasagemError:
        own = None
    if own is not None and own.agreement >= RULE_MIN_AGREEMENT:
        return own, f"aprendida das linhas de {year}"
    return bundle.rule, f"do pacote do modelo (aprendida de {bundle.rule.learned_from})"


def up_to_year(table: pd.DataFrame, year: int | None, source: str) -> pd.DataFrame:
    """The table as it stood in ``year`` (its later years left out), to score that year; the
    whole table when ``year`` is None. A Portuguese error naming the years when it is absent."""
    if year is None:
        return table
    years = sorted(int(y) for y in table["ano"].unique())
    if year not in years:
        raise DefasagemError(
            f"{source}: não tem o ano {year} para pontuar (anos no arquivo: "
            f"{', '.join(str(y) for y in years)})."
        )
    return table[table["ano"] <= year]


def score_year(
    bundle: Bundle,
    table: pd.DataFrame,
    *,
    rule: IdealPhaseRule | None = None,
) -> ScoredYear:
    """Score the latest year of a canonical table (students of Fase 0–7), ranked by risk."""
    year = int(table["ano"].max())
    used, source = scoring_rule(table, year, bundle, rule)
    features = year_features(table[table["ano"] <= year], year, used)
    in_scope = features["fase"].between(0, 7)
    features = features[in_scope]
    if features.empty:
        raise DefasagemError(
            f"{year}: nenhum aluno da Fase 0 a 7 para pontuar (a Fase 8, universitária, não "
            "fica defasada)."
        )
    probability = bundle.model.predict_proba(features)
    reasons = top_reasons(bundle.model.contributions(features), features)
    now = table[table["ano"] == year].set_index("ra")
    result = pd.DataFrame(
        {
            "ra": features.index,
            "ano": year,
            "fase": features["fase"].astype("int64").to_numpy(),
            "turma": now["turma"].reindex(features.index).to_numpy(),
            "probabilidade": probability,
        }
    )
    result["faixa"] = [bundle.policy.band(p) for p in probability]
    order = np.lexsort((result["ra"].to_numpy(), -probability))
    result = result.iloc[order].reset_index(drop=True)
    reasons = [reasons[i] for i in order]
    capacity = math.ceil(bundle.policy.share * len(result))
    result.insert(0, "posicao", np.arange(1, len(result) + 1))
    result["acompanhar"] = result["posicao"] <= capacity
    for k in range(N_REASONS):
        result[f"motivo_{k + 1}"] = [r[k].text if k < len(r) else "" for r in reasons]
    return ScoredYear(
        year,
        result,
        reasons,
        int((~in_scope).sum()),
        used,
        source,
        bundle.policy.share,
        bands_text=(
            f"alto a partir de {percent(bundle.policy.threshold, 1)}; médio a partir de "
            f"{percent(bundle.policy.medium_cut, 1)}; baixo abaixo disso"
        ),
        without_birth_date=int(features["fase_ideal_proxima"].isna().sum()),
        without_history=int((features["tem_historico"] == 0).sum()),
        previous_year_in_file=bool((table["ano"] == year - 1).any()),
        features=features,
    )


# The follow-up columns the pages add to a download (long texts: wide columns).
WIDE_EXTRA = ("Intervenções", "Situações", "Responsáveis")


def column_names(share: float) -> list[str]:
    """The Portuguese headers of the ranked list, for a capacity ``share``."""
    return [name.format(share=percent(share)) for name in COLUMNS.values()]


def readable(scored: ScoredYear, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranked list with Portuguese headers, risk in %, "sim"/"não"; ``extra`` columns
    (already named, one row per student in the list's order) go at the end."""
    table = scored.table.copy()
    table["risco"] = (100 * table["probabilidade"]).round(1)
    table["acompanhar"] = np.where(table["acompanhar"], "sim", "não")
    table = table[list(COLUMNS)]
    table.columns = column_names(scored.share)
    if extra is not None:
        table = pd.concat([table, extra.set_axis(table.index)], axis=1)
    return table


def write_ranked(scored: ScoredYear, out: Path, version: str) -> None:
    """Write the ranked list as .xlsx or .csv (``;`` and decimal comma, as Excel in pt-BR)."""
    # Built in memory first: a full disk then fails in one plain write, not inside zipfile.
    content = ranked_bytes(scored, out.suffix.lower(), version)
    write_atomically(out, lambda tmp: tmp.write_bytes(content))


def ranked_bytes(
    scored: ScoredYear, suffix: str, version: str, extra: pd.DataFrame | None = None
) -> bytes:
    """The ranked list as the bytes of a ``.csv`` or ``.xlsx`` file (what the pages download),
    with ``extra`` columns (the follow-up records) at the end."""
    table = readable(scored, extra)
    if suffix == ".csv":
        text = table.to_csv(sep=";", decimal=",", index=False)
        return b"\xef\xbb\xbf" + text.encode("utf-8")  # the BOM makes Excel read UTF-8
    return excel_bytes(table, scored, version)


def excel_bytes(table: pd.DataFrame, scored: ScoredYear, version: str) -> bytes:
    """The workbook: the ranked list (header frozen, filters, readable widths) and a sheet
    that says what the columns mean and which model made them."""
    buffer = io.BytesIO()
    name = f"Risco {scored.year}"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=name)
        sheet = writer.sheets[name]
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for column, header in zip(
            sheet.iter_cols(min_row=1, max_row=1), table.columns, strict=True
        ):
            wide = header.startswith("Motivo") or header in WIDE_EXTRA
            width = 48 if wide else max(10, len(str(header)) + 2)
            sheet.column_dimensions[column[0].column_letter].width = width
        about = pd.DataFrame(
            [
                ("Ano pontuado", str(scored.year)),
                ("Modelo", version),
                ("Risco (%)", "probabilidade de estar atrás da Fase Ideal no ano seguinte"),
                ("Faixas", scored.bands_text),
                (
                    f"Entre os {percent(scored.share)} de maior risco",
                    "sim para os alunos do topo da lista, até a capacidade da equipe",
                ),
                ("Motivos", "fatores que mais aumentaram o risco do aluno, com os valores"),
                ("Regra da Fase Ideal", scored.rule_source),
                *(
                    [("Acompanhamento", "os registros da equipe na data do download")]
                    if WIDE_EXTRA[0] in table.columns
                    else []
                ),
                ("Fora da Fase 0–7 (não pontuados)", str(scored.excluded)),
                *(("Aviso", note) for note in scored.notes()),
            ],
            columns=["Item", "Descrição"],
        )
        about.to_excel(writer, index=False, sheet_name="Sobre")
        writer.sheets["Sobre"].column_dimensions["A"].width = 34
        writer.sheets["Sobre"].column_dimensions["B"].width = 90
    return buffer.getvalue()
