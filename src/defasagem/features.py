"""Student-year table → (t, t+1) pairs: features known at the end of year t, label from t+1.

The label is y = Defasagem(t+1) < 0, for students in Fase 0–7 at t who appear at t+1 (DESIGN §2).
Features are computed from rows of years ≤ t only: the pair builder hands the feature code a
table cut at t, so no value of t+1 can reach a feature (a test perturbs every t+1 value).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from defasagem.data.cells import fold
from defasagem.ideal_phase import IdealPhaseRule

LABEL = "defasado_ano_seguinte"
PAIR_KEYS = ("ra", "ano")
# Never features: identifiers, provenance, free text and the raw birth date (DESIGN §2, PROFILE §6).
BLOCKED = frozenset({"ra", "source", "turma", "data_nascimento", "instituicao_ensino"})

CURRENT = (
    "fase", "fase_ideal", "defasagem", "idade", "iaa", "ieg", "ips", "ida", "ipp", "ipv",
    "inde", "nota_mat", "nota_port", "nota_ing", "n_avaliacoes",
)  # fmt: skip
TRACKED = ("defasagem", "iaa", "ieg", "ips", "ida", "ipv", "inde")
NUMERIC = (
    *CURRENT,
    "anos_no_programa",
    "fase_ideal_proxima",
    "distancia_fase_ideal_proxima",
    "fase_ideal_avanca",
    "tem_historico",
    "ganho_fase_anterior",
    *(f"{c}_anterior" for c in TRACKED),
    *(f"delta_{c}" for c in TRACKED if c != "defasagem"),
)
CATEGORICAL = ("genero", "tipo_instituicao")
FEATURES = (*NUMERIC, *CATEGORICAL)
# Pedagogic common sense the tree model is held to (monotone constraints): a higher indicator,
# grade or Defasagem, or a rise since last year, never raises the risk; a longer way to next
# year's ideal phase never lowers it. "Worse engagement does not raise the risk" is then a
# guarantee of the model, not a hope about the data.
HIGHER_IS_BETTER = ("iaa", "ieg", "ips", "ida", "ipp", "ipv", "inde", "nota_mat", "nota_port")
RISK_DIRECTION: dict[str, int] = {
    **dict.fromkeys((*HIGHER_IS_BETTER, "nota_ing", "defasagem"), -1),
    **{f"delta_{c}": -1 for c in TRACKED if c != "defasagem"},
    "distancia_fase_ideal_proxima": 1,
}


# How the coarse institution types read in reasons and in the model card.
INSTITUTION_LABELS = {
    "publica": "pública",
    "privada": "privada",
    "concluiu_em": "concluiu o ensino médio",
    "outra": "outra",
}


def group_label(value: object) -> str:
    """A category value as a coordinator reads it (institution codes spelled out)."""
    return INSTITUTION_LABELS.get(str(value), str(value))


def institution_type(label: object) -> str | None:
    """The institution label of any year, coarsened to a type that exists in every year."""
    if not isinstance(label, str):
        return None
    text = fold(label)
    if "public" in text:
        return "publica"
    if "privada" in text or "decisao" in text or "jp ii" in text or "joao paulo" in text:
        return "privada"
    if "concluiu" in text or "universit" in text or "formado" in text:
        return "concluiu_em"
    return "outra"


def year_features(history: pd.DataFrame, year: int, rule: IdealPhaseRule | None) -> pd.DataFrame:
    """Features of every student present in ``year``, from rows of years ≤ ``year`` only.

    ``rule`` is the ideal-phase rule known at ``year``; it gives the Fase Ideal each student
    would have next year, hence how far the student's Fase is from it (the strongest fact).
    Without a rule (a year that records no birth dates, like 2021) those features are missing.
    """
    past = history[history["ano"] <= year]
    now = past[past["ano"] == year].set_index("ra")
    before = past[past["ano"] == year - 1].set_index("ra")
    out = pd.DataFrame(index=now.index)
    for column in CURRENT:
        out[column] = now[column].astype("float64")
    out["anos_no_programa"] = (year - now["ano_ingresso"]).astype("float64")
    ideal_next = _ideal_next_year(now, year, rule)
    out["fase_ideal_proxima"] = ideal_next
    out["distancia_fase_ideal_proxima"] = ideal_next - out["fase"]
    out["fase_ideal_avanca"] = ideal_next - out["fase_ideal"]
    previous = before.reindex(out.index)
    out["tem_historico"] = previous["ano"].notna().astype("float64")
    out["ganho_fase_anterior"] = out["fase"] - previous["fase"].astype("float64")
    for column in TRACKED:
        earlier = previous[column].astype("float64")
        if column == "inde":  # the sheet carries last year's INDE when the row is missing
            earlier = earlier.fillna(now["inde_hist1"].astype("float64"))
        out[f"{column}_anterior"] = earlier
        if column != "defasagem":
            out[f"delta_{column}"] = out[column] - earlier
    out["genero"] = _categories(now["genero"])
    out["tipo_instituicao"] = _categories(now["instituicao_ensino"].map(institution_type))
    return out


def _categories(values: pd.Series) -> pd.Series:
    """Object column with NaN for missing: scikit-learn's imputers do not see ``pd.NA``."""
    return values.astype("object").where(values.notna(), np.nan)


