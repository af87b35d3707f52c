"""The model card (pt-BR, for a pedagogic coordinator) and its plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from defasagem.features import DESCRIPTIONS, LABEL
from defasagem.ideal_phase import IdealPhaseRule, rule_to_toml
from defasagem.modeling import plots
from defasagem.modeling.evaluation import FittedRun, TestScores
from defasagem.modeling.fairness_text import audit_table, largest_gaps
from defasagem.ptbr import number, percent

CARD = "model_card.md"
RULE_FILE = "ideal_phase_rule.toml"


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
        *_structure_lines(metadata["setting"], rule),
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
        f"{number(history['sem_historico']['roc_auc'])} (IC "
        f"{_ci(history['sem_historico']['roc_auc_ci'])}) em {history['sem_historico']['n']} "
        f"alunos, contra {number(history['com_historico']['roc_auc'])} (IC "
        f"{_ci(history['com_historico']['roc_auc_ci'])}) em "
        f"{history['com_historico']['n']} com histórico.",
        f"- Alunos em dia hoje (defasagem nova, o alerta precoce de verdade): ROC-AUC "
        f"{number(model['new_lag_roc_auc'])} (IC {_ci(model.get('new_lag_roc_auc_ci'))}) em "
        f"{model['new_lag_n']} alunos.",
        "- Alunos da Fase 8 (universitários) não são pontuados: não podem ficar defasados.",
        "- A regra da Fase Ideal é política da ONG e mudou entre anos; o modelo usa a regra "
        f"conhecida no ano da avaliação (aprendida de {rule['learned_from']}: referência "
        f"{rule['reference_day']:02d}/{rule['reference_month']:02d}, idades mínimas "
        f"{', '.join(str(a) for a in rule['lowest_age'])}). Se a regra mudar, a previsão de "
        "quem avança erra até a tabela ser atualizada.",
        "- Poucos anos de histórico: as estimativas têm a incerteza dos intervalos acima.",
        "",
        "### Equidade da lista",
        "",
        f"A lista que a equipe acompanha (os {percent(policy['share'])} de maior risco do "
        "teste), por grupo: **não sinalizados** = parcela dos que ficaram defasados e **não** "
        "entraram na lista; **falso alarme** = parcela dos que ficaram em dia e entraram; "
        "**selecionados** = parcela do grupo na lista; **precisão** = parcela da lista do grupo "
        "que ficou defasada. A razão compara com o maior grupo (referência); entre 0,8 e 1,25 "
        "a diferença é pequena. Intervalos de 95 % por reamostragem dentro de cada grupo.",
        "",
        *largest_gaps(metrics["fairness"]),
        "",
        *audit_table(metrics["fairness"]),
        "",
        *_gender_lines(metrics.get("gender_as_input")),
    ]
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
        f"- Configuração escolhida: {_setting_text(setting)}.",
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


def _setting_text(setting: dict[str, Any]) -> str:
    head = f'{setting["candidate"]} ({setting["kind"]}), janela de treino "{setting["window"]}"'
    params = dict(setting["params"])
    base = params.pop("base", None)
    if base is None:
        return f"{head}, parâmetros {_params(params)}"
    return (
        f"{head}, peso {_weight_text(params['weight'])} da parte de promoção, combinada com "
        f"{base['candidate']} ({base['kind']}, parâmetros {_params(base['params'])})"
    )


def _weight_text(weight: float | str) -> str:
    if isinstance(weight, str):
        return "aprendido nas pontuações fora da dobra (empilhamento)"
    return number(weight, 2)


def _structure_lines(setting: dict[str, Any], rule: dict[str, Any]) -> list[str]:
    """How the structural model reads a student, when it is the one shipped."""
    if setting["kind"] != "structural":
        return []
    weight = _weight_text(setting["params"]["weight"])
    return [
        "O risco junta duas partes. A primeira estima **quantas fases o aluno avança no ano "
        "seguinte**, aprendida de todos os anos (esse fato não depende da regra da Fase "
        "Ideal, que a ONG mudou entre anos), e a compara com quantas fases ele precisa "
        "avançar para alcançar a Fase Ideal do ano seguinte, pela regra da Fase Ideal "
        f"aprendida de {rule['learned_from']}. A segunda é um modelo direto do rótulo. O risco "
        f"é a combinação calibrada das duas (peso {weight} da primeira); sem data de "
        "nascimento, só a segunda vale. Os motivos mostrados somam as contribuições exatas "
        "das duas partes, por indicador.",
        "",
    ]


def _gender_lines(gender: dict[str, Any] | None) -> list[str]:
    """The gender decision, in words."""
    if gender is None:
        return []
    difference = gender["roc_auc_difference_with_minus_without"]
    low, high = difference["ci"]
    verdict = (
        "o gênero melhora a ordenação além da incerteza e fica como entrada"
        if gender["keep"]
        else "o gênero não melhora a ordenação além da incerteza e **não é usado** pelo "
        "modelo: o mesmo aluno tem o mesmo risco, seja menina ou menino"
    )
    return [
        f"**Gênero como entrada.** Na validação cruzada por aluno em "
        f"{arrow(gender['validation_transition'])}, a ROC-AUC com gênero menos a sem gênero "
        f"foi {number(difference['gain'], sign=True)} (IC 95 % {number(low, sign=True)} a "
        f"{number(high, sign=True)}): {verdict}.",
    ]


def _row(
    title: str,
    model: dict[str, Any],
    persistence: dict[str, Any],
    single: dict[str, Any],
    key: str,
    fmt: Any,
) -> str:
    return f"| {title} | " + " | ".join(fmt(b[key]) for b in (model, persistence, single)) + " |"
