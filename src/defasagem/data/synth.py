"""A deterministic synthetic PEDE workbook that looks like the real ``pede_2022_2024.xlsx``.

It lets the whole product (ingest → train → serve) be demonstrated and tested without the real
data. Sheets, headers (duplicates included), cell types, number formats and quirks follow the
real file (data/PROFILE.md); the values come from a small latent-variable simulation whose
parameters are the real aggregate figures in ``TARGETS``. No real row, name, school or value is
stored here: only aggregates (shares, quantiles, rates, fitted coefficients).

The simulation, per student: a latent ability (persistent from year to year) drives the
indicators and the chance of being promoted; Fase Ideal follows from the birth date through
each year's own rule; Defasagem = Fase − Fase Ideal; IAN, INDE and Pedra follow the PEDE
formulas. The next year's lag is therefore predictable from this year's indicators beyond the
current lag, as in the real panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

YEARS: Final = (2022, 2023, 2024)
SHEET_NAMES: Final = {2022: "PEDE2022", 2023: "PEDE2023", 2024: "PEDE2024"}
MIN_STUDENTS: Final = 30
MAX_STUDENTS: Final = 100_000

# Probabilities at which TARGETS["indicator_quantiles"] were measured.
QUANTILE_PROBS: Final = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
INDICATORS: Final = ("IAA", "IEG", "IPS", "IPP", "IPV", "Mat", "Por", "Ing")

# fmt: off
# Real aggregate figures (computed from the real workbook and, for IPP 2022, the old CSV).
# Counts are kept as counts so the shares scale with n_students. "Fase ≤ 7" rows only for the
# indicators. Nothing here identifies a student.
TARGETS: Final[dict[str, Any]] = {
    "rows": {2022: 860, 2023: 1014, 2024: 1156},
    "continuing": {2022: 600, 2023: 765},  # students of year t also present in t+1
    "continuation_by_fase": {  # share of each Fase still present the next year
        2022: {0: 0.78, 1: 0.74, 2: 0.72, 3: 0.57, 4: 0.66, 5: 0.67, 6: 0.67, 7: 0.52},
        2023: {0: 0.75, 1: 0.80, 2: 0.76, 3: 0.71, 4: 0.71, 5: 0.66, 6: 0.52, 7: 0.87, 8: 0.94},
    },
    # Attrition is a little higher among laggards (PROFILE §5): relative weight of staying.
    "continuation_lag_weight": {2022: 0.8, 2023: 0.7},
    "skip_2023_returners": 4,  # in 2022 and 2024, not in 2023
    "alumni_2024": {"total": 38, "from_2023": 13},  # Fase "9" rows
    "lag_rate": {2022: 0.699, 2023: 0.544, 2024: 0.462},
    # Pairs t → t+1 as in PROFILE §5 (Fase 8 at t included; with Fase 0–7 only, 2023→24 has
    # ok_to_lag 0.27 and P(lag | D=0) 0.30, which is what the calibration aimed at).
    "ok_to_lag": {2022: 0.317, 2023: 0.227},
    "p_lag_next": {
        2022: {-2: 0.97, -1: 0.65, 0: 0.34, 1: 0.00},
        2023: {-2: 0.91, -1: 0.46, 0: 0.25, 1: 0.03},
    },
    "defasagem": {
        2022: {-5: 1, -4: 4, -3: 23, -2: 163, -1: 410, 0: 247, 1: 9, 2: 3},
        2023: {-4: 1, -3: 13, -2: 130, -1: 408, 0: 420, 1: 37, 2: 5},
        2024: {-3: 3, -2: 90, -1: 441, 0: 485, 1: 119, 2: 16, 3: 2},
    },
    "fase": {
        2022: {0: 190, 1: 192, 2: 155, 3: 148, 4: 76, 5: 60, 6: 18, 7: 21},
        2023: {0: 231, 1: 173, 2: 200, 3: 132, 4: 94, 5: 65, 6: 33, 7: 23, 8: 63},
        2024: {0: 196, 1: 185, 2: 185, 3: 211, 4: 115, 5: 100, 6: 25, 7: 37, 8: 64, 9: 38},
    },
    # Fase by age (as the sheet reports it) of the students entering the panel in that sheet:
    # placement follows age, so the youngest of a two-year Fase Ideal band lag more often.
    "entrants": {
        2022: {7: {0: 14}, 8: {0: 55, 1: 2}, 9: {0: 68, 1: 28}, 10: {0: 38, 1: 66, 2: 12},
               11: {0: 14, 1: 54, 2: 32, 3: 1, 4: 1}, 12: {0: 1, 1: 30, 2: 59, 3: 16, 4: 1},
               13: {1: 9, 2: 36, 3: 49, 4: 4, 5: 2}, 14: {1: 3, 2: 15, 3: 46, 4: 20, 5: 1},
               15: {3: 22, 4: 28, 5: 13}, 16: {2: 1, 3: 11, 4: 15, 5: 22, 6: 3},
               17: {3: 2, 4: 6, 5: 20, 6: 15, 7: 5}, 18: {3: 1, 4: 1, 5: 2, 7: 8}, 19: {7: 5},
               20: {7: 2}, 21: {7: 1}},
        2023: {7: {0: 26}, 8: {0: 73, 1: 1}, 9: {0: 37, 1: 17}, 10: {0: 10, 1: 23, 2: 6},
               11: {0: 7, 1: 13, 2: 24, 3: 2}, 12: {0: 1, 1: 2, 2: 26, 3: 4},
               13: {2: 10, 3: 7, 4: 4}, 14: {1: 1, 2: 5, 3: 12, 4: 6}, 15: {3: 2, 4: 7, 5: 5},
               16: {3: 2, 4: 5, 5: 9, 6: 3, 7: 4}, 17: {4: 2, 5: 3, 6: 3, 7: 2, 8: 1},
               18: {5: 1, 7: 1, 8: 6}, 19: {6: 1, 7: 1, 8: 11}, 20: {7: 1, 8: 13}, 21: {8: 7},
               22: {7: 1, 8: 3}, 23: {8: 1}, 24: {8: 1}, 26: {8: 1}},
        2024: {7: {0: 20}, 8: {0: 47}, 9: {0: 34, 1: 6, 2: 1}, 10: {0: 17, 1: 21, 2: 4},
               11: {0: 1, 1: 22, 2: 17, 3: 1}, 12: {1: 5, 2: 30, 3: 1},
               13: {1: 4, 2: 10, 3: 16, 4: 1}, 14: {2: 2, 3: 14, 4: 3},
               15: {3: 9, 4: 14, 5: 5}, 16: {3: 1, 4: 19, 5: 8, 6: 4}, 17: {4: 3, 5: 11, 6: 5},
               18: {5: 1, 6: 1}, 20: {8: 2}, 21: {8: 2}},
    },
    "age_alumni_2024": {20: 6, 21: 8, 22: 14, 23: 8, 24: 1, 25: 1},
    "ano_ingresso_2022": {2016: 29, 2017: 40, 2018: 67, 2019: 139, 2020: 48, 2021: 138,
                          2022: 399},
    "female_share": {2022: 0.531, 2023: 0.553, 2024: 0.530},  # 2023/2024: new students
    "institution": {
        2022: {"Escola Pública": 752, "Rede Decisão": 106, "Escola JP II": 2},
        2023: {"Pública": 809, "Privada - Programa de Apadrinhamento": 100, "Privada": 28,
               "Privada *Parcerias com Bolsa 100%": 5, "Concluiu o 3º EM": 7,
               "Nenhuma das opções acima": 2},
        2024: {"Pública": 912, "Privada - Programa de Apadrinhamento": 95, "Privada": 29,
               "Privada *Parcerias com Bolsa 100%": 13, "Concluiu o 3º EM": 4},
        "university_2023": {"Privada *Parcerias com Bolsa 100%": 55,
                            "Privada - Pagamento por *Empresa Parceira": 8},
        "university_2024": {"Privada *Parcerias com Bolsa 100%": 27, "Privada": 23,
                            "Privada - Pagamento por *Empresa Parceira": 9,
                            "Concluiu o 3º EM": 3, "Pública": 1},
        "alumni_2024": {"Privada": 24, "Bolsista Universitário *Formado (a)": 13,
                        "Privada *Parcerias com Bolsa 100%": 1},
    },
    "pedra_history_2022": {
        "Pedra 20": {"Quartzo": 24, "Ágata": 56, "Ametista": 182, "Topázio": 61},
        "Pedra 21": {"Quartzo": 58, "Ágata": 112, "Ametista": 206, "Topázio": 86},
    },
    # Share of Fase 3–7 rows with an English grade (Fase 0–2 never have one).
    "english_share": {
        2022: {3: 0.86, 4: 0.96, 5: 0.87, 6: 1.0, 7: 0.62},
        2023: {3: 1.0, 4: 1.0, 5: 1.0, 6: 1.0, 7: 1.0},
        2024: {3: 0.97, 4: 0.97, 5: 0.96, 6: 1.0, 7: 1.0},
    },
    "n_av": {
        2022: {0: {2: 1.0}, 1: {2: 0.24, 3: 0.76}, 2: {3: 1.0}, 3: {3: 0.09, 4: 0.91},
               4: {4: 1.0}, 5: {3: 0.45, 4: 0.55}, 6: {4: 1.0}, 7: {4: 1.0}},
        2023: {0: {2: 1.0}, 1: {3: 1.0}, 2: {3: 1.0}, 3: {4: 1.0}, 4: {4: 1.0},
               5: {4: 1.0}, 6: {4: 1.0}, 7: {4: 1.0}},
        2024: {0: {2: 0.67, 3: 0.33}, 1: {2: 0.5, 3: 0.31, 4: 0.19}, 2: {3: 0.76, 4: 0.24},
               3: {2: 0.06, 3: 0.27, 4: 0.49, 5: 0.18}, 4: {3: 0.14, 4: 0.43, 5: 0.37, 6: 0.06},
               5: {3: 0.39, 4: 0.26, 5: 0.35}, 6: {5: 1.0}, 7: {0: 0.68, 3: 0.32}},
    },
    # 2023 rows without indicators / INDE besides Fase 8 (PROFILE §1).
    "missing_2023": {"fase7_no_indicators": 13 / 23, "fase4_no_ips": 6 / 94},
    "birth_time_part_2024": 72 / 102,  # Fase 8/9 birth dates with a 02:00/03:00 time part
    "indicator_mean_sd": {
        2022: {"IAA": (8.27, 2.07), "IEG": (7.89, 1.64), "IPS": (6.91, 1.07),
               "IDA": (6.09, 2.05), "IPV": (7.25, 1.09), "INDE": (7.04, 1.02)},
        2023: {"IAA": (6.90, 3.59), "IEG": (8.70, 1.08), "IPS": (5.12, 2.09),
               "IPP": (7.56, 0.98), "IDA": (6.66, 1.60), "IPV": (8.03, 0.95),
               "INDE": (7.34, 0.90)},
        2024: {"IAA": (8.54, 1.49), "IEG": (8.09, 1.76), "IPS": (6.83, 1.43),
               "IPP": (7.55, 0.90), "IDA": (6.35, 2.13), "IPV": (7.35, 1.05),
               "INDE": (7.40, 1.01)},
    },
    "correlation": {  # Pearson, Fase ≤ 7
        2022: {"IEG~IDA": 0.56, "IDA~IPV": 0.62, "IEG~IPV": 0.59, "INDE~IDA": 0.82},
        2023: {"IEG~IDA": 0.46, "IDA~IPV": 0.54, "IEG~IPV": 0.45, "INDE~IDA": 0.73},
        2024: {"IEG~IDA": 0.55, "IDA~IPV": 0.51, "IEG~IPV": 0.54, "INDE~IDA": 0.80},
    },
    "english_missing": {2022: 0.67, 2023: 0.67, 2024: 0.59},  # share of all rows
    "indicator_quantiles": {
        2022: {
            "IAA": (0.0, 5.19, 6.9, 7.9, 8.0, 8.5, 8.8, 9.0, 9.2, 9.5, 10.0, 10.0, 10.0),
            "IEG": (3.218, 4.595, 5.59, 6.6, 7.4, 7.9, 8.3, 8.7, 9.0, 9.3, 9.6, 9.8, 10.0),
            "IPS": (4.4, 5.0, 5.0, 5.6, 6.9, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 8.1, 9.046),
            "IPP": (3.333, 4.583, 5.0, 5.625, 5.625, 6.042, 6.25, 6.458, 6.719, 7.344, 7.812,
                    8.281, 8.906),
            "IPV": (3.858, 5.221, 5.833, 6.458, 6.889, 7.167, 7.333, 7.5, 7.778, 8.083, 8.5,
                    8.917, 9.567),
            "Mat": (0.0, 1.3, 2.3, 3.7, 4.7, 5.3, 6.0, 6.5, 7.3, 8.0, 9.0, 9.4, 9.843),
            "Por": (0.0, 2.3, 3.27, 4.8, 5.7, 6.0, 6.7, 7.0, 7.5, 8.0, 8.8, 9.2, 9.7),
            "Ing": (0.0, 0.21, 1.26, 2.8, 4.26, 5.4, 6.3, 7.3, 8.2, 8.7, 9.3, 9.7, 10.0),
        },
        2023: {
            "IAA": (0.0, 0.0, 0.0, 1.7, 7.5, 8.0, 8.5, 9.0, 9.0, 9.5, 9.6, 10.0, 10.0),
            "IEG": (5.2, 6.6, 7.3, 7.9, 8.3, 8.6, 9.0, 9.2, 9.4, 9.6, 9.8, 9.9, 10.0),
            "IPS": (2.52, 2.52, 2.52, 2.52, 3.14, 3.77, 5.0, 6.26, 7.52, 7.52, 7.52, 7.52, 8.14),
            "IPP": (5.0, 5.625, 6.25, 6.875, 7.292, 7.5, 7.656, 7.812, 8.125, 8.333, 8.75,
                    8.958, 9.375),
            "IPV": (5.607, 6.464, 6.884, 7.292, 7.585, 7.833, 8.045, 8.255, 8.5, 8.787, 9.217,
                    9.756, 10.01),
            "Mat": (1.572, 3.3, 4.2, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.7, 9.2, 9.628),
            "Por": (2.108, 3.5, 4.3, 5.2, 5.8, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.4, 9.764),
            "Ing": (1.2, 2.2, 2.8, 4.5, 5.18, 5.8, 6.4, 7.0, 7.52, 8.3, 9.0, 9.5, 10.0),
        },
        2024: {
            "IAA": (0.0, 6.918, 7.5, 7.917, 8.334, 8.502, 8.751, 9.002, 9.168, 9.502, 10.002,
                    10.002, 10.002),
            "IEG": (2.851, 4.773, 5.63, 6.663, 7.525, 8.011, 8.592, 9.0, 9.319, 9.59, 9.928,
                    10.0, 10.0),
            "IPS": (2.51, 2.51, 5.01, 6.26, 6.26, 7.505, 7.51, 7.51, 7.51, 7.51, 8.13, 8.135,
                    9.38),
            "IPP": (4.902, 5.938, 6.406, 6.875, 7.25, 7.5, 7.5, 7.812, 7.969, 8.263, 8.578,
                    8.906, 9.375),
            "IPV": (4.239, 5.48, 5.94, 6.566, 6.964, 7.266, 7.5, 7.665, 7.92, 8.225, 8.572,
                    8.838, 9.4),
            "Mat": (0.0, 0.5, 2.0, 4.0, 5.0, 6.0, 6.5, 7.5, 8.0, 9.0, 10.0, 10.0, 10.0),
            "Por": (0.0, 1.0, 3.0, 4.5, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0, 9.5, 10.0),
            "Ing": (0.0, 0.0, 2.1, 4.0, 5.0, 6.0, 7.0, 8.0, 8.5, 9.5, 10.0, 10.0, 10.0),
        },
    },
    # One-factor loadings fitted to each year's Spearman correlations of the indicators.
    "factor_loadings": {
        2022: {"IAA": 0.24, "IEG": 0.67, "IPS": 0.19, "IPP": 0.21, "IPV": 0.79, "Mat": 0.69,
               "Por": 0.68, "Ing": 0.80},
        2023: {"IAA": 0.17, "IEG": 0.60, "IPS": 0.11, "IPP": 0.53, "IPV": 0.77, "Mat": 0.63,
               "Por": 0.70, "Ing": 0.64},
        2024: {"IAA": 0.22, "IEG": 0.69, "IPS": 0.05, "IPP": 0.68, "IPV": 0.82, "Mat": 0.61,
               "Por": 0.61, "Ing": 0.66},
    },
    # Logit of "promoted next year" on (1, −Defasagem_t, ideal phase advances, IPV+IDA score).
    # Fitted on the real pairs: 2022 (−0.81, 1.18, 0.88, 0.82), 2023 (0.90, 0.75, −0.49, 0.81);
    # the first three are then tuned (grid search over 20 seeds) so that the simulated panel
    # meets p_lag_next, ok_to_lag and lag_rate; the signal coefficient is the fitted one.
    "promotion_logit": {2022: (-0.75, 1.7, 0.6, 0.821), 2023: (1.15, 1.3, -1.0, 0.813)},
    # Share of promotions that skip a phase: laggards catch up more often.
    "promotion_skip": {"behind_2_plus": 0.09, "other": 0.04},
}

HEADERS: Final[dict[int, tuple[str, ...]]] = {
    2022: (
        "RA", "Fase", "Turma", "Nome", "Ano nasc", "Idade 22", "Gênero", "Ano ingresso",
        "Instituição de ensino", "Pedra 20", "Pedra 21", "Pedra 22", "INDE 22", "Cg", "Cf",
        "Ct", "Nº Av", "Avaliador1", "Rec Av1", "Avaliador2", "Rec Av2", "Avaliador3",
        "Rec Av3", "Avaliador4", "Rec Av4", "IAA", "IEG", "IPS", "Rec Psicologia", "IDA",
        "Matem", "Portug", "Inglês", "Indicado", "Atingiu PV", "IPV", "IAN", "Fase ideal",
        "Defas", "Destaque IEG", "Destaque IDA", "Destaque IPV",
    ),
    2023: (
        "RA", "Fase", "INDE 2023", "Pedra 2023", "Turma", "Nome Anonimizado", "Data de Nasc",
        "Idade", "Gênero", "Ano ingresso", "Instituição de ensino", "Pedra 20", "Pedra 21",
        "Pedra 22", "Pedra 23", "INDE 22", "INDE 23", "Cg", "Cf", "Ct", "Nº Av", "Avaliador1",
        "Rec Av1", "Avaliador2", "Rec Av2", "Avaliador3", "Rec Av3", "Avaliador4", "Rec Av4",
        "IAA", "IEG", "IPS", "IPP", "Rec Psicologia", "IDA", "Mat", "Por", "Ing", "Indicado",
        "Atingiu PV", "IPV", "IAN", "Fase Ideal", "Defasagem", "Destaque IEG", "Destaque IDA",
        "Destaque IPV", "Destaque IPV",
    ),
    2024: (
        "RA", "Fase", "INDE 2024", "Pedra 2024", "Turma", "Nome Anonimizado", "Data de Nasc",
        "Idade", "Gênero", "Ano ingresso", "Instituição de ensino", "Pedra 20", "Pedra 21",
        "Pedra 22", "Pedra 23", "INDE 22", "INDE 23", "Cg", "Cf", "Ct", "Nº Av", "Avaliador1",
        "Rec Av1", "Avaliador2", "Rec Av2", "Avaliador3", "Avaliador4", "Avaliador5",
        "Avaliador6", "IAA", "IEG", "IPS", "IPP", "Rec Psicologia", "IDA", "Mat", "Por", "Ing",
        "Indicado", "Atingiu PV", "IPV", "IAN", "Fase Ideal", "Defasagem", "Destaque IEG",
        "Destaque IDA", "Destaque IPV", "Escola", "Ativo/ Inativo", "Ativo/ Inativo",
    ),
}

FASE_IDEAL_LABELS: Final[dict[int, tuple[str, ...]]] = {
    2022: (
        "ALFA  (2º e 3º ano)", "Fase 1 (4º ano)", "Fase 2 (5º e 6º ano)",
        "Fase 3 (7º e 8º ano)", "Fase 4 (9º ano)", "Fase 5 (1º EM)", "Fase 6 (2º EM)",
        "Fase 7 (3º EM)", "Fase 8 (Universitários)",
    ),
    2023: (
        "ALFA (1° e 2° ano)", "Fase 1 (3° e 4° ano)", "Fase 2 (5° e 6° ano)",
        "Fase 3 (7° e 8° ano)", "Fase 4 (9° ano)", "Fase 5 (1° EM)", "Fase 6 (2° EM)",
        "Fase 7 (3° EM)", "Fase 8 (Universitários)",
    ),
}
FASE_IDEAL_LABELS[2024] = FASE_IDEAL_LABELS[2023]

# Fase Ideal is a step function of the age on a reference day; both differ by year (measured
# on the real sheets): (month, day) of the reference day, and the lowest age of phases 1..8.
_IDEAL_RULE: Final = {
    2022: ((12, 31), (9, 10, 12, 14, 15, 16, 17, 18)),
    2023: ((10, 26), (9, 10, 12, 14, 15, 16, 17, 18)),
    2024: ((6, 30), (8, 10, 12, 14, 15, 16, 17, 18)),
}
# The reported age is the age on this day (2022 reports year − birth year).
_AGE_DAY: Final = {2022: (12, 31), 2023: (10, 26), 2024: (11, 7)}

PEDRAS: Final = ("Quartzo", "Ágata", "Ametista", "Topázio")
# INDE bands (lower bounds of Ágata, Ametista, Topázio); the 2022 sheet used its own cut-offs.
_PEDRA_BANDS: Final = {2022: (6.0, 7.03, 8.06), 2023: (6.0, 7.0, 8.0), 2024: (6.0, 7.0, 8.0)}

ERROR_NA: Final = "#N/A"
ERROR_DIV0: Final = "#DIV/0!"
INCLUIR: Final = "INCLUIR"

_REC_AV: Final = (  # ordered from the worst to the best outcome
    "Alocado em Fase anterior", "Mantido na Fase atual", "Mantido na Fase + Bolsa",
    "Não avaliado", "Promovido de Fase", "Promovido de Fase + Bolsa",
)
_REC_AV_COUNTS: Final = {
    1: (1, 420, 7, 2, 290, 140), 2: (0, 569, 3, 2, 260, 26),
    3: (6, 302, 18, 0, 247, 51), 4: (37, 65, 13, 0, 90, 91),
}
_REC_PSICO: Final = {"Não atendido": 406, "Sem limitações": 254, "Requer avaliação": 158,
                     "Não indicado": 37, "Não avaliado": 5}
_DESTAQUE: Final = {
    "IEG": ("Destaque: A sua boa entrega das lições de casa.",
            "Melhorar: Melhorar a sua entrega de lições de casa."),
    "IDA": ("Destaque: As suas boas notas na Passos Mágicos.",
            "Melhorar: Empenhar-se mais nas aulas e avaliações."),
    "IPV": ("Destaque: A sua boa integração aos Princípios Passos Mágicos.",
            "Melhorar: Integrar-se mais aos Princípios Passos Mágicos."),
}
_ALFA_G01: Final = frozenset("ACFHKMRVY")  # ALFA classes of the G0/G1 groups, others G2/G3
_CLASS_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVYZ"

_NUMBER_FORMATS: Final[dict[int, dict[str, str]]] = {
    2022: {"Ano nasc": "0", "Idade 22": "0", "Ano ingresso": "0", "INDE 22": "0.000",
           "Cg": "0.000", "Cf": "0", "Ct": "0", "Nº Av": "0", "IAA": "0.0", "IEG": "0.0",
           "IPS": "0.0", "IDA": "0.0", "Matem": "0.0", "Portug": "0.0", "Inglês": "0.0",
           "IPV": "0.000", "IAN": "0.000", "Defas": "0"},
    2023: {"INDE 22": "0.000", "IAA": "0.0", "IEG": "0.0", "IDA": "0.0", "Mat": "0.0",
           "Por": "0.0", "Ing": "0.0"},
    2024: {"INDE 22": "0.000", "IAA": "0.0", "IEG": "0.0", "IPS": "0.0", "IPP": "0.0",
           "IDA": "0.0", "Mat": "0.0", "Por": "0.0", "IPV": "0.0"},
}
_DATE_FORMATS: Final = {2023: "mm-dd-yy", 2024: "dd/MM/yyyy"}
# Decimals kept in the real cells (absent = full precision).
_DIGITS: Final[dict[int, dict[str, int]]] = {
    2022: {"IAA": 1, "IEG": 1, "IPS": 1, "IPP": 3, "IPV": 3, "Mat": 1, "Por": 1, "Ing": 1,
           "IDA": 1},
    2023: {"IAA": 1, "IEG": 1, "IPS": 2, "Mat": 1, "Por": 1, "Ing": 1, "IDA": 1},
    2024: {"IAA": 3, "IPS": 3},
}
_EXCEL_AGE_EPOCH: Final = datetime(1899, 12, 31)  # 2023 ages stored as dates count from here
# fmt: on


@dataclass(frozen=True)
class SyntheticSummary:
    """What write_synthetic_workbook wrote."""

    path: Path
    rows_per_year: dict[int, int]
    seed: int


@dataclass
class _Students:
    """Per-student facts that do not change from sheet to sheet (index = RA number − 1)."""

    birth: list[date]
    female: BoolArray
    gender_flip: BoolArray  # ~2 % whose gender differs between the 2022 and later sheets
    ingress: IntArray
    inst_score: FloatArray
    ability: dict[int, FloatArray]
    noise: dict[int, FloatArray]  # (n, len(INDICATORS)) indicator-specific parts


@dataclass
class _Year:
    """One sheet's simulated state; arrays are aligned with ``ids`` (sorted student indices)."""

    year: int
    ids: IntArray
    fase: IntArray
    fase_ideal: IntArray = field(init=False)
    age: IntArray = field(init=False)
    values: dict[str, FloatArray] = field(default_factory=dict)  # written indicators, NaN = none
    inde: FloatArray = field(init=False)
    signal: FloatArray = field(init=False)  # what drives promotion (IPV + grades, standardised)
    flags: dict[str, BoolArray] = field(default_factory=dict)

    @property
    def defasagem(self) -> IntArray:
        return self.fase - self.fase_ideal