def _ideal_next_year(now: pd.DataFrame, year: int, rule: IdealPhaseRule | None) -> pd.Series:
    """Fase Ideal at year + 1 under the rule known at ``year``; missing without a birth date
    (a birth year alone only fixes the age when the rule counts ages on 31/12)."""
    result = pd.Series(np.nan, index=now.index, dtype="float64")
    if rule is None:
        return result
    birth = pd.to_datetime(now["data_nascimento"])
    birth_year = now["ano_nascimento"].astype("float64")
    monthday = (birth.dt.month * 100 + birth.dt.day).astype("float64")
    if (rule.reference_month, rule.reference_day) == (12, 31):
        monthday = monthday.fillna(1231.0)
    known = birth_year.notna() & monthday.notna()
    if known.any():
        phases = rule.phases(
            year + 1,
            np.asarray(birth_year[known], dtype=np.int64),
            np.asarray(monthday[known], dtype=np.int64),
        )
        result[known] = phases.astype("float64")
    return result


def next_year_outcomes(table: pd.DataFrame, year: int) -> pd.Series:
    """The label of every RA with a Defasagem in ``year + 1`` (1 = behind the ideal phase), by
    RA: what a list of ``year`` is measured against when the next export arrives."""
    following = table[table["ano"] == year + 1].set_index("ra")["defasagem"].dropna()
    return (following < 0).astype("int64")


def build_pairs(table: pd.DataFrame, rules: Mapping[int, IdealPhaseRule]) -> pd.DataFrame:
    """All (t, t+1) pairs of the table: ``ra``, ``ano`` (= t), the features and the label.

    ``rules`` holds the ideal-phase rule known at each year; a year without one (no birth
    dates recorded) still gives pairs, with the rule-based features missing.
    """
    frames = []
    years = sorted(int(str(y)) for y in table["ano"].unique())
    for year in years:
        if year + 1 not in years:
            continue
        # The cut: the feature code never receives a row of t+1.
        features = year_features(table[table["ano"] <= year], year, rules.get(year))
        outcome = next_year_outcomes(table, year)
        eligible = features["fase"].between(0, 7) & features.index.isin(outcome.index)
        pairs = features[eligible].copy()
        pairs[LABEL] = outcome.reindex(pairs.index).astype("int64")
        pairs.insert(0, "ano", year)
        frames.append(pairs.reset_index(names="ra"))
    if not frames:
        return pd.DataFrame(columns=[*PAIR_KEYS, *FEATURES, LABEL])
    return pd.concat(frames, ignore_index=True)


# What each feature means, in the words a coordinator reads (reasons, schema, model card).
DESCRIPTIONS: dict[str, str] = {
    "fase": "Fase atual",
    "fase_ideal": "Fase Ideal atual",
    "defasagem": "Defasagem atual (Fase − Fase Ideal)",
    "idade": "Idade",
    "iaa": "IAA (autoavaliação)",
    "ieg": "IEG (engajamento)",
    "ips": "IPS (psicossocial)",
    "ida": "IDA (aprendizagem)",
    "ipp": "IPP (psicopedagógico)",
    "ipv": "IPV (ponto de virada)",
    "inde": "INDE",
    "nota_mat": "Nota de Matemática",
    "nota_port": "Nota de Português",
    "nota_ing": "Nota de Inglês",
    "n_avaliacoes": "Número de avaliações",
    "anos_no_programa": "Anos no programa",
    "fase_ideal_proxima": "Fase Ideal do próximo ano (pela data de nascimento)",
    "distancia_fase_ideal_proxima": "Fases até a Fase Ideal do próximo ano",
    "fase_ideal_avanca": "Fase Ideal avança no próximo ano",
    "tem_historico": "Avaliado no ano anterior",
    "ganho_fase_anterior": "Fases avançadas desde o ano anterior",
    "defasagem_anterior": "Defasagem no ano anterior",
    "iaa_anterior": "IAA no ano anterior",
    "ieg_anterior": "IEG no ano anterior",
    "ips_anterior": "IPS no ano anterior",
    "ida_anterior": "IDA no ano anterior",
    "ipv_anterior": "IPV no ano anterior",
    "inde_anterior": "INDE no ano anterior",
    "delta_iaa": "Variação do IAA desde o ano anterior",
    "delta_ieg": "Variação do IEG desde o ano anterior",
    "delta_ips": "Variação do IPS desde o ano anterior",
    "delta_ida": "Variação do IDA desde o ano anterior",
    "delta_ipv": "Variação do IPV desde o ano anterior",
    "delta_inde": "Variação do INDE desde o ano anterior",
    "genero": "Gênero",
    "tipo_instituicao": "Tipo de instituição de ensino",
}
