"""PNG plots of the model card: ROC and PR curves against the baselines, calibration and the
features that weigh most in the model's own contributions."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server or in CI

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from sklearn.metrics import precision_recall_curve, roc_curve

Array = npt.NDArray[np.float64]
# (key, label, colour, line style): the two baselines rank alike, so one is dashed on top.
CURVES = (
    ("model", "Modelo", "#1f4e79", "-"),
    ("persistence", "Persistência (atrasado agora)", "#7a7a7a", "-"),
    ("logistic_defasagem", "Regressão só com a Defasagem", "#b26b00", "--"),
)
_SIZE = (5.2, 4.2)
_COMMA = FuncFormatter(lambda value, _: f"{value:g}".replace(".", ","))


def roc_plot(path: Path, y: Array, scores: dict[str, Array]) -> None:
    """ROC curves of the model and the baselines on the test transition."""
    fig, ax = plt.subplots(figsize=_SIZE)
    for key, label, colour, style in CURVES:
        fpr, tpr, _ = roc_curve(y, scores[key])
        ax.plot(fpr, tpr, label=label, color=colour, lw=2, ls=style)
    ax.plot([0, 1], [0, 1], ls=":", color="#999999", lw=1)
    _finish(ax, "Taxa de falsos alarmes", "Cobertura (recall)", "Curva ROC no teste")
    _save(fig, path)


def pr_plot(path: Path, y: Array, scores: dict[str, Array]) -> None:
    """Precision-recall curves of the model and the baselines on the test transition."""
    fig, ax = plt.subplots(figsize=_SIZE)
    for key, label, colour, style in CURVES:
        precision, recall, _ = precision_recall_curve(y, scores[key])
        ax.plot(recall, precision, label=label, color=colour, lw=2, ls=style)
    ax.axhline(float(np.mean(y)), ls=":", color="#999999", lw=1)
    _finish(ax, "Cobertura (recall)", "Precisão", "Precisão × cobertura no teste")
    _save(fig, path)


def calibration_plot(path: Path, y: Array, probability: Array, bins: int = 10) -> None:
    """Observed share of lagging students against the predicted probability (quantile bins)."""
    frame = pd.DataFrame({"y": y, "p": probability})
    frame["bin"] = pd.qcut(frame["p"], q=bins, duplicates="drop")
    table = frame.groupby("bin", observed=True).agg(p=("p", "mean"), y=("y", "mean"))
    fig, ax = plt.subplots(figsize=_SIZE)
    ax.plot([0, 1], [0, 1], ls=":", color="#999999", lw=1, label="Calibração perfeita")
    ax.plot(table["p"], table["y"], marker="o", color="#1f4e79", lw=2, label="Modelo")
    _finish(ax, "Probabilidade prevista", "Parcela que ficou defasada", "Calibração no teste")
    _save(fig, path)


def importance_plot(path: Path, weights: pd.Series) -> None:
    """Mean absolute contribution per feature (in log-odds), largest first."""
    top = weights.sort_values().tail(12)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    ax.barh(list(top.index), top.to_numpy(), color="#1f4e79")
    ax.set_xlabel("|contribuição| média (log-chance)")
    ax.set_title("O que mais pesa no risco (teste)")
    _save(fig, path, numeric_y=False)


def _finish(ax: Axes, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)


def _save(fig: Figure, path: Path, *, numeric_y: bool = True) -> None:
    # Decimal commas on the numeric axes, as everywhere else in the card.
    for ax in fig.axes:
        ax.xaxis.set_major_formatter(_COMMA)
        if numeric_y:
            ax.yaxis.set_major_formatter(_COMMA)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
