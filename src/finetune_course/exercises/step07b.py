"""Step 7 part 2's checked exercises: the right answers, from the run's own test predictions and losses."""

import numpy as np
from sklearn.metrics import confusion_matrix

from .. import metrics
from . import function, number


@number("7b.1", tolerance=0.002, hint={
    "en": "the lower end of the paired interval of fine-tuned − zero-shot (section 7.10), as a share.",
    "zh": "取“微调后 − 零样本”配对区间的下端（7.10 节），写成比例。",
})
def smallest_gain_over_zero_shot(settings, test_predictions, zero_shot_predictions, test_labels):
    _, low, _ = metrics.bootstrap_difference(test_predictions, zero_shot_predictions, test_labels,
                                             seed=settings.seed)      # 7.10's paired interval, as printed
    return low


def _matrices_of_this_run(settings, test_labels, test_predictions, label_names):
    this_run = confusion_matrix(test_labels, test_predictions, labels=range(len(label_names)))
    small = [np.array([[5, 1, 0], [2, 3, 1], [0, 4, 4]]), np.array([[7, 3], [1, 0]]),
             np.array([[2, 0, 0, 1], [0, 0, 5, 0], [1, 1, 1, 1], [0, 0, 0, 9]])]
    # A label without test tweets has a row of zeros, and no recall: such a matrix is left out.
    return [(matrix,) for matrix in [this_run, *small] if matrix.sum(axis=1).all()]


@function("7b.2", cases=_matrices_of_this_run, hint={
    "en": "a row holds one true label's tweets; the diagonal, the ones predicted right.",
    "zh": "每一行是某个真实标签的推文；对角线上是其中预测对的。",
})
def recall_per_class(matrix):
    matrix = np.asarray(matrix)
    return matrix.diagonal() / matrix.sum(axis=1)


@number("7b.3", tolerance=0.005, hint={
    "en": "a loss is −ln p; undo the logarithm of the highest loss (section 7.13).",
    "zh": "损失等于 −ln p：由 7.13 节中最高的损失反推出 p。",
})
def probability_of_the_top_suspect(settings, losses):
    return float(np.exp(-np.max(losses)))