# --------------------------------------------------------------------------- small helpers


def _largest_remainder(weights: Sequence[float], total: int) -> IntArray:
    """Split ``total`` into integer counts proportional to ``weights`` (exact sum)."""
    w = np.asarray(weights, dtype=np.float64)
    raw = w / w.sum() * total
    counts: IntArray = np.floor(raw).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _rank_assign(score: FloatArray, weights: Sequence[float]) -> IntArray:
    """Category index per element: the lowest scores get category 0, with exact shares.

    Ranking instead of sampling keeps the real shares exact at any size and lets a latent
    score (e.g. ability) decide who falls in which category.
    """
    counts = _largest_remainder(weights, len(score))
    out = np.empty(len(score), dtype=np.int64)
    out[np.argsort(score, kind="stable")] = np.repeat(np.arange(len(counts)), counts)
    return out


def _uniform_ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return (order.astype(np.float64) + 0.5) / len(x)


def _top_k(rng: np.random.Generator, weights: FloatArray, k: int) -> BoolArray:
    """Weighted sample of exactly k elements without replacement (Efraimidis–Spirakis)."""
    keys = np.log(rng.random(len(weights))) / weights
    mask = np.zeros(len(weights), dtype=bool)
    mask[np.argsort(-keys, kind="stable")[:k]] = True
    return mask


