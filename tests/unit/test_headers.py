"""Header aliases across the yearly sheets, and where the year of a sheet comes from."""

from __future__ import annotations

import pytest

from defasagem.data.headers import (
    HeaderMatch,
    YearHint,
    history_field,
    looks_like_pede,
    match_header,
    year_from_headers,
    year_from_name,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("RA", HeaderMatch("ra")),
        ("Defas", HeaderMatch("defasagem")),  # 2022
        ("Defasagem", HeaderMatch("defasagem")),  # 2023–24
        ("Fase ideal", HeaderMatch("fase_ideal")),
        ("Fase Ideal", HeaderMatch("fase_ideal")),
        ("Matem", HeaderMatch("nota_mat")),
        ("Mat", HeaderMatch("nota_mat")),
        ("Portug", HeaderMatch("nota_port")),
        ("Inglês", HeaderMatch("nota_ing")),
        ("Ing", HeaderMatch("nota_ing")),
        ("Nº Av", HeaderMatch("n_avaliacoes")),
        ("Ano nasc", HeaderMatch("ano_nascimento")),
        ("Data de Nasc", HeaderMatch("data_nascimento")),
        ("  GÊNERO ", HeaderMatch("genero")),
        ("Instituição de ensino", HeaderMatch("instituicao_ensino")),
        ("Idade 22", HeaderMatch("idade", year=2022)),
        ("Idade", HeaderMatch("idade")),
        ("INDE 22", HeaderMatch("inde", year=2022)),
        ("INDE 2024", HeaderMatch("inde", year=2024)),
        ("Pedra 20", HeaderMatch("pedra", year=2020)),
        ("Nome Anonimizado", HeaderMatch(None, ignored=True)),
        ("Avaliador6", HeaderMatch(None, ignored=True)),
        ("Rec Av1", HeaderMatch(None, ignored=True)),
        ("Destaque IPV", HeaderMatch(None, ignored=True)),
        ("Ativo/ Inativo", HeaderMatch(None, ignored=True)),
        ("Escola", HeaderMatch(None, ignored=True)),
        ("Coluna nova", HeaderMatch(None)),
    ],
)
def test_headers_of_every_year(header: str, expected: HeaderMatch) -> None:
    assert match_header(header) == expected


def test_year_of_a_sheet() -> None:
    assert year_from_name("PEDE2023") == 2023
    assert year_from_name("pede_2025_final.csv") == 2025
    assert year_from_name("2022 a 2024") is None  # ambiguous
    assert year_from_name("Plan1") is None
    # The 2024 sheet carries history headers of earlier years; the latest is the sheet's year.
    assert year_from_headers(["RA", "INDE 2024", "INDE 22", "INDE 23", "Pedra 20"]) == YearHint(
        2024, "INDE 2024", exact=True
    )
    assert year_from_headers(["RA", "Idade 22", "Pedra 21"]) == YearHint(2022, "Idade 22", True)
    # An untagged current INDE makes every tag history: the year is later than the tags.
    assert year_from_headers(["RA", "INDE", "INDE 24"]) == YearHint(2024, "INDE 24", exact=False)
    assert year_from_headers(["RA", "IAA"]) == YearHint(None, None, exact=False)


def test_history_offsets_are_bounded() -> None:
    assert history_field("inde", 1) == "inde_hist1"
    assert history_field("inde", 3) is None
    assert history_field("pedra", 4) == "pedra_hist4"
    assert history_field("pedra", 0) is None


def test_what_looks_like_a_pede_sheet() -> None:
    assert looks_like_pede(["RA", "Fase", "IAA", "IEG"])
    assert not looks_like_pede(["RA", "Nome", "IAA"])
    # Without RA it is still a PEDE sheet: ingestion then says that RA is missing.
    assert looks_like_pede(["Fase", "IAA", "IEG", "IPS"])
