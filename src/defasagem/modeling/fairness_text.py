"""The fairness audit in words a coordinator reads (model card and /modelo, pt-BR)."""

from __future__ import annotations

from typing import Any

from defasagem.features import group_label
from defasagem.ptbr import number, percent

GROUPING_TITLES = {
    "genero": "Gênero",
    "tipo_instituicao": "Tipo de instituição",
    "faixa_fase": "Fase",
    "historico": "Histórico no programa",
}
# Fewer lagging students than this in a group: its miss rate is too uncertain to compare.
MIN_POSITIVES = 20


def group_name(grouping: str, value: str) -> str:
    """``("faixa_fase", "0–2")`` → ``"Fase 0–2"``; institution codes spelled out."""
    if grouping == "faixa_fase" and value[:1].isdigit():
        return f"Fase {value}"
    if grouping == "historico":
        return {
            "novo": "novos (sem avaliação no ano anterior)",
            "continuando": "com histórico",
        }.get(value, value)
    return group_label(value)


def interval(values: list[float] | None, as_percent: bool = True) -> str:
    """``[0.1, 0.2]`` → ``"10 % a 20 %"`` (``"—"`` when unknown)."""
    if not values:
        return "—"
    show = percent if as_percent else number
    return f"{show(values[0])} a {show(values[1])}"


def ratio_text(rate: dict[str, Any], *, reference: bool = False, cases: int | None = None) -> str:
    """``"1,32 (fora de 0,8–1,25)"``, ``"referência"``; with fewer than MIN_POSITIVES
    ``cases`` behind the rate (lagging students for a miss rate, on-track ones for a false
    alarm), the group is too small to judge."""
    if reference:
        return "referência"
    if rate["ratio_to_reference"] is None:
        return "—"
    if cases is not None and cases < MIN_POSITIVES:
        return "poucos casos"
    verdict = "dentro" if rate["within_acceptable"] else "fora"
    low_high = rate.get("ratio_ci")
    uncertain = low_high is not None and low_high[0] <= 1 <= low_high[1]
    return (
        f"{number(rate['ratio_to_reference'], 2)} ({verdict} de 0,8–1,25"
        + ("; o IC inclui 1" if uncertain else "")
        + ")"
    )


def largest_gaps(fairness: dict[str, Any]) -> list[str]:
    """One sentence per grouping: the group the list misses most often against the one it
    misses least (groups with at least MIN_POSITIVES lagging students), and whether the
    ranking inside the group or its base rate explains the gap."""
    lines = []
    for grouping, title in GROUPING_TITLES.items():
        block = fairness["groupings"].get(grouping)
        if block is None:
            continue
        rated = {
            value: group
            for value, group in block["groups"].items()
            if group["positives"] >= MIN_POSITIVES and group["miss_rate"]["value"] is not None
        }
        if len(rated) < 2:
            continue
        order = sorted(rated, key=lambda v: (rated[v]["miss_rate"]["value"], v))
        best, worst = rated[order[0]], rated[order[-1]]
        lines.append(
            f"- {title}: a lista deixa de fora {percent(worst['miss_rate']['value'])} dos "
            f"defasados entre {group_name(grouping, order[-1])} (IC "
            f"{interval(worst['miss_rate']['ci'])}), contra "
            f"{percent(best['miss_rate']['value'])} entre {group_name(grouping, order[0])} (IC "
            f"{interval(best['miss_rate']['ci'])}). " + _explanation(worst, best)
        )
    return lines


def _explanation(group: dict[str, Any], other: dict[str, Any]) -> str:
    """How much of a miss-rate gap is the base rate, in words."""
    rates = (
        f"A taxa de defasagem é {percent(group['base_rate'])} no primeiro grupo e "
        f"{percent(other['base_rate'])} no segundo"
    )
    auc, other_auc = group["roc_auc_ci"], other["roc_auc_ci"]
    if auc is None or other_auc is None:
        return rates + "."
    compared = (
        f"as ROC-AUC dentro do primeiro ({number(group['roc_auc'], 2)}) e do segundo "
        f"({number(other['roc_auc'], 2)})"
    )
    if auc[1] < other_auc[0]:
        return (
            f"{rates}; {compared} mostram que o modelo ordena pior o primeiro grupo, além da "
            "diferença de taxas."
        )
    return (
        f"{rates}; {compared} não mostram o primeiro grupo ordenado pior além da incerteza: "
        "a diferença vem sobretudo de quantos alunos ficam defasados em cada grupo e do "
        "tamanho fixo da lista."
    )


def audit_table(fairness: dict[str, Any]) -> list[str]:
    """The audit as a Markdown table, one row per group."""
    lines = [
        "| Grupo | Alunos | Defasados | ROC-AUC no grupo | Não sinalizados (IC 95 %) | Razão à "
        "referência | Falso alarme (IC 95 %) | Razão à referência | Selecionados | Precisão |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for grouping, title in GROUPING_TITLES.items():
        block = fairness["groupings"].get(grouping)
        if block is None:
            continue
        for value, group in block["groups"].items():
            miss, alarm = group["miss_rate"], group["false_alarm_rate"]
            is_reference = value == block["reference"]
            missed = ratio_text(miss, reference=is_reference, cases=group["positives"])
            alarmed = ratio_text(
                alarm, reference=is_reference, cases=group["n"] - group["positives"]
            )
            lines.append(
                f"| {title}: {group_name(grouping, value)} | {group['n']} | "
                f"{group['positives']} ({percent(group['base_rate'])}) | "
                f"{number(group['roc_auc'], 2)} | {percent(miss['value'])} "
                f"({interval(miss['ci'])}) | {missed} | "
                f"{percent(alarm['value'])} "
                f"({interval(alarm['ci'])}) | {alarmed} | "
                f"{percent(group['selection_rate']['value'])} | "
                f"{percent(group['precision']['value'])} |"
            )
    return lines
