"""Step 1's checked exercises: the right answers, from the run's test labels, training labels and zero-shot
answers."""

import numpy as np

from ..metrics import majority_baseline
from . import choice, function, number


@number("1.1", tolerance=0.005, hint={
    "en": "match `references` against the class id of `answers.index[0]`, then average.",
    "zh": "把 `references` 与 `answers.index[0]` 对应的类别 id 逐条比较，再求平均。",
})
def one_answer_for_every_tweet(settings, answers, references, label_names):
    return float(np.mean(np.asarray(references) == list(label_names).index(answers.index[0])))


def _label_names(settings, label_names, **run):
    return list(label_names)


@choice("1.2", options=_label_names, hint={
    "en": "`answers` counts the model's answers; count `references` the same way, then subtract.",
    "zh": "`answers` 是模型答案的计数；用同样的方法统计 `references`，再相减。",
})
def most_over_answered(settings, zero_shot_predictions, references, label_names):
    n = len(label_names)
    over = (np.bincount(np.asarray(zero_shot_predictions), minlength=n)
            - np.bincount(np.asarray(references), minlength=n))
    return label_names[int(np.argmax(over))]       # on a tie, the first in the Labels line


def _unique_majority(labels) -> bool:
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    return int((counts == counts.max()).sum()) == 1


def _label_sets(settings, train_labels, references):
    run = [(np.asarray(train_labels), np.asarray(references))]
    small = [(np.array([0, 1, 1, 2, 1]), np.array([1, 0, 2, 1])),
             (np.array([2, 2, 0]), np.array([0, 0, 1, 1, 2])),
             (np.array([0, 3, 3, 1]), np.array([2, 2, 2]))]
    return [case for case in run if _unique_majority(case[0])] + small   # a tie would need a rule to break it


@function("1.3", cases=_label_sets, hint={
    "en": "find the most common value in `train_labels`; the share of `test_labels` equal to it.",
    "zh": "先找出 `train_labels` 中最常见的值，再算 `test_labels` 中等于它的比例。",
})
def majority_baseline_accuracy(train_labels, test_labels):
    return majority_baseline(train_labels, test_labels)[1]
