"""The course's figures, one function each: titles, axis labels and units included.

Each function draws on a new figure and returns its Axes, so a notebook cell shows it once.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

COLORS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}


def _axes(width: float = 6.5, height: float = 3.6):
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def label_counts(counts: dict[str, int], title: str):
    """Bar chart of how many examples each label has, with shares written on the bars."""
    ax = _axes()
    names, values = list(counts), list(counts.values())
    bars = ax.bar(names, values, color=[COLORS.get(n, "#2c7fb8") for n in names])
    total = sum(values)
    ax.bar_label(bars, labels=[f"{v} ({v / total:.0%})" for v in values])
    ax.set(title=title, xlabel="label", ylabel="number of texts")
    ax.margins(y=0.15)
    return ax


def histogram(values, title: str, xlabel: str, bins: int = 40, marks: dict[str, float] | None = None):
    """Histogram with optional vertical lines (e.g. mean, 99th percentile, a chosen cut-off)."""
    ax = _axes()
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.integer) and values.max() - values.min() <= 200:
        bins = np.arange(values.min(), values.max() + 2) - 0.5   # one bar per whole number, no gaps
    ax.hist(values, bins=bins, color="#2c7fb8", alpha=0.85)
    for (name, x), style in zip((marks or {}).items(), ("--", ":", "-.", "-")):
        ax.axvline(x, color="black", linestyle=style, label=f"{name}: {x:g}")
    if marks:
        ax.legend()
    ax.set(title=title, xlabel=xlabel, ylabel="number of texts")
    return ax


def compare_bars(values: dict[str, float], title: str, ylabel: str, log: bool = False, fmt: str = "{:.1%}"):
    """One bar per named value (baselines against the fine-tuned model, padding costs, ...)."""
    ax = _axes(7, 3.8)
    bars = ax.bar(list(values), list(values.values()), color="#2c7fb8")
    ax.bar_label(bars, labels=[fmt.format(v) for v in values.values()])
    ax.set(title=title, ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    ax.margins(y=0.2)
    ax.tick_params(axis="x", labelrotation=15)
    return ax


def confusion_matrix(matrix, labels: list[str], title: str):
    """Counts of (true label, predicted label); the diagonal is what the model gets right."""
    matrix = np.asarray(matrix)
    ax = _axes(4.8, 4.2)
    ax.imshow(matrix, cmap="Blues")
    ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
           xlabel="predicted label", ylabel="true label", title=title)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, int(count), ha="center", va="center",
                color="white" if count > matrix.max() / 2 else "black")
    return ax


def learning_curves(log_history: list[dict]):
    """Training loss per logging step, validation loss and accuracy per epoch, from `trainer.state.log_history`."""
    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e]
    evals = [(e["epoch"], e["eval_loss"], e.get("eval_accuracy")) for e in log_history if "eval_loss" in e]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    if train:
        left.plot(*zip(*train), marker=".", label="training loss")
    if evals:
        left.plot([e[0] for e in evals], [e[1] for e in evals], marker="o", label="validation loss")
        right.plot([e[0] for e in evals], [e[2] for e in evals], marker="o", color="#27ae60")
    left.set(title="Loss while fine-tuning", xlabel="epoch", ylabel="cross-entropy loss")
    left.legend()
    right.set(title="Validation accuracy after each epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
    return left, right
