"""The course's figures, one function each: titles, axis labels and units included.

Each function draws on a new figure and returns its Axes, so a notebook cell shows it once. Each takes
the notebook's edition (`edition=settings.edition`): in the Chinese edition the same calls draw their text
in Chinese, each English text looked up in ZH_TEXT, with Noto Sans SC (the pylopdf-fonts-zh-cn package)
for the Chinese glyphs.
"""

from __future__ import annotations

import functools
import re
import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np

from .measure import BUSY

COLORS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}

# Every English text a figure or a note (`callout`) can show, as a whole-text pattern, and its Chinese:
# {0}, {1} ... are the pattern's groups (numbers, model names) carried over. Names (gpt2, LoRA,
# max_length) and label values (negative, neutral, positive) stay as they are in both editions, as the
# printed output does.
ZH_TEXT = [
    # axes, legends and titles that plots.py writes itself
    (r"label", "标签"), (r"number of texts", "文本数"), (r"95% interval", "95% 区间"),
    (r"predicted label", "预测标签"), (r"true label", "真实标签"),
    (r"training loss", "训练损失"), (r"validation loss", "验证损失"), (r"accuracy", "准确率"),
    (r"macro-F1", "宏平均 F1"), (r"Loss while fine-tuning", "微调过程中的损失"), (r"epoch", "轮（epoch）"),
    (r"cross-entropy loss", "交叉熵损失"), (r"Validation scores after each epoch", "每轮之后的验证集分数"),
    (r"score", "分数"), (r"trainable parameters \(log scale\)", "可训练参数（对数刻度）"),
    (r"training time \(s\)", "训练时间（秒）"),
    (r"test accuracy \(95% interval\)", "测试集准确率（95% 区间）"),
    # titles and names the notebooks pass
    (r"Before any fine-tuning \((\d+) test tweets\)", "微调之前（{0} 条测试推文）"),
    (r"majority class", "多数类"), (r"chance \(1 of (\d+)\)", "随机猜测 （1/{0}）"),
    (r"zero-shot", "零样本"), (r"zero-shot (.+)", "零样本 {0}"),
    (r"Labels in the train split of (.+)", "{0} 训练集中的标签"),
    (r"Labels in the full train split \(([\d,]+) texts\)", "完整训练集中的标签（{0} 条文本）"),
    (r"Label shares in the train and test splits", "训练集与测试集中的标签占比"),
    (r"share of texts", "文本占比"), (r"train \(([\d,]+) texts\)", "训练集（{0} 条文本）"),
    (r"test \(([\d,]+) texts\)", "测试集（{0} 条文本）"),
    (r"Text length in the train split", "训练集中的文本长度"), (r"length \(words\)", "长度（词）"),
    (r"mean", "平均值"), (r"99th percentile", "第 99 百分位数"),
    (r"Tweet length in tokens \(train subset\)", "推文的 token 长度（训练子集）"),
    (r"length \(tokens\)", "长度（token）"),
    (r"Token positions the model computes per epoch", "模型每轮计算的 token 位置数"),
    (r"tokens \(log scale\)", "token 数（对数刻度）"),
    (r'padding="max_length" \((\d+)\)', 'padding="max_length" （{0}）'),
    (r"pad to max_length=(\d+)", "填充到 max_length={0}"), (r"dynamic padding", "动态填充"),
    (r"dynamic, sorted by length \(best case\)", "动态填充， 按长度排序 （最佳情况）"),
    (r"real tokens \(no padding\)", "真实 token （无填充）"),
    (r"Untrained model on the test subset", "未训练模型在测试子集上的混淆矩阵"),
    (r"Fine-tuned model on the test subset", "微调后模型在测试子集上的混淆矩阵"),
    (r"untrained", "未训练"), (r"fine-tuned", "微调后"),
    (r"Before and after fine-tuning (.+) \((\d+) test tweets\)", "微调 {0} 之前与之后（{1} 条测试推文）"),
    (r"(.+): accuracy against what each method trains and its time",
     "{0}：各方法的准确率，对比可训练参数量与训练时间"),
    (r"linear probe", "线性探测"), (r"last block \+ head", "最后一块 + 分类头"),
    (r"lower half frozen", "冻结下半部分"),
    (r"time disturbed \(hollow\)", "计时受到干扰（空心）"),
    (r"every weight", "训练全部权重"), (r"step 7 \((\d+) blocks frozen\)", "第 7 步（冻结 {0} 块）"),
    # `make bench`'s figure (benchmarks/bench.py): its recipes, each adding one lever to the one before
    (r"Training throughput, levers added one at a time \((.+), (\d+) CPU cores\)",
     "训练吞吐量：每次加上一项改进（{0}，{1} 个 CPU 核心）"),
    (r"full-size GPT-2", "完整大小的 GPT-2"), (r"tiny GPT-2", "微型 GPT-2"),
    (r"recipe \(each adds one lever to the one on its left\)",
     "训练方法（每种都在左边一种的基础上加一项改进）"),
    (r"training tweets per second \(log scale\)", "每秒训练的推文数（对数刻度）"),
    (r"guide", "原指南"), (r"dynamic", "动态填充"), (r"batch16", "批量 16"), (r"grouped", "按长度分组"),
    (r"eval_sorted", "评估按长度排序"), (r"course", "本课程"),
]
CHINESE_FONT = "Noto Sans SC"