def _sample(rng: np.random.Generator, table: Mapping[int, float], size: int) -> IntArray:
    keys = np.array(list(table), dtype=np.int64)
    p = np.array(list(table.values()), dtype=np.float64)
    return np.asarray(rng.choice(keys, size=size, p=p / p.sum()), dtype=np.int64)


def _age_on(year: int, day: tuple[int, int], births: Sequence[date]) -> IntArray:
    return np.array([year - b.year - ((b.month, b.day) > day) for b in births], dtype=np.int64)


def _fase_ideal(year: int, births: Sequence[date]) -> IntArray:
    day, lowest_ages = _IDEAL_RULE[year]
    return np.searchsorted(lowest_ages, _age_on(year, day, births), side="right").astype(np.int64)


def _births(rng: np.random.Generator, year: int, ages: IntArray) -> list[date]:
    """Birth dates uniform over the year of life that gives ``ages`` on the sheet's age day."""
    month, day = _AGE_DAY[year]
    back = rng.integers(0, 365, size=len(ages))
    return [
        date(year - int(a), month, day) - timedelta(days=int(k))
        for a, k in zip(ages, back, strict=True)
    ]


def _ian(defasagem: IntArray) -> FloatArray:
    return np.where(defasagem >= 0, 10.0, np.where(defasagem >= -2, 5.0, 2.5))


