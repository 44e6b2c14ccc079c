"""Step 3's checked exercises: the right answers, from the run's texts, cleaned splits and subsets."""

import numpy as np
import pandas as pd

from . import function, number


@number("3.1", tolerance=0.005, hint={
    "en": "one True/False per text for each pattern, combined with `|`; adding counts double-counts.",
    "zh": "每个模式对每条文本给出 True/False，用 `|` 合并；把两个计数相加会重复计算。",
})
def url_or_mention_share(settings, text, quirks):
    text = pd.Series(text).fillna("")
    either = text.str.contains(quirks["URL"], regex=True) | text.str.contains(quirks["@mention"], regex=True)
    return float(either.mean())


@number("3.2", tolerance=0.0005, hint={
    "en": "use section 3.5's formula with n = 100 and N and p from the cleaned train split.",
    "zh": "用 3.5 节的公式：n = 100，N 和 p 取自清洗后的训练集。",
})
def standard_error_at_100(settings, clean):
    labels = pd.Series(clean["train"][settings.label_column])
    p, N = labels.value_counts(normalize=True).max(), len(labels)
    n = min(100, N)
    return float(np.sqrt(p * (1 - p) / n * (N - n) / max(N - 1, 1)))


def _balance_of_this_run(settings, splits, clean):
    drawn_from = {"train": "train", "validation": "train", "test": "test"}
    cases = []
    for name, subset in splits.items():
        whole = clean[drawn_from.get(name, name)]
        split_share = pd.Series(whole[settings.label_column]).value_counts(normalize=True)
        share = pd.Series(subset[settings.label_column]).value_counts(normalize=True)
        n, N = subset.num_rows, whole.num_rows
        for label, p in split_share.items():
            if 0 < p < 1 and n < N:        # a standard error of 0 has no drift to measure
                cases.append((float(share.get(label, 0.0)), float(p), int(n), int(N)))
    return cases + [(0.45, 0.4, 100, 2000), (0.2, 0.25, 1000, 100000), (0.5, 0.5, 30, 60), (0.1, 0.3, 9, 10)]


@function("3.3", cases=_balance_of_this_run, hint={
    "en": "(share − split_share) over section 3.5's standard error, both of its factors.",
    "zh": "（share − split_share）除以 3.5 节的标准误差，两个因子都要乘上。",
})
def drift_in_standard_errors(share, split_share, n, N):
    return (share - split_share) / (np.sqrt(split_share * (1 - split_share) / n) * np.sqrt((N - n) / (N - 1)))