@functools.cache
def figures_in_chinese(edition: str) -> bool:
    """In the zh edition, the Chinese font made known to matplotlib; without it the figures keep English
    text."""
    if edition != "zh":
        return False
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        warnings.warn("The Chinese font package is not installed, so the figures keep their English text. "
                      "Install it with `pip install -r requirements.txt` (pylopdf-fonts-zh-cn).",
                      stacklevel=3)
        return False
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(pylopdf_fonts_zh_cn.sans_path()))
    # Latin letters and digits in matplotlib's own font, as in the English figures; Chinese glyphs from Noto.
    plt.rcParams["font.family"] = ["DejaVu Sans", CHINESE_FONT]
    return True


def in_edition(edition: str):
    """The function that turns a figure's English text into `edition`'s: as given, or its Chinese from
    ZH_TEXT. Called first in every figure, so that the Chinese font is ready before any text is drawn."""
    return in_chinese if figures_in_chinese(edition) else str


def in_chinese(text: str) -> str:
    """The Chinese of `text` from ZH_TEXT, its names and numbers carried over (a part that is itself a fixed
    phrase of ZH_TEXT, such as "byte-level BPE", in Chinese too); where there is none, a warning says so."""
    for pattern, chinese in ZH_TEXT:
        found = re.fullmatch(pattern, text, re.S)
        if found:
            return chinese.format(*(_fixed_phrase(part or "") for part in found.groups()))
    if re.search("[A-Za-z]{3}", text) and not re.fullmatch(r"[\w./-]+", text):   # prose, not a name like gpt2
        warnings.warn(f"No Chinese for the text {text!r}: add it to ZH_TEXT in plots.py.", stacklevel=3)
    return text


def _fixed_phrase(part: str) -> str:
    return next((chinese for pattern, chinese in ZH_TEXT if re.compile(pattern).groups == 0
                 and re.fullmatch(pattern, part)), part)


def _axes(width: float = 6.5, height: float = 3.6):
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def label_counts(counts: dict[str, int], title: str, *, edition: str):
    """Bar chart of how many examples each label has, with shares written on the bars."""
    shown = in_edition(edition)
    ax = _axes()
    names, values = list(counts), list(counts.values())
    bars = ax.bar(names, values, color=[COLORS.get(n, "#2c7fb8") for n in names])
    total = sum(values)
    ax.bar_label(bars, labels=[f"{v} ({v / total:.0%})" for v in values])
    ax.set(title=shown(title), xlabel=shown("label"), ylabel=shown("number of texts"))
    ax.margins(y=0.15)
    return ax


