"""The model card (pt-BR, for a pedagogic coordinator) and its plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from defasagem.features import DESCRIPTIONS, LABEL, group_label
from defasagem.ideal_phase import IdealPhaseRule, rule_to_toml
from defasagem.modeling import plots
from defasagem.modeling.evaluation import FittedRun, TestScores
from defasagem.ptbr import number, percent

CARD = "model_card.md"
RULE_FILE = "ideal_phase_rule.toml"
GROUP_TITLES = {"genero": "Gênero", "tipo_instituicao": "Tipo de instituição"}


def write_card(
    folder: Path,
    metrics: dict[str, Any],
    metadata: dict[str, Any],
    run: FittedRun,
    scores: TestScores,
) -> None:
    """Write ``model_card.md``, its PNG plots and the ideal-phase rule table into ``folder``."""
    y = scores.pairs[LABEL].to_numpy(dtype=np.float64)
    curves = {
        "model": scores.model,
        "persistence": scores.persistence,
        "logistic_defasagem": scores.logistic_defasagem,
    }
    plots.roc_plot(folder / "roc.png", y, curves)
    plots.pr_plot(folder / "pr.png", y, curves)
    plots.calibration_plot(folder / "calibracao.png", y, scores.model)
    weights = run.model.contributions(scores.pairs).drop(columns="base").abs().mean()
    weights.index = [DESCRIPTIONS[name] for name in weights.index]
    plots.importance_plot(folder / "importancia.png", weights)
    rule = IdealPhaseRule.from_dict(metadata["ideal_phase_rule"])
    (folder / RULE_FILE).write_text(rule_to_toml(rule), encoding="utf-8")
    (folder / CARD).write_text(card_text(metrics, metadata, weights), encoding="utf-8")


def _ci(values: list[float] | None) -> str:
    return "—" if not values else f"{number(values[0])} a {number(values[1])}"


def card_text(metrics: dict[str, Any], metadata: dict[str, Any], weights: pd.Series) -> str:
    """The card's Markdown."""
    model = metrics["model"]
    persistence = metrics["baselines"]["persistence"]
    single = metrics["baselines"]["logistic_defasagem"]
    gain = metrics["gain_over_persistence"]
    policy = metrics["policy"]
    history = metrics["by_history"]
    rule = metadata["ideal_phase_rule"]
    shipped = metadata["policy"]
    lines = [
        "# Modelo de alerta de defasagem — cartão do modelo",
        "",
        f"Versão {metadata['model_version']}, criada em {metadata['created_at']}.",
        "",
        "## O que o modelo faz",
        "",
        "A partir da avaliação PEDE de um aluno no fim de um ano, o modelo estima a "
        "**probabilidade de ele estar atrás da Fase Ideal no ano seguinte** (Defasagem < 0). "
        "Ele usa só o que se sabe no fim do ano: indicadores (IAA, IEG, IPS, IDA, IPP, IPV), "
        "notas, INDE, Fase, Defasagem atual, idade, tempo no programa, a evolução desde o ano "
        "anterior e se a Fase Ideal do aluno avança no ano que vem (segue da data de "
        "nascimento). Nome, RA, turma, escola e avaliadores nunca entram.",
        "",
        "## Quão bom ele é",
        "",
        f"Avaliado uma única vez na transição **{arrow(metrics['test_transition'])}** "
        f"({model['n']} alunos, {model['positives']} ficaram defasados), com modelo, limiar e "
        "calibração escolhidos só com anos anteriores.",
        "",
        '| | Modelo | Persistência ("atrasado agora ⇒ atrasado no ano que vem") | '
        "Regressão só com a Defasagem |",
        "|---|---|---|---|",
        _row("ROC-AUC (ordenação; 0,5 = sorteio)", model, persistence, single, "roc_auc", number),
        "| intervalo de 95 % | "
        + " | ".join(_ci(b["roc_auc_ci"]) for b in (model, persistence, single))
        + " |",
        _row("PR-AUC", model, persistence, single, "pr_auc", number),
        _row(
            "Precisão entre os 20 % de maior risco",
            model,
            persistence,
            single,
            "precision_top20",
            percent,
        ),
        _row(
            "Cobertura (recall) entre os 20 % de maior risco",
            model,
            persistence,
            single,
            "recall_top20",
            percent,
        ),
        _row(
            "ROC-AUC entre quem está em dia hoje (defasagem nova)",
            model,
            persistence,
            single,
            "new_lag_roc_auc",
            number,
        ),
        _row(
            "Brier (erro da probabilidade; menor é melhor)",
            model,
            persistence,
            single,
            "brier",
            number,
        ),
        "",
        f"Ganho de ROC-AUC sobre a persistência: **{number(gain['gain'])}** "
        f"(intervalo de 95 % por reamostragem pareada: {_ci(gain['ci'])}).",
        "",
        "![Curva ROC](roc.png) ![Precisão × recall](pr.png)",
        "",
        "## Como ler uma pontuação de risco",
        "",
        "A pontuação é uma probabilidade calibrada nos anos de treino: entre alunos com 70 %, "
        "cerca de 7 em 10 ficaram defasados no ano seguinte. No teste, a média prevista foi "
        f"{percent(policy['mean_probability_test'])} e a parcela real "
        f"{percent(policy['prevalence_test'])}{_slope_note(metrics.get('calibration'))}: quando "
        "o ano é atípico, a ordem dos alunos continua confiável, a probabilidade exata menos. "
        "As faixas seguem a capacidade "
        f"da equipe: no modelo em uso, **alto** a partir de {percent(shipped['bands']['alto'])} "
        f"(os {percent(shipped['share'])} de maior risco da transição de treino mais recente), "
        f"**médio** a partir de {percent(shipped['bands']['médio'])}, **baixo** abaixo disso.",
        "",
        f"A parcela de alunos defasados no ano seguinte muda de um ano para outro "
        f"({percent(policy['prevalence_latest_train'])} na última transição antes do teste, "
        f"{percent(policy['prevalence_test'])} no teste). Com o limiar fixo, a faixa alta "
        f"marcou {percent(policy['flagged_share_test'])} dos alunos do teste: quando o risco "
        "cai, menos alunos passam do limiar. Como a lista sai ordenada, a equipe completa sua "
        "capacidade a partir do topo.",
        "",
        "![Calibração](calibracao.png)",
        "",
        "## O que mais pesa",
        "",
        "Peso médio de cada fator nas contribuições do próprio modelo (não é uma lista "
        "genérica: os motivos mostrados para cada aluno vêm das mesmas contribuições).",
        "",
        "![Importância](importancia.png)",
        "",
        "## Onde ele falha",
        "",
        f"- Alunos sem avaliação no ano anterior (novos): ROC-AUC "
        f"{number(history['sem_historico']['roc_auc'])} em {history['sem_historico']['n']} "
        f"alunos, contra {number(history['com_historico']['roc_auc'])} em "
        f"{history['com_historico']['n']} com histórico.",
        "- Alunos da Fase 8 (universitários) não são pontuados: não podem ficar defasados.",
        "- A regra da Fase Ideal é política da ONG e mudou entre anos; o modelo usa a regra "
        f"conhecida no ano da avaliação (aprendida de {rule['learned_from']}: referência "
        f"{rule['reference_day']:02d}/{rule['reference_month']:02d}, idades mínimas "
        f"{', '.join(str(a) for a in rule['lowest_age'])}). Se a regra mudar, a previsão de "
        "quem avança erra até a tabela ser atualizada.",
        "- Poucos anos de histórico: as estimativas têm a incerteza dos intervalos acima.",
        *_largest_gaps(metrics["fairness_capacity"], policy["share"]),
        "",
        "### Taxas de erro por grupo",
        "",
        "Não sinalizados (miss rate, FNR) = parcela dos que ficaram defasados e **não** foram "
        "sinalizados; "
        "falso alarme (FPR) = parcela dos que ficaram em dia e foram sinalizados. Com "
        f"capacidade para {percent(policy['share'])} dos alunos e "
        f"{percent(policy['prevalence_test'])} de defasados, parte dos defasados não cabe na "
        "lista: o que importa é a diferença entre grupos.",
        "",
        "| Grupo | Valor | Alunos | Defasados | Não sinalizados (faixa alta) | Falso alarme (faixa "
        f"alta) | Não sinalizados ({percent(policy['share'])} de maior risco) | Falso alarme "
        f"({percent(policy['share'])} de maior risco) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for group, title in GROUP_TITLES.items():
        for value, block in metrics["fairness"][group].items():
            capacity = metrics["fairness_capacity"][group][value]
            lines.append(
                f"| {title} | {group_label(value)} | {block['n']} | {block['positives']} | "
                f"{percent(block['fnr'])} | {percent(block['fpr'])} | "
                f"{percent(capacity['fnr'])} | {percent(capacity['fpr'])} |"
            )
    lines += [
        "",
        "## Testes retroativos (cada transição prevista só com as anteriores)",
        "",
        "| Treino | Teste | Alunos | ROC-AUC modelo | ROC-AUC persistência | Observação |",
        "|---|---|---|---|---|---|",
    ]
    for item in metrics["backtests"]:
        note = (
            "usada na escolha do modelo (otimista)"
            if item["used_for_selection"]
            else "configuração escolhida com dados posteriores"
            if item.get("setting_chosen_with_later_data")
            else ""
        )
        lines.append(
            f"| {', '.join(map(arrow, item['train']))} | {arrow(item['test'])} | "
            f"{item['model']['n']} | "
            f"{number(item['model']['roc_auc'])} | "
            f"{number(item['persistence']['roc_auc'])} | {note} |"
        )
    setting = metadata["setting"]
    lines += [
        "",
        "## Treino",
        "",
        f"- Configuração escolhida: {setting['candidate']} ({setting['kind']}), "
        f'janela de treino "{setting["window"]}", parâmetros {_params(setting["params"])}.',
        f"- Modelo final treinado em: {', '.join(map(arrow, metadata['trained_on']))}; "
        f"{arrow(metrics['shipped_model']['backed_by'])}.",
        f"- Fatores mais pesados: {', '.join(weights.sort_values().index[::-1][:5])}.",
        f"- Bibliotecas: {', '.join(f'{k} {v}' for k, v in metadata['versions'].items())}.",
        "",
    ]
    return "\n".join(lines)


def arrow(text: str) -> str:
    """``2023->2024`` as a reader writes it: ``2023→2024``."""
    return text.replace("->", "→")


def _params(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} = {number(v, 2) if isinstance(v, float) else v}" for k, v in sorted(params.items())
    )


