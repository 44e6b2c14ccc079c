"""Metrics without the Hub: the `evaluate` modules this course ships, the `compute_metrics` step 6
builds, and bootstrap intervals that say how much a score on a few hundred tweets can be trusted.

Step 6 writes `compute_metrics` in the open and checks that it agrees with the copy here, which
step 7 hands to its `Trainer` (a notebook's functions cannot be imported by another notebook).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from .params import CourseInputError

MODULES = Path(__file__).parent / "evaluate_modules"


def metric_path(name: str) -> str:
    """The folder of a shipped `evaluate` module: give it to `evaluate.load` instead of a Hub name."""
    folder = MODULES / name
    if not (folder / f"{name}.py").is_file():
        known = sorted(p.name for p in MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))
        raise CourseInputError(f"No shipped metric {name!r}; the course ships: {', '.join(known)}.")
    return str(folder)


@cache
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


def bootstrap_intervals(predictions, references, n_resamples: int = 1000, confidence: float = 0.95,
                        seed: int = 0) -> dict:
    """{"accuracy": (value, low, high), "macro_f1": (...)}: percentile bootstrap over the test rows.

    Each resample draws as many rows as the test set holds, with replacement, and scores them again;
    the middle `confidence` share of those scores is the interval. It shows how far the score could
    move on another test sample of the same size (about +-3 points for 1,000 tweets, +-4 for 600).
    """
    predictions, references = np.asarray(predictions), np.asarray(references)
    rows = resampled_rows(len(references), n_resamples, seed)
    sampled_predictions, sampled_references = predictions[rows], references[rows]
    classes = np.union1d(predictions, references)
    f1_per_class = []
    for label in classes:
        predicted, true = sampled_predictions == label, sampled_references == label
        hits = (predicted & true).sum(axis=1)
        denominator = predicted.sum(axis=1) + true.sum(axis=1)
        f1_per_class.append(np.divide(2 * hits, denominator, out=np.zeros(n_resamples),
                                      where=denominator > 0))
    resampled = {"accuracy": (sampled_predictions == sampled_references).mean(axis=1),
                 "macro_f1": np.mean(f1_per_class, axis=0)}
    point = {"accuracy": float(np.mean(predictions == references)),
             "macro_f1": macro_f1(predictions, references, classes)}
    return {name: (point[name], *percentile_interval(values, confidence))
            for name, values in resampled.items()}


def bootstrap_difference(predictions, baseline_predictions, references, n_resamples: int = 1000,
                         confidence: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """Accuracy of `predictions` minus that of `baseline_predictions` on the same rows, with a paired
    percentile bootstrap interval: (difference, low, high). Paired: each resample scores both on the same
    rows, so the interval is much narrower than the two accuracies' own intervals suggest when both models
    err on the same rows."""
    hits = np.asarray(predictions) == np.asarray(references)
    baseline_hits = np.asarray(baseline_predictions) == np.asarray(references)
    rows = resampled_rows(len(hits), n_resamples, seed)
    resampled = hits[rows].mean(axis=1) - baseline_hits[rows].mean(axis=1)
    return (float(hits.mean() - baseline_hits.mean()), *percentile_interval(resampled, confidence))


def resampled_rows(rows: int, n_resamples: int, seed: int) -> np.ndarray:
    """Row indices for the bootstrap: `n_resamples` draws of `rows` rows, with replacement."""
    return np.random.default_rng(seed).integers(0, rows, size=(n_resamples, rows))


def percentile_interval(values, confidence: float) -> tuple[float, float]:
    """The middle `confidence` share of the resampled `values`: (low, high)."""
    tail = round(50 * (1 - confidence), 10)    # 2.5 exactly for 0.95, as step 6's NumPy lines write it
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def macro_f1(predictions, references, classes) -> float:
    """Macro-F1 over `classes` (scikit-learn's, without its warning for a class never predicted)."""
    from sklearn.metrics import f1_score
    return float(f1_score(references, predictions, labels=classes, average="macro", zero_division=0))


def verdict(low: float, high: float, chance: float, versus_majority: tuple[float, float]) -> str:
    """Where a score stands against chance and the majority-class baseline, as a key of the message tables
    (finetune_course/messages.py), which say it in words: `messages.say(key, edition, majority=name)`.
    `low`, `high`: the accuracy's 95% interval, against chance (a number, not a measurement);
    `versus_majority`: the paired 95% interval of its difference from always guessing the majority label on
    the same texts (`bootstrap_difference`), as step 6 compares two scores."""
    if high < chance:
        return "worse_than_chance"
    if low <= chance:
        return "no_better_than_chance"            # the interval includes chance
    difference_low, difference_high = versus_majority
    if difference_high < 0:
        return "worse_than_majority"
    if difference_low <= 0:
        return "no_better_than_majority"          # the paired interval includes 0
    return "better_than_majority"


def versus_majority(predictions, references, majority_label: int, seed: int = 0) -> tuple[float, float]:
    """The paired 95% interval of accuracy minus always guessing `majority_label`, on the same rows."""
    always = np.full(len(references), majority_label)
    return bootstrap_difference(predictions, always, references, seed=seed)[1:]


def predict_in_row_order(trainer, dataset, **kwargs):
    """`trainer.predict(dataset)` with batches of rows of similar length, returned in the dataset's row order.

    Sorting by length first means each batch is padded only to lengths close to its own, so evaluation
    computes far fewer padding positions; the predictions (and labels) are then put back where their
    rows are. (`group_by_length` in the training arguments also groups evaluation batches, but returns
    the predictions in its own order: step 7's trap.) Metrics over all rows do not depend on the order.
    """
    from transformers.trainer_utils import PredictionOutput

    order = np.argsort([len(ids) for ids in dataset["input_ids"]], kind="stable")
    output = trainer.predict(dataset.select(order), **kwargs)
    back = np.argsort(order)                     # row i of the dataset is row back[i] of the sorted one
    return PredictionOutput(predictions=output.predictions[back],
                            label_ids=None if output.label_ids is None else output.label_ids[back],
                            metrics=output.metrics)


def epoch_table(log_history: list[dict]) -> list[dict]:
    """One row per epoch from a `Trainer`'s `state.log_history`: the mean of the training losses logged
    during that epoch, then the validation loss, accuracy and macro-F1 measured at its end."""
    evaluations = [entry for entry in log_history if "eval_loss" in entry]
    rows, previous = [], 0.0
    for entry in evaluations:
        logged = [e["loss"] for e in log_history if "loss" in e and previous < e["epoch"] <= entry["epoch"]]
        rows.append({"epoch": round(entry["epoch"]),
                     "training loss": float(np.mean(logged)) if logged else float("nan"),
                     "validation loss": entry["eval_loss"],
                     "validation accuracy": entry.get("eval_accuracy"),
                     "validation macro-F1": entry.get("eval_macro_f1")})
        previous = entry["epoch"]
    return rows


class EpochEvaluations:
    """Step 6's `compute_metrics`, which also keeps each evaluation's logits and labels: the `Trainer` hands
    it the same validation tweets in the same order every epoch, so that two epochs can be compared tweet
    by tweet (`learning_curve_verdict`)."""

    def __init__(self):
        self.evaluations: list[tuple[np.ndarray, np.ndarray]] = []

    def __call__(self, eval_pred) -> dict:
        logits, labels = eval_pred
        self.evaluations.append((np.asarray(logits), np.asarray(labels)))
        return compute_metrics(eval_pred)


def per_tweet(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    """Each tweet's hit (1.0 where the top label is right) and cross-entropy loss."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (logits.argmax(axis=1) == labels).astype(float), -log_probabilities[np.arange(len(labels)), labels]


def paired_noise(differences, z: float = 1.96, n_resamples: int = 1000, seed: int = 0) -> float:
    """How far the mean of per-tweet `differences` (one epoch's minus another's, on the same tweets) moves by
    chance: z times its standard deviation over bootstrap resamples of the tweets."""
    differences = np.asarray(differences, dtype=np.float64)
    rows = resampled_rows(len(differences), n_resamples, seed)
    return float(z * differences[rows].mean(axis=1).std())


# Without each tweet's loss (a run resumed from a checkpoint keeps only the logged means), a rise smaller than
# this share of the lowest validation loss is read as noise: a simple rule, where the paired one cannot run.
LOSS_NOISE = 0.02


def learning_curve_verdict(log_history: list[dict], validation_size: int,
                           evaluations: list[tuple] | None = None, z: float = 1.96, seed: int = 0) -> dict:
    """What the validation curves of a training say: {"verdict": a key of the message tables, then the values
    its sentence needs: "epoch" (the lowest validation loss), "last" (the last epoch), "compared" (the epoch
    the last is compared with: the lowest, or the one before the last where the last is the lowest),
    "rise" and "loss_noise" (the validation loss's change from "compared" to the last epoch, and its noise, in
    % of the compared loss), "change" and "noise" (the validation accuracy's from the lowest epoch to the
    last, in points), "n" (validation tweets), "paired"}.

    The loss measures how much probability the model gives the right labels; accuracy only whether the top
    label is right. If the validation loss is lowest at the last epoch, the model was still learning, unless
    that last fall is within its noise (levelling off). Otherwise the accuracy's change over the same
    epochs is read against its noise: a fall beyond it is over-fitting. If the accuracy held (rose, or fell
    within its noise), the loss's rise decides: within its noise, noise; beyond it, over-confidence (surer
    answers, costlier mistakes: the first sign of over-fitting). The lowest epoch is chosen on these same
    tweets, which favours a rise from it slightly.

    With `evaluations` (EpochEvaluations' logits and labels, one per epoch, the same tweets in the same order)
    two epochs are compared tweet by tweet, as step 6's paired bootstrap compares two models: each noise is z
    times the standard deviation of the mean per-tweet difference over resamples of the tweets. Without them,
    the accuracy's noise is one epoch's, z * sqrt(p(1-p)/n), and the loss's is LOSS_NOISE.
    """
    rows = epoch_table(log_history)
    if len(rows) < 2:
        return {"verdict": "curves_one_epoch", "epoch": len(rows), "last": len(rows), "compared": len(rows),
                "rise": 0.0, "loss_noise": 0.0, "change": 0.0, "noise": 0.0, "n": validation_size,
                "paired": False}
    losses = [row["validation loss"] for row in rows]
    lowest, last = int(np.argmin(losses)), len(rows) - 1
    compared = last - 1 if lowest == last else lowest
    rise = (losses[last] - losses[compared]) / losses[compared]
    accuracy_then, accuracy_last = rows[lowest]["validation accuracy"], rows[last]["validation accuracy"]
    change = accuracy_last - accuracy_then
    paired = (evaluations is not None and len(evaluations) == len(rows)
              and all(len(labels) == validation_size and np.array_equal(labels, evaluations[0][1])
                      for _, labels in evaluations))
    if paired:
        (hits_then, _), (_, losses_compared), (hits_last, losses_last) = (
            per_tweet(*evaluations[lowest]), per_tweet(*evaluations[compared]), per_tweet(*evaluations[last]))
        noise = paired_noise(hits_last - hits_then, z, seed=seed)
        loss_noise = paired_noise(losses_last - losses_compared, z, seed=seed) / losses[compared]
    else:
        noise = z * np.sqrt(accuracy_then * (1 - accuracy_then) / validation_size)
        loss_noise = LOSS_NOISE
    verdict = (("curves_still_learning" if -rise > loss_noise else "curves_levelling_off") if lowest == last
               else "curves_over_fitting" if -change > noise
               else "curves_within_noise" if rise <= loss_noise
               else "curves_over_confident")
    return {"verdict": verdict, "epoch": rows[lowest]["epoch"], "last": rows[last]["epoch"],
            "compared": rows[compared]["epoch"], "rise": float(rise * 100),
            "loss_noise": float(loss_noise * 100), "change": float(change * 100), "noise": float(noise * 100),
            "n": validation_size, "paired": bool(paired)}
