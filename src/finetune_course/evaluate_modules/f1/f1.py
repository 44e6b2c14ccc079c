"""F1 as an `evaluate` module the course ships, so `evaluate.load` works without the Hub.

It computes exactly what the Hub's `f1` module computes: scikit-learn's `f1_score`.
With `average="macro"` it is the plain mean of the per-class F1 scores, so a rare class
counts as much as a frequent one; `average=None` returns one score per class.
"""

import datasets
import evaluate
from sklearn.metrics import f1_score


class F1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="The harmonic mean of precision and recall, per class or averaged over classes.",
            citation="",
            inputs_description="predictions and references: lists of integer class ids; "
            "average: 'binary' (default), 'macro', 'micro', 'weighted' or None.",
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.f1_score.html"],
        )

    def _compute(self, predictions, references, labels=None, pos_label=1, average="binary",
                 sample_weight=None):
        score = f1_score(references, predictions, labels=labels, pos_label=pos_label,
                         average=average, sample_weight=sample_weight)
        return {"f1": score.tolist() if average is None else float(score)}