def label_shares(counts_by_split: dict[str, dict[str, int]], title: str, *, edition: str):
    """Grouped bars: each label's share of the texts in each split (split name -> label -> count)."""
    shown = in_edition(edition)
    ax = _axes()
    labels = list(next(iter(counts_by_split.values())))
    width = 0.8 / len(counts_by_split)
    for i, (split, counts) in enumerate(counts_by_split.items()):
        total = sum(counts.values())
        shares = [counts.get(label, 0) / total for label in labels]
        bars = ax.bar(np.arange(len(labels)) + (i - (len(counts_by_split) - 1) / 2) * width, shares, width,
                      label=shown(split), alpha=1.0 - 0.35 * i)
        ax.bar_label(bars, labels=[f"{share:.0%}" for share in shares])
    ax.set_xticks(np.arange(len(labels)), labels)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:.0%}"))
    ax.set(title=shown(title), xlabel=shown("label"), ylabel=shown("share of texts"))
    ax.margins(y=0.15)
    ax.legend()
    return ax


def histogram(values, title: str, xlabel: str, bins: int = 40, marks: dict[str, float] | None = None, *,
              edition: str):
    """Histogram with optional vertical lines (e.g. mean, 99th percentile, a chosen cut-off)."""
    shown = in_edition(edition)
    ax = _axes()
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.integer) and values.max() - values.min() <= 200:
        bins = np.arange(values.min(), values.max() + 2) - 0.5   # one bar per whole number, no gaps
    ax.hist(values, bins=bins, color="#2c7fb8", alpha=0.85)
    for (name, x), style in zip((marks or {}).items(), ("--", ":", "-.", "-")):
        colon = "：" if figures_in_chinese(edition) else ": "
        ax.axvline(x, color="black", linestyle=style, label=f"{shown(name)}{colon}{x:g}")
    if marks:
        ax.legend()
    ax.set(title=shown(title), xlabel=shown(xlabel), ylabel=shown("number of texts"))
    return ax


def compare_bars(values: dict[str, float], title: str, ylabel: str, log: bool = False, fmt: str = "{:.1%}",
                 intervals: dict[str, tuple[float, float]] | None = None, *, edition: str):
    """One bar per named value (baselines against the fine-tuned model, padding costs, ...);
    `intervals` (name -> (low, high)) draws 95% intervals as error bars where given."""
    shown = in_edition(edition)
    ax = _axes(7, 3.8)
    # Long names on two or three lines, broken between words only, so that neighbours do not overlap (a
    # Chinese character is as wide as two Latin letters; ZH_TEXT puts spaces where a Chinese name may break).
    width = 8 if figures_in_chinese(edition) else 14
    # A bracket stays on one line: "(1 of 3)" never breaks before its number.
    names = [textwrap.fill(re.sub(r"\([^)]*\)", lambda m: m[0].replace(" ", "\u00a0"), shown(name)), width,
                           break_long_words=False, break_on_hyphens=False)
             for name in values]
    bars = ax.bar(names, list(values.values()), color="#2c7fb8")
    ax.tick_params(axis="x", labelsize=9)
    # With error bars, the values go inside the bars so that the bars' whiskers do not cover them.
    ax.bar_label(bars, labels=[fmt.format(v) for v in values.values()],
                 label_type="center" if intervals else "edge", color="white" if intervals else "black")
    if intervals:
        known = [n for n in values if n in intervals]
        below = [values[n] - intervals[n][0] for n in known]
        above = [intervals[n][1] - values[n] for n in known]
        ax.errorbar([list(values).index(n) for n in known], [values[n] for n in known],
                    yerr=[below, above], fmt="none", ecolor="black", capsize=4, label=shown("95% interval"))
        ax.legend(loc="upper left")
    ax.set(title=shown(title), ylabel=shown(ylabel))
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))
        ax.yaxis.set_minor_formatter(plt.NullFormatter())      # no "6×10^5" between the powers of ten
    ax.margins(y=0.2)
    return ax