def _pedra(year: int, inde: FloatArray) -> list[str | None]:
    band = np.searchsorted(_PEDRA_BANDS[year], inde, side="right")
    names = [p if year == 2022 else p.replace("Ágata", "Agata") for p in PEDRAS]
    return [None if np.isnan(v) else names[b] for v, b in zip(inde, band, strict=True)]


def _mean_of_present(*columns: FloatArray) -> FloatArray:
    """Row mean over the non-missing columns (IDA is the mean of the grades a student has)."""
    stack = np.vstack(columns)
    present = ~np.isnan(stack)
    count = present.sum(axis=0)
    total = np.where(present, stack, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _or_na(value: object) -> object:
    return ERROR_NA if value is None else value


def _num(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _sizes(n: int) -> dict[str, int]:
    rows = TARGETS["rows"]
    n23 = round(n * rows[2023] / rows[2022])
    n24 = round(n * rows[2024] / rows[2022])
    stay22 = round(n * TARGETS["continuing"][2022] / rows[2022])
    stay23 = round(n23 * TARGETS["continuing"][2023] / rows[2023])
    back = round(n * TARGETS["skip_2023_returners"] / rows[2022])
    return {
        "n22": n,
        "n23": n23,
        "n24": n24,
        "stay22": stay22,
        "stay23": stay23,
        "back": back,
        "new23": n23 - stay22,
        "new24": n24 - stay23 - back,
    }


# --------------------------------------------------------------------------- simulation


def _new_students(rng: np.random.Generator, total: int) -> _Students:
    ability = {2022: rng.standard_normal(total)}
    noise = {2022: rng.standard_normal((total, len(INDICATORS)))}
    # Ability persists strongly, the indicator-specific parts weakly (real year-to-year
    # correlations: INDE 0.65, IEG/IDA/IPV 0.4–0.6, IAA 0.15).
    for year in (2023, 2024):
        ability[year] = 0.85 * ability[year - 1] + np.sqrt(1 - 0.85**2) * rng.standard_normal(total)
        noise[year] = 0.3 * noise[year - 1] + np.sqrt(1 - 0.3**2) * rng.standard_normal(
            (total, len(INDICATORS))
        )
    return _Students(
        birth=[date(2000, 1, 1)] * total,
        female=np.zeros(total, dtype=bool),
        gender_flip=rng.random(total) < 0.02,
        ingress=np.zeros(total, dtype=np.int64),
        inst_score=rng.random(total),
        ability=ability,
        noise=noise,
    )


def _enter(rng: np.random.Generator, st: _Students, year: int, ids: IntArray) -> None:
    """Birth date, gender and entry year of students entering the panel in ``year``."""
    ages = _sample(
        rng, {age: sum(f.values()) for age, f in TARGETS["entrants"][year].items()}, len(ids)
    )
    if year == 2022:  # the 2022 sheet only knows the birth year
        births = [
            date(2022 - int(a), 1, 1) + timedelta(days=int(k))
            for a, k in zip(ages, rng.integers(0, 365, size=len(ids)), strict=True)
        ]
    else:
        births = _births(rng, year, ages)
    for i, b in zip(ids, births, strict=True):
        st.birth[i] = b
    st.female[ids] = rng.random(len(ids)) < TARGETS["female_share"][year]
    if year == 2022:
        # Older students tend to have joined earlier: rank on age plus noise.
        score = -ages + rng.normal(0.0, 3.0, len(ids))
        years = list(TARGETS["ano_ingresso_2022"])
        pick = _rank_assign(score, list(TARGETS["ano_ingresso_2022"].values()))
        st.ingress[ids] = np.array(years, dtype=np.int64)[pick]
    else:
        st.ingress[ids] = year


def _initial_fase(rng: np.random.Generator, st: _Students, year: int, ids: IntArray) -> IntArray:
    """Fase of students entering the panel: drawn given their age, higher for higher ability."""
    births = [st.birth[i] for i in ids]
    ages = _age_on(year, _AGE_DAY[year], births)
    table = TARGETS["entrants"][year]
    known = np.array(sorted(table), dtype=np.int64)
    # An age outside the table (rare at other sizes) uses the nearest measured age.
    nearest = known[np.abs(ages[:, None] - known[None, :]).argmin(axis=1)]
    # Mostly noise: placement barely follows ability (real corr(IAN, IPV) is only 0.1–0.2).
    score = st.ability[year][ids] + rng.normal(0.0, 2.5, len(ids))
    fase = np.zeros(len(ids), dtype=np.int64)
    for age in np.unique(nearest):
        members = np.flatnonzero(nearest == age)
        shares = table[int(age)]
        fase[members] = np.array(list(shares), dtype=np.int64)[
            _rank_assign(score[members], list(shares.values()))
        ]
    return fase


def _promote(
    rng: np.random.Generator, prev: _Year, rows: IntArray, fi_next: IntArray, year: int
) -> IntArray:
    """Next year's Fase for ``rows`` of ``prev``: promotion is a logit of lag, age and signal."""
    c0, c_lag, c_age, c_sig = TARGETS["promotion_logit"][year]
    defas = prev.defasagem[rows]
    logit = (
        c0
        + c_lag * np.clip(-defas, -1, 3)
        + c_age * np.clip(fi_next - prev.fase_ideal[rows], 0, 1)
        + c_sig * prev.signal[rows]
    )
    promoted = rng.random(len(rows)) < 1.0 / (1.0 + np.exp(-logit))
    skip_rate = np.where(
        defas <= -2, TARGETS["promotion_skip"]["behind_2_plus"], TARGETS["promotion_skip"]["other"]
    )
    skip = promoted & (rng.random(len(rows)) < skip_rate)
    fase = prev.fase[rows]
    return np.where(fase >= 8, fase, np.minimum(fase + promoted + skip, 8)).astype(np.int64)


def _indicators(rng: np.random.Generator, st: _Students, yr: _Year) -> None:
    """Fill yr.values / inde / signal: a one-factor Gaussian copula on the real quantiles."""
    year, n = yr.year, len(yr.ids)
    school = yr.fase <= 7
    english = np.zeros(n, dtype=bool)
    for phase, share in TARGETS["english_share"][year].items():
        members = np.flatnonzero(yr.fase == phase)
        english[members] = rng.random(len(members)) < share
    loadings = TARGETS["factor_loadings"][year]
    quantiles = TARGETS["indicator_quantiles"][year]
    ability = st.ability[year][yr.ids]
    latent: dict[str, FloatArray] = {}
    raw: dict[str, FloatArray] = {}
    for k, name in enumerate(INDICATORS):
        lam = loadings[name]
        g = lam * ability + np.sqrt(1 - lam**2) * st.noise[year][yr.ids, k]
        latent[name] = g
        mask = school & english if name == "Ing" else school
        out = np.full(n, np.nan)
        if mask.any():
            out[mask] = np.interp(_uniform_ranks(g[mask]), QUANTILE_PROBS, quantiles[name])
        raw[name] = out
    raw["IDA"] = _mean_of_present(raw["Mat"], raw["Por"], raw["Ing"])
    written = _round_for(year, raw)
    ian = _ian(yr.defasagem)
    # 2022 INDE used unrounded components and an IPP the sheet does not show (it is in the
    # old CSV); 2023–24 INDE rebuilds from the written cells.
    base = raw if year == 2022 else written
    yr.inde = (
        0.1 * ian
        + 0.2 * base["IDA"]
        + 0.2 * base["IEG"]
        + 0.1 * base["IAA"]
        + 0.1 * base["IPS"]
        + 0.1 * base["IPP"]
        + 0.2 * base["IPV"]
    )
    if year == 2022:
        del written["IPP"]
    yr.values = written
    signal = latent["IPV"] + 0.5 * (latent["Mat"] + latent["Por"])
    signal = (signal - signal[school].mean()) / max(float(signal[school].std()), 1e-9)
    yr.signal = np.where(school, signal, ability)


def _round_for(year: int, raw: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Round to each year's precision in the real cells; 2024 grades are in half points."""
    out = {}
    for name, values in raw.items():
        half_points = year == 2024 and name in ("Mat", "Por", "Ing")
        rounded = np.round(values * 2) / 2 if half_points else values
        digits = _DIGITS[year].get(name)
        out[name] = rounded if digits is None else np.round(rounded, digits)
    if year == 2024:  # IDA is the mean of the grades actually written
        out["IDA"] = _mean_of_present(out["Mat"], out["Por"], out["Ing"])
    return out


def _finish_year(rng: np.random.Generator, st: _Students, yr: _Year) -> _Year:
    births = [st.birth[i] for i in yr.ids]
    yr.fase_ideal = _fase_ideal(yr.year, births)
    yr.age = _age_on(yr.year, _AGE_DAY[yr.year], births)
    _indicators(rng, st, yr)
    return yr


def _simulate(rng: np.random.Generator, n: int) -> tuple[_Students, dict[int, _Year]]:
    size = _sizes(n)
    total = n + size["new23"] + size["new24"]
    st = _new_students(rng, total)
    ids22 = np.arange(n, dtype=np.int64)
    _enter(rng, st, 2022, ids22)
    y22 = _finish_year(rng, st, _Year(2022, ids22, _initial_fase(rng, st, 2022, ids22)))

    # 2023: continuing students (laggards leave a little more often) plus new ones.
    stay = _top_k(rng, _stay_weight(y22), size["stay22"])
    new23 = np.arange(n, n + size["new23"], dtype=np.int64)
    _enter(rng, st, 2023, new23)
    rows = np.flatnonzero(stay)
    fi23 = _fase_ideal(2023, [st.birth[i] for i in ids22[rows]])
    fase_cont = _promote(rng, y22, rows, fi23, 2022)
    fase_new = _initial_fase(rng, st, 2023, new23)
    st.ingress[new23[fase_new == 8]] = 2021  # university newcomers are registered as 2021
    y23 = _finish_year(
        rng,
        st,
        _Year(2023, np.concatenate([ids22[rows], new23]), np.concatenate([fase_cont, fase_new])),
    )
    _flag_2023(rng, y23)

    # 2024: continuing, a few 2022 students back after skipping 2023, alumni, new ones.
    stay = _top_k(rng, _stay_weight(y23), size["stay23"])
    rows = np.flatnonzero(stay)
    fi24 = _fase_ideal(2024, [st.birth[i] for i in y23.ids[rows]])
    fase_cont = _promote(rng, y23, rows, fi24, 2023)
    left22 = np.flatnonzero(~np.isin(ids22, y23.ids))
    back = np.sort(rng.choice(left22, size=min(size["back"], len(left22)), replace=False))
    fi_virtual = _fase_ideal(2023, [st.birth[i] for i in ids22[back]])
    virtual = _Year(2023, ids22[back], _promote(rng, y22, back, fi_virtual, 2022))
    virtual.fase_ideal = fi_virtual
    virtual.signal = st.ability[2023][ids22[back]]
    fase_back = _promote(
        rng,
        virtual,
        np.arange(len(back)),
        _fase_ideal(2024, [st.birth[i] for i in ids22[back]]),
        2023,
    )
    new24 = np.arange(n + size["new23"], total, dtype=np.int64)
    n_alumni = round(size["n24"] * TARGETS["alumni_2024"]["total"] / TARGETS["rows"][2024])
    fase_cont = _make_alumni(rng, st, y23.ids[rows], fase_cont, n_alumni)
    n_new_alumni = max(0, n_alumni - int((fase_cont == 9).sum()))
    alumni_new = new24[:n_new_alumni]
    regular_new = new24[n_new_alumni:]
    _enter(rng, st, 2024, regular_new)
    _enter_alumni(rng, st, alumni_new)
    fase_new = _initial_fase(rng, st, 2024, regular_new)
    st.ingress[regular_new[fase_new == 8]] = 2021
    ids24 = np.concatenate([y23.ids[rows], ids22[back], alumni_new, regular_new])
    fase24 = np.concatenate([fase_cont, fase_back, np.full(len(alumni_new), 9), fase_new])
    order = np.argsort(ids24, kind="stable")
    y24 = _finish_year(rng, st, _Year(2024, ids24[order], fase24[order].astype(np.int64)))
    return st, {2022: y22, 2023: y23, 2024: y24}


def _stay_weight(yr: _Year) -> FloatArray:
    """Weight of staying in the program next year: the real rate of the Fase, as odds."""
    rate = np.array([TARGETS["continuation_by_fase"][yr.year][int(f)] for f in yr.fase])
    lag = np.where(yr.defasagem < 0, TARGETS["continuation_lag_weight"][yr.year], 1.0)
    return np.asarray(rate / (1.0 - rate) * lag, dtype=np.float64)


def _make_alumni(
    rng: np.random.Generator, st: _Students, ids: IntArray, fase: IntArray, n_alumni: int
) -> IntArray:
    """Turn some continuing university students aged 20+ into the 2024 Fase "9" rows."""
    ages = _age_on(2024, _AGE_DAY[2024], [st.birth[i] for i in ids])
    eligible = np.flatnonzero((fase == 8) & (ages >= 20))
    share = TARGETS["alumni_2024"]["from_2023"] / TARGETS["alumni_2024"]["total"]
    k = min(len(eligible), round(n_alumni * share))
    chosen = rng.choice(eligible, size=k, replace=False) if k else eligible[:0]
    out = fase.copy()
    out[chosen] = 9
    return out


def _enter_alumni(rng: np.random.Generator, st: _Students, ids: IntArray) -> None:
    ages = _sample(rng, TARGETS["age_alumni_2024"], len(ids))
    for i, b in zip(ids, _births(rng, 2024, ages), strict=True):
        st.birth[i] = b
    st.female[ids] = rng.random(len(ids)) < TARGETS["female_share"][2024]
    st.ingress[ids] = 2021


def _flag_2023(rng: np.random.Generator, yr: _Year) -> None:
    """The 2023 holes besides Fase 8: Fase-7 rows without indicators, Fase-4 rows without
    IPS, one row whose grades are missing (IDA and INDE become #DIV/0!)."""
    n = len(yr.ids)
    miss = TARGETS["missing_2023"]
    no_ind = np.zeros(n, dtype=bool)
    no_ips = np.zeros(n, dtype=bool)
    div0 = np.zeros(n, dtype=bool)
    f7 = np.flatnonzero(yr.fase == 7)
    no_ind[rng.choice(f7, size=round(len(f7) * miss["fase7_no_indicators"]), replace=False)] = True
    f4 = np.flatnonzero(yr.fase == 4)
    no_ips[rng.choice(f4, size=round(len(f4) * miss["fase4_no_ips"]), replace=False)] = True
    low = np.flatnonzero((yr.fase >= 1) & (yr.fase <= 3))
    if len(low):
        div0[rng.choice(low)] = True
    yr.flags = {"no_indicators": no_ind, "no_ips": no_ips, "div0": div0}
    for name in ("IEG", "IDA", "Mat", "Por", "Ing", "IPP", "IPV"):
        yr.values[name][no_ind] = np.nan
    yr.values["IPS"][no_ips] = np.nan
    for name in ("IDA", "Mat", "Por", "Ing"):
        yr.values[name][div0] = np.nan
    yr.inde[no_ind | no_ips | div0] = np.nan


# --------------------------------------------------------------------------- sheet columns


@dataclass
class _Panel:
    students: _Students
    years: dict[int, _Year]
    history: dict[str, list[str | None]]  # Pedra 20 / Pedra 21 of the 2022 students


def _history_2022(
    rng: np.random.Generator, st: _Students, yr: _Year
) -> dict[str, list[str | None]]:
    """Pedra 20/21 for the 2022 students who had joined by then, better for higher ability."""
    out: dict[str, list[str | None]] = {}
    for column, last_year in (("Pedra 20", 2020), ("Pedra 21", 2021)):
        values: list[str | None] = [None] * len(yr.ids)
        members = np.flatnonzero(st.ingress[yr.ids] <= last_year)
        shares = TARGETS["pedra_history_2022"][column]
        score = st.ability[2022][yr.ids[members]] + rng.normal(0.0, 1.0, len(members))
        for m, k in zip(members, _rank_assign(score, list(shares.values())), strict=True):
            values[m] = PEDRAS[k]
        out[column] = values
    return out


def _classes(rng: np.random.Generator, yr: _Year) -> tuple[list[object], IntArray]:
    """Turma label per row and a class id shared by its members (about 12 per class)."""
    labels: list[object] = [None] * len(yr.ids)
    class_id = np.zeros(len(yr.ids), dtype=np.int64)
    next_id = 0
    for phase in (int(p) for p in np.unique(yr.fase)):
        members = np.flatnonzero(yr.fase == phase)
        if phase == 9:
            for m in members:
                labels[m] = 9.0
            class_id[members] = next_id
            next_id += 1
            continue
        k = min(len(_CLASS_LETTERS), max(1, round(len(members) / 12)))
        letters = sorted(rng.choice(list(_CLASS_LETTERS), size=k, replace=False))
        pick = rng.integers(0, k, len(members))
        for m, p in zip(members, pick, strict=True):
            letter = str(letters[p])
            if yr.year == 2022:
                labels[m] = letter
            elif phase == 0:
                group = "G0/G1" if letter in _ALFA_G01 else "G2/G3"
                labels[m] = f"ALFA {letter} - {group}"
            else:
                labels[m] = f"{phase}{letter}"
        class_id[members] = next_id + pick
        next_id += k
    return labels, class_id


def _evaluations(
    rng: np.random.Generator, yr: _Year, class_id: IntArray
) -> tuple[FloatArray, list[list[str]]]:
    """Nº Av (drawn per student given the Fase) and the six evaluator ids of the class."""
    n_av = np.full(len(yr.ids), np.nan)
    for phase, shares in TARGETS["n_av"][yr.year].items():
        members = np.flatnonzero(yr.fase == phase)
        n_av[members] = _sample(rng, shares, len(members)).astype(np.float64)
    if yr.year == 2024:
        n_av[yr.fase >= 8] = 0.0
    ids: list[list[str]] = [[] for _ in yr.ids]
    for cls in np.unique(class_id):
        members = np.flatnonzero(class_id == cls)
        pool = [f"Avaliador-{k}" for k in rng.choice(np.arange(1, 35), size=6, replace=False)]
        for m in members:
            ids[m] = pool
    return n_av, ids


def _institution(rng: np.random.Generator, st: _Students, yr: _Year) -> list[str | None]:
    """Institution labels with the year's shares; a persistent score keeps students' types."""
    targets = TARGETS["institution"]
    groups = {2022: [(yr.fase <= 9, targets[2022])]}.get(yr.year) or [
        (yr.fase <= 7, targets[yr.year]),
        (yr.fase == 8, targets[f"university_{yr.year}"]),
        (yr.fase == 9, targets.get("alumni_2024", {})),
    ]
    labels: list[str | None] = [None] * len(yr.ids)
    for mask, shares in groups:
        members = np.flatnonzero(mask)
        if not len(members) or not shares:
            continue
        names = list(shares)
        for m, k in zip(
            members,
            _rank_assign(st.inst_score[yr.ids[members]], list(shares.values())),
            strict=True,
        ):
            labels[m] = names[k]
    if yr.year > 2022:  # one row spells the same option with a lower-case "apadrinhamento"
        option = "Privada - Programa de Apadrinhamento"
        rows = [i for i, label in enumerate(labels) if label == option]
        if rows:
            labels[int(rng.choice(rows))] = option.replace("Apadrinhamento", "apadrinhamento")
    return labels


def _column_values(values: FloatArray) -> list[object]:
    return [_num(v) for v in values]


def _fill(column: list[object], mask: BoolArray, value: object) -> None:
    for i in np.flatnonzero(mask):
        column[i] = value


def _common(
    rng: np.random.Generator, panel: _Panel, yr: _Year
) -> tuple[dict[str, list[object]], IntArray]:
    """Columns shared by the three sheets, under their 2023–24 names."""
    st = panel.students
    turma, class_id = _classes(rng, yr)
    n_av, evaluators = _evaluations(rng, yr, class_id)
    female = st.female[yr.ids] ^ (st.gender_flip[yr.ids] & (yr.year > 2022))
    woman, man = ("Menina", "Menino") if yr.year == 2022 else ("Feminino", "Masculino")
    defas = yr.defasagem
    cols: dict[str, list[object]] = {
        "RA": [f"RA-{i + 1}" for i in yr.ids],
        "Turma": turma,
        "Nome Anonimizado": [f"Aluno-{i + 1}" for i in yr.ids],
        "Gênero": [woman if f else man for f in female],
        "Ano ingresso": [float(v) for v in st.ingress[yr.ids]],
        "Instituição de ensino": list(_institution(rng, st, yr)),
        "Nº Av": _column_values(n_av),
        "IAN": [float(v) for v in _ian(defas)],
        "Fase Ideal": [FASE_IDEAL_LABELS[yr.year][f] for f in yr.fase_ideal],
        "Defasagem": [float(v) for v in defas],
    }
    for name, values in yr.values.items():
        cols[name] = _column_values(values)
    unused = None if yr.year == 2022 else ""  # slots beyond Nº Av: empty text from 2023 on
    for slot in range(1, 7):
        cols[f"Avaliador{slot}"] = [
            None if np.isnan(k) else (ev[slot - 1] if slot <= k else unused)
            for k, ev in zip(n_av, evaluators, strict=True)
        ]
    return cols, class_id


def _ranks(inde: FloatArray, groups: IntArray | None = None) -> list[object]:
    frame = pd.DataFrame({"inde": inde, "group": 0 if groups is None else groups})
    ranks = frame.groupby("group")["inde"].rank(ascending=False, method="min")
    return [float(v) for v in ranks]


def _columns_2022(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2022]
    st = panel.students
    cols, class_id = _common(rng, panel, yr)
    n = len(yr.ids)
    inde = np.round(yr.inde, 3)
    n_av = np.array([v if isinstance(v, float) else 0.0 for v in cols["Nº Av"]])
    cols.update(
        {
            "Fase": [str(f) for f in yr.fase],
            "Nome": cols["Nome Anonimizado"],
            "Ano nasc": [float(st.birth[i].year) for i in yr.ids],
            "Idade 22": [float(a) for a in yr.age],
            "Pedra 20": list(panel.history["Pedra 20"]),
            "Pedra 21": list(panel.history["Pedra 21"]),
            "Pedra 22": list(_pedra(2022, yr.inde)),
            "INDE 22": [float(v) for v in inde],
            "Cg": _ranks(inde),
            "Cf": _ranks(inde, yr.fase),
            "Ct": _ranks(inde, class_id),
            "Matem": cols["Mat"],
            "Portug": cols["Por"],
            "Inglês": cols["Ing"],
            "Fase ideal": cols["Fase Ideal"],
            "Defas": cols["Defasagem"],
        }
    )
    # Recommendations loosely follow the promotion signal, as in the real sheet.
    for slot, counts in _REC_AV_COUNTS.items():
        column: list[object] = [None] * n
        members = np.flatnonzero(n_av >= slot)
        score = yr.signal[members] + rng.normal(0.0, 1.5, len(members))
        for m, k in zip(members, _rank_assign(score, counts), strict=True):
            column[m] = _REC_AV[k]
        if slot == 3:
            _fill(column, n_av < 3, "Não avaliado")
        cols[f"Rec Av{slot}"] = column
    psico = list(_REC_PSICO)
    cols["Rec Psicologia"] = [
        psico[k] for k in _rank_assign(rng.random(n), list(_REC_PSICO.values()))
    ]
    indicated = _rank_assign(yr.inde + rng.normal(0.0, 1.0, n), [728, 132])
    cols["Indicado"] = ["Sim" if k else "Não" for k in indicated]
    cols["Atingiu PV"] = ["Sim" if v >= 8.35 else "Não" for v in yr.values["IPV"]]
    for name, (good, bad) in _DESTAQUE.items():
        cols[f"Destaque {name}"] = [good if v >= 7.5 else bad for v in yr.values[name]]
    return cols


def _birth_2023(b: date, age: int) -> tuple[object, object]:
    """2023 stored M/D/YYYY text; cells Excel could read as D/M/YYYY became swapped dates, and
    their ages became dates too (1900-01-00 + age)."""
    if b.day <= 12:
        return datetime(b.year, b.day, b.month), _EXCEL_AGE_EPOCH + timedelta(days=age)
    return f"{b.month}/{b.day}/{b.year}", float(age)


def _columns_2023(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2023]
    y22 = panel.years[2022]
    st = panel.students
    cols, _ = _common(rng, panel, yr)
    uni = yr.fase == 8
    no_ind, no_ips, div0 = (yr.flags[k] for k in ("no_indicators", "no_ips", "div0"))
    births = [_birth_2023(st.birth[i], int(a)) for i, a in zip(yr.ids, yr.age, strict=True)]
    inde = _column_values(yr.inde)
    pedra: list[object] = list(_pedra(2023, yr.inde))
    for column in (inde, pedra):
        _fill(column, uni | no_ind | no_ips, ERROR_NA)
        _fill(column, div0, ERROR_DIV0)
    in22 = yr.ids < len(y22.ids)  # the 2022 students are the first RA numbers
    pos = np.where(in22, yr.ids, 0)
    inde22 = np.round(y22.inde, 3)
    pedra22 = _pedra(2022, y22.inde)
    cols.update(
        {
            "Fase": ["ALFA" if f == 0 else f"FASE {f}" for f in yr.fase],
            "INDE 2023": inde,
            "Pedra 2023": pedra,
            "Data de Nasc": [b for b, _ in births],
            "Idade": [a for _, a in births],
            "Pedra 20": [
                panel.history["Pedra 20"][p] if k else None for p, k in zip(pos, in22, strict=True)
            ],
            "Pedra 21": [
                panel.history["Pedra 21"][p] if k else None for p, k in zip(pos, in22, strict=True)
            ],
            "Pedra 22": [pedra22[p] if k else None for p, k in zip(pos, in22, strict=True)],
            "INDE 22": [float(inde22[p]) if k else None for p, k in zip(pos, in22, strict=True)],
        }
    )
    for name in ("IPS", "IPP", "IPV"):
        _fill(cols[name], uni, ERROR_NA)
    _fill(cols["IPS"], no_ips, ERROR_NA)
    _fill(cols["IPP"], no_ind, ERROR_NA)
    _fill(cols["IPV"], no_ind, ERROR_NA)
    _fill(cols["IDA"], div0, ERROR_DIV0)
    for slot in range(1, 5):
        _fill(cols[f"Avaliador{slot}"], no_ind, None)
    _fill(cols["Nº Av"], no_ind, None)
    return cols


def _columns_2024(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2024]
    y22, y23 = panel.years[2022], panel.years[2023]
    st = panel.students
    cols, _ = _common(rng, panel, yr)
    n = len(yr.ids)
    uni, alumni = yr.fase == 8, yr.fase == 9
    out_of_school = uni | alumni
    inde = _column_values(yr.inde)
    pedra: list[object] = list(_pedra(2024, yr.inde))
    for column in (inde, pedra):
        _fill(column, uni, ERROR_DIV0)
        _fill(column, alumni, INCLUIR)
    uni_rows = np.flatnonzero(uni)
    if len(uni_rows):  # one university row says #N/A instead
        one = int(rng.choice(uni_rows))
        inde[one] = pedra[one] = ERROR_NA
    # A timezone artefact put 02:00/03:00 on part of the university/alumni birth dates.
    hours = (
        np.where(
            rng.random(n) < TARGETS["birth_time_part_2024"],
            rng.choice([2, 3], size=n, p=[27 / 74, 47 / 74]),
            0,
        )
        * out_of_school
    )
    in22 = yr.ids < len(y22.ids)
    pos22 = np.where(in22, yr.ids, 0)
    pos23 = np.searchsorted(y23.ids, yr.ids).clip(max=len(y23.ids) - 1)
    in23 = y23.ids[pos23] == yr.ids
    pedra22 = _pedra(2022, y22.inde)
    pedra23 = _pedra(2023, y23.inde)
    turma = cols["Turma"]
    cols.update(
        {
            "Fase": [
                "ALFA" if f == 0 else (9.0 if f == 9 else t)
                for f, t in zip(yr.fase, turma, strict=True)
            ],
            "INDE 2024": inde,
            "Pedra 2024": pedra,
            "Data de Nasc": [
                datetime(b.year, b.month, b.day, int(h))
                for b, h in zip((st.birth[i] for i in yr.ids), hours, strict=True)
            ],
            "Idade": [float(a) for a in yr.age],
            # 2024 capped the entry year at 2021; the alumni rows all say 2021.
            "Ano ingresso": [
                2021.0 if a else float(max(v, 2021))
                for v, a in zip(st.ingress[yr.ids], alumni, strict=True)
            ],
            "Pedra 20": [
                panel.history["Pedra 20"][p] if k else "" for p, k in zip(pos22, in22, strict=True)
            ],
            "Pedra 21": [
                panel.history["Pedra 21"][p] if k else "" for p, k in zip(pos22, in22, strict=True)
            ],
            "Pedra 22": [pedra22[p] if k else "" for p, k in zip(pos22, in22, strict=True)],
            # The 2024 sheet carries the unrounded 2022 INDE.
            "INDE 22": [float(y22.inde[p]) if k else "" for p, k in zip(pos22, in22, strict=True)],
            # 2023 rows without INDE show #N/A here.
            "Pedra 23": [_or_na(pedra23[p]) if k else "" for p, k in zip(pos23, in23, strict=True)],
            "INDE 23": [
                _or_na(_num(y23.inde[p])) if k else "" for p, k in zip(pos23, in23, strict=True)
            ],
            "Escola": _schools(rng, yr, cols["Instituição de ensino"]),
            "Ativo/ Inativo": ["Cursando"] * n,
        }
    )
    for name in ("IPS", "IPP", "IPV"):
        _fill(cols[name], out_of_school, ERROR_NA)
    _fill(cols["IDA"], out_of_school, ERROR_DIV0)
    _fill(cols["IEG"], out_of_school, 0.0)
    for name in ("IAA", "Mat", "Por", "Ing"):
        _fill(cols[name], out_of_school, "")
    _fill(cols["Ing"], (yr.fase <= 7) & np.isnan(yr.values["Ing"]), "")
    no_av = np.array([v == 0.0 for v in cols["Nº Av"]])
    for slot in (1, 2):
        _fill(cols[f"Avaliador{slot}"], no_av, None)
    for slot in (3, 4, 5, 6):
        _fill(cols[f"Avaliador{slot}"], no_av & ~out_of_school, "")
        _fill(cols[f"Avaliador{slot}"], alumni | (uni & (slot in (4, 5))), None)
        _fill(cols[f"Avaliador{slot}"], uni & (slot in (3, 6)), "")
    _plant_2024_errors(rng, yr, cols)
    return cols


def _schools(rng: np.random.Generator, yr: _Year, institution: list[object]) -> list[object]:
    """Fake school names (the real ones are quasi-identifiers and must not be shipped)."""

    def pick(prefix: str, count: int, size: int) -> list[str]:
        weights = 1.0 / np.arange(1, count + 1)
        chosen = rng.choice(np.arange(1, count + 1), size=size, p=weights / weights.sum())
        return [f"{prefix} {k:02d}" for k in chosen]

    public = pick("EE Escola Sintética", 16, len(yr.ids))
    private = pick("Colégio Sintético", 4, len(yr.ids))
    university = pick("Universidade Sintética", 2, len(yr.ids))
    return [
        university[i] if f >= 8 else (public[i] if inst == "Pública" else private[i])
        for i, (f, inst) in enumerate(zip(yr.fase, institution, strict=True))
    ]


def _plant_2024_errors(rng: np.random.Generator, yr: _Year, cols: dict[str, list[object]]) -> None:
    """Real 2024 slips: two rows with Defasagem 3 although Fase equals Fase Ideal, and one
    row without institution and school."""
    on_track = np.flatnonzero((yr.defasagem == 0) & (yr.fase >= 1) & (yr.fase <= 7))
    preferred = on_track[yr.fase[on_track] == 3]
    pool = preferred if len(preferred) >= 2 else on_track
    for i in rng.choice(pool, size=min(2, len(pool)), replace=False):
        cols["Defasagem"][i] = 3.0
    if round(len(yr.ids) / TARGETS["rows"][2024]):
        school = np.flatnonzero(yr.fase <= 7)
        i = int(rng.choice(school))
        cols["Instituição de ensino"][i] = cols["Escola"][i] = None


# --------------------------------------------------------------------------- writing


def _cell(ws: WriteOnlyWorksheet, value: object, number_format: str | None) -> object:
    """A cell as the real export stores it: '#N/A'/'#DIV/0!' become error cells (openpyxl
    does that for these exact strings), dates carry a date format, numbers their format."""
    if value is None or (number_format is None and not isinstance(value, float)):
        return value
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # cell values are scalars
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _write(path: Path, columns: Mapping[int, Mapping[str, list[object]]]) -> None:
    """Write the three sheets with openpyxl's streaming (write-only) writer."""
    workbook = Workbook(write_only=True)
    for year in YEARS:
        ws = workbook.create_sheet(SHEET_NAMES[year])
        header = HEADERS[year]
        n = len(columns[year]["RA"])
        data = [columns[year].get(h, [None] * n) for h in header]
        formats = [_NUMBER_FORMATS[year].get(h) for h in header]
        date_format = _DATE_FORMATS.get(year, "mm-dd-yy")
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
    workbook.save(path)


def _empty_formatted(ws: WriteOnlyWorksheet) -> object:
    cell = WriteOnlyCell(ws, value=None)
    cell.number_format = "0"
    return cell


def write_synthetic_workbook(
    path: Path | str, *, seed: int = 42, n_students: int = 860
) -> SyntheticSummary:
    """Write a synthetic PEDE workbook (three sheets, real headers and quirks) to path.

    ``n_students`` is the number of PEDE2022 rows (the real sheet has 860); the 2023 and 2024
    sheets scale like the real file. The same seed gives identical cell values.
    """
    if isinstance(n_students, bool) or not isinstance(n_students, int):
        raise ValueError(f"n_students deve ser um inteiro, não {n_students!r}")
    if not MIN_STUDENTS <= n_students <= MAX_STUDENTS:
        raise ValueError(
            f"n_students deve estar entre {MIN_STUDENTS} e {MAX_STUDENTS}, não {n_students}"
        )
    rng = np.random.default_rng(seed)
    students, years = _simulate(rng, n_students)
    panel = _Panel(students, years, _history_2022(rng, students, years[2022]))
    columns = {
        2022: _columns_2022(rng, panel),
        2023: _columns_2023(rng, panel),
        2024: _columns_2024(rng, panel),
    }
    target = Path(path)
    _write(target, columns)
    return SyntheticSummary(
        path=target,
        rows_per_year={year: len(years[year].ids) for year in YEARS},
        seed=seed,
    )
