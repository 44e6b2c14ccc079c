"""The course's figures, one function each: titles, axis labels and units included.

Each function draws on a new figure and returns its Axes, so a notebook cell shows it once.
"""

from __future__ import annotations

import textwrap

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


def compare_bars(values: dict[str, float], title: str, ylabel: str, log: bool = False, fmt: str = "{:.1%}",
                 intervals: dict[str, tuple[float, float]] | None = None):
    """One bar per named value (baselines against the fine-tuned model, padding costs, ...);
    `intervals` (name -> (low, high)) draws 95% intervals as error bars where given."""
    ax = _axes(7, 3.8)
    # Long names on two or three lines, broken between words only, so that neighbours do not overlap.
    names = [textwrap.fill(name, 14, break_long_words=False) for name in values]
    bars = ax.bar(names, list(values.values()), color="#2c7fb8")
    ax.tick_params(axis="x", labelsize=9)
    # With error bars, the values go inside the bars so that the bars' whiskers do not cover them.
    ax.bar_label(bars, labels=[fmt.format(v) for v in values.values()],
                 label_type="center" if intervals else "edge", color="white" if intervals else "black")
    if intervals:
        shown = [n for n in values if n in intervals]
        below = [values[n] - intervals[n][0] for n in shown]
        above = [intervals[n][1] - values[n] for n in shown]
        ax.errorbar([list(values).index(n) for n in shown], [values[n] for n in shown],
                    yerr=[below, above], fmt="none", ecolor="black", capsize=4, label="95% interval")
        ax.legend(loc="upper left")
    ax.set(title=title, ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    ax.margins(y=0.2)
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
    """Training loss per logging step, validation loss, accuracy and macro-F1 per epoch,
    from `trainer.state.log_history`."""
    from matplotlib.ticker import MaxNLocator

    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e]
    evals = [e for e in log_history if "eval_loss" in e]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    if train:
        left.plot(*zip(*train), marker=".", label="training loss")
    if evals:
        epochs = [e["epoch"] for e in evals]
        left.plot(epochs, [e["eval_loss"] for e in evals], marker="o", label="validation loss")
        for key, name, color in (("eval_accuracy", "accuracy", "#27ae60"), ("eval_macro_f1", "macro-F1", "#8e44ad")):
            if key in evals[0]:
                right.plot(epochs, [e[key] for e in evals], marker="o", color=color, label=name)
        right.legend()
    left.set(title="Loss while fine-tuning", xlabel="epoch", ylabel="cross-entropy loss")
    left.legend()
    right.set(title="Validation scores after each epoch", xlabel="epoch", ylabel="score", ylim=(0, 1))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))    # one point per whole epoch
    return left, right


def tradeoffs(table, baselines: dict[str, float], title: str):
    """Test accuracy (with its 95% interval) of each method against its trainable parameters (log scale) and
    against its training time; `table` has one row per method with the columns "trainable parameters",
    "training s", "accuracy", "accuracy low" and "accuracy high". Baselines are drawn as horizontal lines."""
    from matplotlib.ticker import PercentFormatter

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
    for ax, column, xlabel in zip(axes, ("trainable parameters", "training s"),
                                  ("trainable parameters (log scale)", "training time (s)")):
        for (method, row), color in zip(table.iterrows(), plt.cm.tab10.colors):
            ax.errorbar(row[column], row["accuracy"], color=color, marker="o", capsize=4, label=method,
                        yerr=[[row["accuracy"] - row["accuracy low"]], [row["accuracy high"] - row["accuracy"]]])
        for (name, value), style in zip(baselines.items(), ("--", ":")):
            ax.axhline(value, color="gray", linestyle=style, label=name)
        ax.set(xlabel=xlabel)
        ax.margins(x=0.1)
    axes[0].set_xscale("log")
    axes[0].set(ylabel="test accuracy (95% interval)")
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0))
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8)     # beside the panels: no point hidden
    fig.suptitle(title)
    return axes


def callout(markdown: str) -> None:
    """Show a note written for this run's model or data (its wording chosen by the facts the cell read)."""
    from IPython.display import Markdown, display

    display(Markdown("> " + markdown.strip().replace("\n", "\n> ")))
