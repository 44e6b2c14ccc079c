"""Accuracy as an `evaluate` module the course ships, so `evaluate.load` works without the Hub.

It computes exactly what the Hub's `accuracy` module computes: scikit-learn's
`accuracy_score(references, predictions)`, the share of predictions equal to the reference.
"""

import datasets
import evaluate
from sklearn.metrics import accuracy_score


class Accuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="The share of predictions that equal the reference label.",
            citation="",
            inputs_description="predictions and references: lists of integer class ids.",
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.accuracy_score.html"],
        )

    def _compute(self, predictions, references, normalize=True, sample_weight=None):
        score = accuracy_score(references, predictions, normalize=normalize, sample_weight=sample_weight)
        return {"accuracy": float(score)}
