"""Metrics without the Hub: the `evaluate` modules this course ships, and the `compute_metrics` step 6 builds.

Step 6 writes `compute_metrics` in the open and checks that it agrees with this copy, which
step 7 hands to its `Trainer`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

MODULES = Path(__file__).parent / "evaluate_modules"


def metric_path(name: str) -> str:
    """The folder of a shipped `evaluate` module: give it to `evaluate.load` instead of a Hub name."""
    folder = MODULES / name
    if not (folder / f"{name}.py").is_file():
        known = sorted(p.name for p in MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))
        raise ValueError(f"No shipped metric {name!r}; the course ships: {', '.join(known)}.")
    return str(folder)


@lru_cache(maxsize=None)
def load_metric(name: str):
    import evaluate
    return evaluate.load(metric_path(name))


def compute_metrics(eval_pred) -> dict:
    """Accuracy and macro-F1 from the `Trainer`'s (logits, labels)."""
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    accuracy = load_metric("accuracy").compute(predictions=predictions, references=labels)["accuracy"]
    macro_f1 = load_metric("f1").compute(predictions=predictions, references=labels, average="macro")["f1"]
    return {"accuracy": accuracy, "macro_f1": macro_f1}


def majority_baseline(train_labels, eval_labels) -> tuple[int, float]:
    """Always guess the most common training label: (that label, its accuracy on the eval labels)."""
    values, counts = np.unique(np.asarray(train_labels), return_counts=True)
    majority = int(values[np.argmax(counts)])
    return majority, float(np.mean(np.asarray(eval_labels) == majority))
