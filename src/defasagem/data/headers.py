"""Header aliases of the yearly PEDE sheets and year detection.

The sheets rename columns from year to year (``Defas`` → ``Defasagem``, ``Matem`` → ``Mat``,
``INDE 22`` → ``INDE 2023``…). Headers are compared folded (lower case, no accents, single
spaces) against patterns, so a CSV re-export or next year's sheet with the same names maps too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defasagem.data.cells import fold

# Headers whose column is read into the canonical table (pattern on the folded header → field).
_FIELD_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"ra", "ra"),
    (r"fase", "fase"),
    (r"turma", "turma"),
    (r"ano (de )?nasc(imento)?", "ano_nascimento"),
    (r"data (de )?nasc(imento)?\.?", "data_nascimento"),
    (r"(genero|sexo)", "genero"),
    (r"ano (de )?ingresso", "ano_ingresso"),
    (r"instituicao( de ensino)?", "instituicao_ensino"),
    (r"(n|no|n\.o|num|numero) (de )?av(aliacoes)?\.?", "n_avaliacoes"),
    (r"iaa", "iaa"),
    (r"ieg", "ieg"),
    (r"ips", "ips"),
    (r"ida", "ida"),
    (r"ipp", "ipp"),
    (r"ipv", "ipv"),
    (r"ian", "ian"),
    (r"mat(em|ematica)?", "nota_mat"),
    (r"por(tug|tugues)?", "nota_port"),
    (r"ing(les)?", "nota_ing"),
    (r"fase ideal", "fase_ideal"),
    (r"defas(agem)?", "defasagem"),
    (r"cg", "_cg"),
)

# Year-tagged headers ("INDE 2024", "Pedra 21", "Idade 22"): the year decides current vs history.
_YEAR_TAGGED = re.compile(r"^(inde|pedra|idade)(?: (\d{2}|\d{4}))?$")

# Known PEDE columns that are deliberately not read: identifiers, names, evaluators, free text,
# 2022-only recommendations (PROFILE §1, §6).
_IGNORED = re.compile(
    r"^(nome( anonimizado)?|cf|ct|avaliador ?\d+|rec av ?\d+|rec psicologia|indicado|"
    r"atingiu pv|destaque .*|escola|ativo ?/ ?inativo)$"
)

REQUIRED_FIELDS = ("ra", "fase", "iaa", "ieg", "ips", "ida", "ipv")


@dataclass(frozen=True)
class HeaderMatch:
    """What one header of a yearly sheet means."""

    field: str | None
    year: int | None = None
    ignored: bool = False


def match_header(header: str) -> HeaderMatch:
    """Classify a header: a canonical field (maybe year-tagged), a known ignored one, or unknown."""
    folded = fold(header)
    tagged = _YEAR_TAGGED.match(folded)
    if tagged:
        year = _full_year(tagged.group(2)) if tagged.group(2) else None
        return HeaderMatch(field=tagged.group(1), year=year)
    for pattern, name in _FIELD_PATTERNS:
        if re.fullmatch(pattern, folded):
            return HeaderMatch(field=name)
    if _IGNORED.match(folded):
        return HeaderMatch(field=None, ignored=True)
    return HeaderMatch(field=None)


def _full_year(digits: str) -> int:
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


_SHEET_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def year_from_name(name: str) -> int | None:
    """``PEDE2023`` → 2023 (a workbook tab's name); None when it names no single year."""
    found = _SHEET_YEAR.findall(name)
    return int(found[-1]) if len(set(found)) == 1 else None


@dataclass(frozen=True)
class YearHint:
    """What the headers say about a sheet's year.

    ``year`` is the latest year tagged on an INDE/Pedra/Idade header and ``header`` that header.
    A tag only proves that the sheet is from that year *or later* (the 2024 sheet carries
    "INDE 23" as history); ``exact`` is False when the current INDE/Pedra is untagged ("INDE"
    next to "INDE 24"), so the tags are all history.
    """

    year: int | None
    header: str | None
    exact: bool


def year_from_headers(headers: list[str]) -> YearHint:
    """Read the year hint of a sheet's headers."""
    tagged = [(m.year, h) for h in headers if (m := match_header(h)).year is not None]
    untagged_current = any(
        m.field in ("inde", "pedra") and m.year is None for m in map(match_header, headers)
    )
    if not tagged:
        return YearHint(None, None, exact=False)
    year, header = max(tagged, key=lambda pair: pair[0] or 0)
    return YearHint(year, header, exact=not untagged_current)


def looks_like_pede(headers: list[str]) -> bool:
    """A yearly PEDE table has several of the PEDE indicator headers (RA may be misnamed)."""
    fields = {match_header(h).field for h in headers}
    return len(fields & set(REQUIRED_FIELDS) - {"ra"}) >= 3


_LEGACY_HEADER = re.compile(r"^[A-Z][A-Z0-9_]*_20\d{2}$")


def header_score(cells: list[str]) -> int:
    """How many cells of a row are PEDE headers (yearly sheet or the old wide CSV)."""
    score = 0
    for cell in cells:
        text = cell.strip()
        if not text:
            continue
        match = match_header(text)
        if match.field is not None or match.ignored or _LEGACY_HEADER.match(text) or text == "NOME":
            score += 1
    return score


def history_field(base: str, offset: int) -> str | None:
    """The canonical history column for a year-tagged INDE/Pedra header ``offset`` years back."""
    limit = 2 if base == "inde" else 4
    return f"{base}_hist{offset}" if 1 <= offset <= limit else None
