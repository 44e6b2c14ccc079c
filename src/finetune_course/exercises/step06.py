"""Step 6's checked exercises: the right answers, from the run's test labels, predictions and bootstrap."""

import numpy as np

from . import choice, function, number


def _scores_of_this_run(settings, predictions, references, n_labels):
    """Each label's F1 for the untrained model's test predictions and for always answering label 0, on 6.1's
    small example, and for a label neither predicted nor present."""
    predictions, references = np.asarray(predictions), np.asarray(references)
    example = (np.array([0, 1, 2, 1, 1, 0]), np.array([0, 1, 1, 1, 2, 2]))     # 6.1's small example
    cases = [(predictions, references, label) for label in range(n_labels)]
    cases += [(np.zeros_like(references), references, label) for label in range(n_labels)]
    cases += [(*example, label) for label in range(3)]
    return cases + [(np.array([0, 0, 2]), np.array([0, 2, 2]), 1)]


@function("6.1", cases=_scores_of_this_run, hint={
    "en": "count true positives, false positives, false negatives of `label`; no TP gives 0.",
    "zh": "数出 `label` 的真正例、假正例和假负例；没有真正例时 F1 为 0。",
})
def class_f1(predictions, references, label):
    predicted, true = np.asarray(predictions) == label, np.asarray(references) == label
    hits = int((predicted & true).sum())
    return 2 * hits / (predicted.sum() + true.sum()) if hits else 0.0


def _labels(settings, predictions, label_names):
    return list(label_names)


@choice("6.2", options=_labels, hint={
    "en": "add up each column of the confusion matrix: columns are the predicted labels.",
    "zh": "把混淆矩阵每一列加起来：列是预测的标签。",
})
def favourite_label(settings, predictions, label_names):
    return label_names[int(np.bincount(np.asarray(predictions), minlength=len(label_names)).argmax())]


@number("6.3", tolerance=0.005, hint={
    "en": "count the distinct row numbers in `rows[0]`; the rest were never drawn.",
    "zh": "数一数 `rows[0]` 里有多少个不同的行号；其余的行一次也没被抽到。",
})
def left_out_by_the_first_resample(settings, rows):
    rows = np.asarray(rows)
    return 1 - len(np.unique(rows[0])) / rows.shape[1]


@number("6.4", tolerance=0.001, hint={
    "en": "the rule of thumb divides by √n: what does four times n do?",
    "zh": "经验法则中有一个除以 √n 的因子：n 变为四倍时会怎样？",
})
def half_width_on_four_times_the_tweets(settings, predictions, references):
    accuracy = float(np.mean(np.asarray(predictions) == np.asarray(references)))
    return 1.96 * np.sqrt(accuracy * (1 - accuracy) / (4 * len(references)))
