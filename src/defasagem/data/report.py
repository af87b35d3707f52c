"""What ingestion repaired, derived and noticed, per year, in words a user reads (pt-BR)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd

from defasagem.data.schema import INDICATORS

# Known quirks that were repaired, counted per year (PROFILE §1, §2, §7).
REPAIR_MESSAGES: dict[str, str] = {
    "excel_error": "{n} células de erro do Excel (#N/A, #DIV/0!, #NULO! …) lidas como faltantes",
    "incluir": "{n} valores 'INCLUIR' lidos como faltantes",
    "erro_text": "{n} valores 'ERRO' lidos como faltantes",
    "excel_date_age": "{n} idades convertidas de datas do Excel",
    "swapped_birth_date": "{n} datas de nascimento com dia e mês trocados corrigidas",
    "time_part": "{n} datas de nascimento com hora (artefato de fuso) reduzidas à data",
    "excel_serial_date": "{n} datas lidas de números seriais do Excel",
    "ambiguous_date_order": "{n} datas com dia/mês ambíguos lidas como dia/mês (padrão brasileiro)",
    "pedra_label": "{n} pedras padronizadas ('Agata' → 'Ágata' e afins)",
    "gender_label": "{n} gêneros Menina/Menino padronizados como Feminino/Masculino",
    "unknown_gender": "{n} gêneros fora de Feminino/Masculino mantidos como escritos",
    "institution_label": "{n} nomes de instituição padronizados (maiúsculas/espaços)",
    "defasagem_derived": "{n} defasagens calculadas como Fase − Fase Ideal (não registradas)",
    "ra_format": "{n} RA padronizados no formato 'RA-n' (ex.: 'ra 12' → 'RA-12')",
}


@dataclass
class YearLog:
    """Repairs and notes for one year of one source."""

    repairs: Counter[str] = field(default_factory=Counter)
    repair_columns: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def merge(self, other: YearLog) -> None:
        """Add another log of the same year (e.g. the old CSV's rows of that year)."""
        self.repairs.update(other.repairs)
        for kind, columns in other.repair_columns.items():
            self.repair_columns[kind].update(columns)
        self.notes.extend(other.notes)
        self.warnings.extend(other.warnings)

    def add_repairs(self, column: str, repairs: Counter[str]) -> None:
        """Count the repairs of one column."""
        for kind, count in repairs.items():
            self.repairs[kind] += count
            self.repair_columns[kind][column] += count


@dataclass
class IngestReport:
    """Everything the user should know about how the files became the canonical table."""

    years: dict[int, YearLog] = field(default_factory=lambda: defaultdict(YearLog))
    notes: list[str] = field(default_factory=list)

    def year(self, year: int) -> YearLog:
        """The log of one year (created on first use)."""
        return self.years[year]

    def repair_lines(self) -> list[str]:
        """One line per (year, kind of repair), e.g. '2023: 399 idades convertidas …'."""
        lines = []
        for year in sorted(self.years):
            log = self.years[year]
            for kind, message in REPAIR_MESSAGES.items():
                count = log.repairs.get(kind, 0)
                if not count:
                    continue
                columns = log.repair_columns.get(kind, Counter())
                detail = ", ".join(f"{col}: {n}" for col, n in columns.most_common() if col)
                text = message.format(n=count)
                lines.append(f"{year}: {text}" + (f" ({detail})" if detail else ""))
        return lines

    def note_lines(self) -> list[str]:
        """File-level notes followed by per-year notes."""
        lines = list(self.notes)
        for year in sorted(self.years):
            lines.extend(f"{year}: {note}" for note in self.years[year].notes)
        return lines

    def warning_lines(self) -> list[str]:
        """Data problems kept as recorded but worth a look (e.g. inconsistent Defasagem)."""
        lines: list[str] = []
        for year in sorted(self.years):
            lines.extend(f"{year}: {warning}" for warning in self.years[year].warnings)
        return lines


def summary_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Per-year summary: students, sources, share lagging, missing indicators."""
    rows = []
    for year, group in table.groupby("ano", sort=True):
        defasagem = group["defasagem"]
        known = defasagem.notna()
        lag = (defasagem[known] < 0).mean() if known.any() else float("nan")
        # Over the indicators a model reads (IAN is derived from Defasagem), absent ones included:
        # a year without IPP shows it.
        measured = [c for c in INDICATORS if c != "ian"]
        missing = group[measured].isna().to_numpy().mean()
        rows.append(
            {
                "ano": int(str(year)),
                "alunos": len(group),
                "fase_0_7": int(group["fase"].between(0, 7).sum()),
                "defasados_pct": 100 * lag,
                "indicadores_faltantes_pct": 100 * missing,
                "fontes": ", ".join(sorted(group["source"].dropna().unique())),
            }
        )
    return pd.DataFrame(rows)


def format_summary(table: pd.DataFrame, report: IngestReport) -> str:
    """The text printed by ``defasagem ingest``."""
    out = ["Resumo por ano"]
    summary = summary_frame(table)
    header = (
        f"{'ano':>5} {'alunos':>7} {'fase 0–7':>9} {'defasados':>10} {'ind. faltantes':>15}  fonte"
    )
    out.append(header)
    for row in summary.to_dict("records"):
        lag, miss = (
            "—" if pd.isna(row[key]) else f"{row[key]:.1f} %"
            for key in ("defasados_pct", "indicadores_faltantes_pct")
        )
        out.append(
            f"{row['ano']:>5} {row['alunos']:>7} {row['fase_0_7']:>9} {lag:>10} {miss:>15}  "
            f"{row['fontes']}"
        )
    out.append(f"Total: {len(table)} linhas, {table['ra'].nunique()} alunos distintos.")
    pairs = consecutive_pairs(table)
    if pairs:
        out.append(
            "Alunos em anos consecutivos: "
            + ", ".join(f"{a}→{b}: {n}" for (a, b), n in pairs.items())
        )
    for title, lines in (
        ("Reparos", report.repair_lines()),
        ("Observações", report.note_lines()),
        ("Avisos (mantidos como registrados)", report.warning_lines()),
    ):
        if lines:
            out.append(f"{title}:")
            out.extend(f"  - {line}" for line in lines)
    return "\n".join(out)


def consecutive_pairs(table: pd.DataFrame) -> dict[tuple[int, int], int]:
    """How many RA appear in both year t and t+1, for each consecutive pair of years."""
    by_year = {int(str(y)): set(g["ra"]) for y, g in table.groupby("ano")}
    return {
        (year, year + 1): len(by_year[year] & by_year[year + 1])
        for year in sorted(by_year)
        if year + 1 in by_year
    }