def _slope_note(calibration: dict[str, float] | None) -> str:
    if calibration is None:
        return ""
    slope = calibration["slope"]
    reading = "as probabilidades extremas exageram" if slope < 1 else "são modestas demais"
    return f" (inclinação de calibração {number(slope, 2)}: {reading} um pouco)"


def _largest_gaps(fairness: dict[str, Any], share: float, min_positives: int = 20) -> list[str]:
    """One line per grouping: the groups (with enough lagging students) whose miss rates in the
    capacity list differ most."""
    lines = []
    for group, title in GROUP_TITLES.items():
        rates = {
            value: block["fnr"]
            for value, block in fairness[group].items()
            if block["fnr"] is not None and block["positives"] >= min_positives
        }
        if len(rates) < 2:
            continue
        worst = max(rates, key=lambda v: rates[v])
        best = min(rates, key=lambda v: rates[v])
        lines.append(
            f"- {title}: com os {percent(share)} de maior risco sinalizados, a parcela de "
            "defasados não sinalizados vai de "
            f"{percent(rates[best])} ({group_label(best)}) a {percent(rates[worst])} "
            f"({group_label(worst)}); parte da "
            "diferença vem de taxas de defasagem diferentes entre os grupos."
        )
    return lines


def _row(
    title: str,
    model: dict[str, Any],
    persistence: dict[str, Any],
    single: dict[str, Any],
    key: str,
    fmt: Any,
) -> str:
    return f"| {title} | " + " | ".join(fmt(b[key]) for b in (model, persistence, single)) + " |"
