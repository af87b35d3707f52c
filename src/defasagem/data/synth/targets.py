"""The real aggregate figures and constant tables behind the synthetic workbook.

``TARGETS`` holds the real aggregates the simulation is calibrated on (shares, quantiles,
rates, fitted coefficients); the other tables describe the real sheets (headers, labels,
evaluation outcomes, number formats, cell precision). Nothing here identifies a student.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

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
IDEAL_RULE: Final = {
    2022: ((12, 31), (9, 10, 12, 14, 15, 16, 17, 18)),
    2023: ((10, 26), (9, 10, 12, 14, 15, 16, 17, 18)),
    2024: ((6, 30), (8, 10, 12, 14, 15, 16, 17, 18)),
}
# The reported age is the age on this day (2022 reports year − birth year).
AGE_DAY: Final = {2022: (12, 31), 2023: (10, 26), 2024: (11, 7)}

PEDRAS: Final = ("Quartzo", "Ágata", "Ametista", "Topázio")
# INDE bands (lower bounds of Ágata, Ametista, Topázio); the 2022 sheet used its own cut-offs.
PEDRA_BANDS: Final = {2022: (6.0, 7.03, 8.06), 2023: (6.0, 7.0, 8.0), 2024: (6.0, 7.0, 8.0)}

ERROR_NA: Final = "#N/A"
ERROR_DIV0: Final = "#DIV/0!"
INCLUIR: Final = "INCLUIR"

REC_AV: Final = (  # ordered from the worst to the best outcome
    "Alocado em Fase anterior", "Mantido na Fase atual", "Mantido na Fase + Bolsa",
    "Não avaliado", "Promovido de Fase", "Promovido de Fase + Bolsa",
)
REC_AV_COUNTS: Final = {
    1: (1, 420, 7, 2, 290, 140), 2: (0, 569, 3, 2, 260, 26),
    3: (6, 302, 18, 0, 247, 51), 4: (37, 65, 13, 0, 90, 91),
}
REC_PSICO: Final = {"Não atendido": 406, "Sem limitações": 254, "Requer avaliação": 158,
                     "Não indicado": 37, "Não avaliado": 5}
DESTAQUE: Final = {
    "IEG": ("Destaque: A sua boa entrega das lições de casa.",
            "Melhorar: Melhorar a sua entrega de lições de casa."),
    "IDA": ("Destaque: As suas boas notas na Passos Mágicos.",
            "Melhorar: Empenhar-se mais nas aulas e avaliações."),
    "IPV": ("Destaque: A sua boa integração aos Princípios Passos Mágicos.",
            "Melhorar: Integrar-se mais aos Princípios Passos Mágicos."),
}
ALFA_G01: Final = frozenset("ACFHKMRVY")  # ALFA classes of the G0/G1 groups, others G2/G3
CLASS_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVYZ"

NUMBER_FORMATS: Final[dict[int, dict[str, str]]] = {
    2022: {"Ano nasc": "0", "Idade 22": "0", "Ano ingresso": "0", "INDE 22": "0.000",
           "Cg": "0.000", "Cf": "0", "Ct": "0", "Nº Av": "0", "IAA": "0.0", "IEG": "0.0",
           "IPS": "0.0", "IDA": "0.0", "Matem": "0.0", "Portug": "0.0", "Inglês": "0.0",
           "IPV": "0.000", "IAN": "0.000", "Defas": "0"},
    2023: {"INDE 22": "0.000", "IAA": "0.0", "IEG": "0.0", "IDA": "0.0", "Mat": "0.0",
           "Por": "0.0", "Ing": "0.0"},
    2024: {"INDE 22": "0.000", "IAA": "0.0", "IEG": "0.0", "IPS": "0.0", "IPP": "0.0",
           "IDA": "0.0", "Mat": "0.0", "Por": "0.0", "IPV": "0.0"},
}
DATE_FORMATS: Final = {2023: "mm-dd-yy", 2024: "dd/MM/yyyy"}
# Decimals kept in the real cells (absent = full precision).
DIGITS: Final[dict[int, dict[str, int]]] = {
    2022: {"IAA": 1, "IEG": 1, "IPS": 1, "IPP": 3, "IPV": 3, "Mat": 1, "Por": 1, "Ing": 1,
           "IDA": 1},
    2023: {"IAA": 1, "IEG": 1, "IPS": 2, "Mat": 1, "Por": 1, "Ing": 1, "IDA": 1},
    2024: {"IAA": 3, "IPS": 3},
}
EXCEL_AGE_EPOCH: Final = datetime(1899, 12, 31)  # 2023 ages stored as dates count from here
# fmt: on