def confusion_matrix(matrix, labels: list[str], title: str, *, edition: str):
    """Counts of (true label, predicted label); the diagonal is what the model gets right."""
    shown = in_edition(edition)
    matrix = np.asarray(matrix)
    ax = _axes(4.8, 4.2)
    ax.imshow(matrix, cmap="Blues")
    ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
           xlabel=shown("predicted label"), ylabel=shown("true label"), title=shown(title))
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, int(count), ha="center", va="center",
                color="white" if count > matrix.max() / 2 else "black")
    return ax


def learning_curves(log_history: list[dict], *, edition: str):
    """Training loss per logging step, validation loss, accuracy and macro-F1 per epoch,
    from `trainer.state.log_history`."""
    from matplotlib.ticker import MaxNLocator

    shown = in_edition(edition)
    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e]
    evals = [e for e in log_history if "eval_loss" in e]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    if train:
        left.plot(*zip(*train), marker=".", label=shown("training loss"))
    if evals:
        epochs = [e["epoch"] for e in evals]
        left.plot(epochs, [e["eval_loss"] for e in evals], marker="o", label=shown("validation loss"))
        for key, name, color in (("eval_accuracy", "accuracy", "#27ae60"),
                                 ("eval_macro_f1", "macro-F1", "#8e44ad")):
            if key in evals[0]:
                right.plot(epochs, [e[key] for e in evals], marker="o", color=color, label=shown(name))
        right.legend()
    left.set(title=shown("Loss while fine-tuning"), xlabel=shown("epoch"), ylabel=shown("cross-entropy loss"))
    left.legend()
    right.set(title=shown("Validation scores after each epoch"), xlabel=shown("epoch"), ylabel=shown("score"),
              ylim=(0, 1))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))    # one point per whole epoch
    return left, right


def tradeoffs(table, baselines: dict[str, float], title: str, *, edition: str):
    """Test accuracy (with its 95% interval) of each method against its trainable parameters (log scale) and
    against its training time; `table` has one row per method with the columns "trainable parameters",
    "training s", "accuracy", "accuracy low" and "accuracy high". Baselines (up to three) are drawn as
    horizontal lines."""
    from matplotlib.ticker import PercentFormatter

    shown = in_edition(edition)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
    for ax, column, xlabel in zip(axes, ("trainable parameters", "training s"),
                                  ("trainable parameters (log scale)", "training time (s)")):
        for (method, row), color in zip(table.iterrows(), plt.cm.tab10.colors):
            # A time measured while other programs took much of the CPU: drawn hollow (bonus, B.7)
            hollow = column == "training s" and row.get("other load", 0) > BUSY
            ax.errorbar(row[column], row["accuracy"], color=color, marker="o", capsize=4, label=shown(method),
                        markerfacecolor="white" if hollow else color,
                        yerr=[[row["accuracy"] - row["accuracy low"]],
                              [row["accuracy high"] - row["accuracy"]]])
        for (name, value), style in zip(baselines.items(), ("--", ":", "-.")):   # values in the legend
            ax.axhline(value, color="gray", linestyle=style, label=f"{shown(name)} ({value:.1%})")
        ax.set(xlabel=shown(xlabel))
        ax.margins(x=0.1)
    axes[0].set_xscale("log")
    axes[0].set(ylabel=shown("test accuracy (95% interval)"))
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0))
    if "other load" in table and (table["other load"] > BUSY).any():
        axes[1].plot([], [], "o", color="gray", markerfacecolor="white",
                     label=shown("time disturbed (hollow)"))
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8)  # beside the panels: no point hidden
    fig.suptitle(shown(title))
    return axes


def callout(markdown: str) -> None:
    """Show a note written for this run's model or data (`messages.say`, in the notebook's edition: its
    wording chosen by the facts the cell read) as a quoted block under the cell."""
    from IPython.display import Markdown, display

    display(Markdown("> " + markdown.strip().replace("\n", "\n> ")))
