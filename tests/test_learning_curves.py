"""Step 7's training part, checked without running the notebook: the learning-curve verdict on logged
histories of each kind, and the loop by hand against the `Trainer` (the notebook's own cells, run on tiny
models)."""

import contextlib
import copy
import io
import re

import nbformat
import numpy as np
import pytest
import torch
from conftest import ROOT
from datasets import Dataset
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    DataCollatorWithPadding,
    GPT2Config,
    GPT2ForSequenceClassification,
    PrinterCallback,
    Trainer,
)

from finetune_course import messages, metrics, models, recipe, resolve_settings

STEP_7 = ROOT / "notebooks" / "07a_fine_tune.ipynb"          # step 7's first part: the training
TOLERANCE = 1e-5          # what the notebook's comparison line states


def history(validation_losses, validation_accuracies, logs_per_epoch=2) -> list[dict]:
    """A `Trainer`'s log_history: training losses logged during each epoch, then the epoch's evaluation."""
    entries = []
    for epoch, (loss, accuracy) in enumerate(zip(validation_losses, validation_accuracies), start=1):
        entries += [{"loss": 1.0 / epoch + step / 10, "epoch": epoch - 1 + (step + 1) / (logs_per_epoch + 1)}
                    for step in range(logs_per_epoch)]
        entries.append({"eval_loss": loss, "eval_accuracy": accuracy, "eval_macro_f1": accuracy - 0.01,
                        "epoch": float(epoch)})
    return entries


@pytest.mark.parametrize("losses, accuracies, n, verdict, epoch", [
    ([0.90, 0.70, 0.60], [0.60, 0.70, 0.72], 200, "curves_still_learning", 3),    # last fall 14%: learning
    ([0.90, 0.70, 0.69], [0.60, 0.70, 0.71], 200, "curves_levelling_off", 3),     # last fall 1.4%: noise
    ([0.90, 0.70, 0.80], [0.60, 0.70, 0.75], 200, "curves_over_confident", 2),    # accuracy rose
    ([0.90, 0.70, 0.80], [0.60, 0.70, 0.70], 200, "curves_over_confident", 2),    # accuracy held
    ([0.90, 0.70, 0.95], [0.60, 0.80, 0.65], 200, "curves_over_fitting", 2),      # fell 15 points, noise 5.5
    ([0.70, 0.69, 0.695], [0.70, 0.71, 0.70], 200, "curves_within_noise", 2),     # fell 1 point, noise 6.3
    ([0.90, 0.847, 0.859], [0.60, 0.70, 0.72], 100, "curves_within_noise", 2),    # loss rose 1.4%: noise
    ([0.90, 0.847, 0.859], [0.60, 0.70, 0.66], 100, "curves_within_noise", 2),    # and accuracy fell 4 of 9
    ([0.90, 0.70, 0.75], [0.60, 0.70, 0.66], 100, "curves_over_confident", 2),    # loss +7%, accuracy held
    ([0.70, 0.69, 0.695], [0.70, 0.71, 0.70], 100_000, "curves_over_fitting", 2),  # the same, noise 0.3
    ([0.80], [0.60], 200, "curves_one_epoch", 1),
])
def test_the_verdict_reads_loss_and_accuracy_against_the_noise(losses, accuracies, n, verdict, epoch):
    reading = metrics.learning_curve_verdict(history(losses, accuracies), validation_size=n)
    assert reading["verdict"] == verdict and reading["epoch"] == epoch and reading["n"] == n
    assert reading["paired"] is False                 # no logits: one epoch's noise and the 2% rule
    if len(losses) > 1:
        lowest, last = int(np.argmin(losses)), len(losses) - 1
        compared = last - 1 if lowest == last else lowest
        p = accuracies[lowest]
        assert reading["compared"] == compared + 1
        assert reading["noise"] == pytest.approx(100 * 1.96 * np.sqrt(p * (1 - p) / n))
        assert reading["change"] == pytest.approx(100 * (accuracies[-1] - p))
        assert reading["rise"] == pytest.approx(100 * (losses[-1] - losses[compared]) / losses[compared])
        assert reading["loss_noise"] == pytest.approx(100 * metrics.LOSS_NOISE)
    for edition in messages.TABLES:                    # every verdict has its sentence, values filled
        said = messages.say(reading["verdict"], edition, **reading)
        assert "{" not in said and (len(losses) == 1 or str(epoch) in said)


def logits_for(probability_right, labels, k=3):
    """Logits whose softmax gives each tweet's label `probability_right` (where below 1/k, the rest goes to
    the next label, which then wins), the other labels sharing what is left."""
    rows = []
    for p, label in zip(probability_right, labels):
        rest = np.full(k, (1 - p) / (k - 1))
        if p < 1 / k:                       # a wrong answer: the next label takes most of the rest
            rest[:] = (1 - p) * 0.1 / (k - 2)
            rest[(label + 1) % k] = (1 - p) * 0.9
        rest[label] = p
        rows.append(np.log(rest))
    return np.array(rows)


def epochs_of(probabilities_per_epoch, labels):
    """The history and the EpochEvaluations of epochs whose tweets get these probabilities of their label."""
    kept = metrics.EpochEvaluations()
    entries = []
    for epoch, probabilities in enumerate(probabilities_per_epoch, start=1):
        logits = logits_for(probabilities, labels)
        scores = kept((logits, labels))
        hits, losses = metrics.per_tweet(logits, labels)
        entries += [{"loss": 1.0, "epoch": epoch - 0.5},
                    {"eval_loss": float(losses.mean()), "eval_accuracy": scores["accuracy"],
                     "eval_macro_f1": scores["macro_f1"], "epoch": float(epoch)}]
    return entries, kept


@pytest.mark.parametrize("last, verdict", [
    ("better", "curves_still_learning"),       # every tweet's label more likely again: a clear last fall
    ("flat", "curves_levelling_off"),          # a last fall within the tweets' own spread
    ("surer", "curves_over_confident"),        # the same answers, wrong ones surer: loss up, accuracy held
    ("worse", "curves_over_fitting"),          # right answers among the first 80 turn wrong: accuracy down
    ("jitter", "curves_within_noise"),         # each tweet's probability moves a little, a bit more down
])
def test_the_paired_verdict_compares_the_epochs_tweet_by_tweet(last, verdict):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 200)
    first = rng.uniform(0.05, 0.55, 200)
    second = first + 0.1                                     # learning: every tweet's label more likely
    right = second > 1 / 3
    third = {"better": np.clip(second + 0.05, 0, 0.97),
             "surer": np.where(right, second, second / 3),
             "worse": np.where(right & (np.arange(200) < 80), 0.2, second),
             "jitter": np.clip(second + rng.normal(-0.003, 0.03, 200), 0.01, 0.97),
             "flat": np.clip(second + np.random.default_rng(5).normal(0.007, 0.03, 200), 0.01, 0.97)}[last]
    entries, kept = epochs_of([first, second, third], labels)
    reading = metrics.learning_curve_verdict(entries, 200, kept.evaluations, seed=0)
    assert reading["paired"] and reading["verdict"] == verdict, reading
    # The noises, computed here again: 1.96 standard deviations of the mean per-tweet difference over the
    # same resampled rows, the accuracy's in points, the loss's in % of the lowest loss.
    lowest, compared = reading["epoch"] - 1, reading["compared"] - 1
    (hits_a, _), (_, losses_a), (hits_b, losses_b) = (metrics.per_tweet(*kept.evaluations[lowest]),
                                                      metrics.per_tweet(*kept.evaluations[compared]),
                                                      metrics.per_tweet(*kept.evaluations[-1]))
    rows = np.random.default_rng(0).integers(0, 200, size=(1000, 200))
    assert reading["noise"] == pytest.approx(100 * 1.96 * (hits_b - hits_a)[rows].mean(axis=1).std())
    assert reading["loss_noise"] == pytest.approx(
        100 * 1.96 * (losses_b - losses_a)[rows].mean(axis=1).std() / losses_a.mean())
    for edition in messages.TABLES:
        assert "{" not in messages.say(reading["verdict"], edition, **reading)


def test_without_every_epochs_logits_the_verdict_falls_back_on_one_epochs_noise():
    """A run resumed from a checkpoint keeps only the later epochs' logits; other tweets or another order
    cannot be paired either."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 100)
    probabilities = [rng.uniform(0.2, 0.6, 100), rng.uniform(0.3, 0.7, 100), rng.uniform(0.25, 0.65, 100)]
    entries, kept = epochs_of(probabilities, labels)
    shuffled = [kept.evaluations[0], kept.evaluations[1], (kept.evaluations[2][0], labels[::-1])]
    for evaluations in (None, kept.evaluations[1:], shuffled):
        reading = metrics.learning_curve_verdict(entries, 100, evaluations)
        assert reading["paired"] is False and reading["loss_noise"] == pytest.approx(100 * metrics.LOSS_NOISE)
    assert metrics.learning_curve_verdict(entries, 100, kept.evaluations)["paired"] is True


def test_a_trainer_hands_every_epoch_the_same_validation_tweets_in_the_same_order(smoke):
    """What the paired verdict relies on: with step 7's arguments (length-grouped batches) the `Trainer`
    evaluates the validation tweets in one order every epoch, and their mean loss is its eval_loss."""
    tokenizer = models.gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    rng = np.random.default_rng(3)
    def tweets(n):
        return Dataset.from_list([{"input_ids": (ids := rng.integers(0, 500, rng.integers(3, 30)).tolist()),
                                   "attention_mask": [1] * len(ids), "labels": int(rng.integers(0, 3))}
                                  for _ in range(n)])
    kept = metrics.EpochEvaluations()
    trainer = Trainer(model=tiny_classifier("gpt2", tokenizer.eos_token_id),
                      args=recipe.training_arguments(smoke, smoke.path("checkpoints"), 4, num_train_epochs=3,
                                                     save_strategy="no", load_best_model_at_end=False,
                                                     disable_tqdm=True, logging_strategy="no"),
                      train_dataset=tweets(64), eval_dataset=tweets(50),
                      data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=kept)
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    assert len(kept.evaluations) == 3
    assert all(np.array_equal(labels, kept.evaluations[0][1]) for _, labels in kept.evaluations)
    assert not np.array_equal(kept.evaluations[0][1], trainer.eval_dataset["labels"])   # grouped by length
    logged = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    assert [metrics.per_tweet(*e)[1].mean() for e in kept.evaluations] == pytest.approx(logged, rel=1e-5)


def test_the_epoch_table_averages_the_training_losses_logged_in_each_epoch():
    rows = metrics.epoch_table(history([0.9, 0.8], [0.6, 0.7]))
    assert [row["epoch"] for row in rows] == [1, 2]
    assert rows[0]["training loss"] == pytest.approx((1.0 + 1.1) / 2)
    assert rows[1]["training loss"] == pytest.approx((0.5 + 0.6) / 2)
    assert [row["validation loss"] for row in rows] == [0.9, 0.8]
    assert [row["validation accuracy"] for row in rows] == [0.6, 0.7]
    assert [row["validation macro-F1"] for row in rows] == pytest.approx([0.59, 0.69])


def cell_source(cell_id: str) -> str:
    return next(c.source for c in nbformat.read(STEP_7, as_version=4).cells if c.id == cell_id)


def tiny_classifier(kind: str, pad_id: int):
    """A two-block GPT-2 (the smoke model's kind) or BERT (MiniLM's), random weights, dropout as shipped."""
    torch.manual_seed(0)
    if kind == "gpt2":
        config = GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=pad_id + 1, num_labels=3,
                            pad_token_id=pad_id)
        return GPT2ForSequenceClassification(config)
    config = BertConfig(num_hidden_layers=2, num_attention_heads=2, hidden_size=32, intermediate_size=64,
                        vocab_size=pad_id + 1, num_labels=3, pad_token_id=pad_id)
    return BertForSequenceClassification(config)


def run_the_loop_cells(settings, untouched, loop_change=("", "")) -> str:
    """Step 7's two cells (the Trainer on a few batches, then the loop by hand) on random tweets of
    random lengths; what they printed. `loop_change` replaces a piece of the loop's code."""
    tokenizer = models.gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(70):                              # 4 batches of 16 and a rest that is left out
        ids = rng.integers(0, 500, rng.integers(3, 15)).tolist()
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": int(rng.integers(0, 3))})
    train = Dataset.from_list(rows)
    namespace = {"settings": settings, "untouched": untouched, "tokenizer": tokenizer,
                 "tokenized": {"train": train},
                 "steps_per_epoch": int(np.ceil(train.num_rows / settings.per_device_train_batch_size)),
                 "copy": copy, "np": np, "torch": torch, "recipe": recipe, "Trainer": Trainer,
                 "DataCollatorWithPadding": DataCollatorWithPadding, "PrinterCallback": PrinterCallback}
    loop = cell_source("5e1d0a03")
    assert loop.count(loop_change[0]) >= 1
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(cell_source("5e1d0a02"), namespace)
        exec(loop.replace(*loop_change), namespace)
    return printed.getvalue()


def differences(printed: str) -> tuple[float, float, float]:
    loss, weights = re.search(r"largest difference: loss (\S+) \| weights (\S+) \(tolerance 1e-05\)",
                              printed).groups()
    moved = re.search(r"largest weight change in 4 steps: (\S+)", printed).group(1)
    return float(loss), float(weights), float(moved)


@pytest.fixture
def smoke(clean_env):
    return resolve_settings(profile="smoke", artifacts_dir=str(clean_env / "artifacts"))


@pytest.mark.parametrize("kind", ["gpt2", "bert"])
def test_the_loop_by_hand_takes_the_trainers_steps(smoke, kind):
    untouched = tiny_classifier(kind, models.gpt2_tokenizer().eos_token_id)
    before = copy.deepcopy(untouched.state_dict())
    printed = run_the_loop_cells(smoke, untouched)
    loss, weights, moved = differences(printed)
    assert loss <= TOLERANCE and weights <= TOLERANCE, printed
    assert moved > 100 * TOLERANCE, printed          # the steps moved the weights: the match is not trivial
    assert len(re.search(r"loss per step, by hand: (.*)", printed).group(1).split(", ")) == 4
    after = untouched.state_dict()                   # the model step 7 goes on to train is untouched
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_the_comparison_sees_a_step_that_differs(smoke):
    """The loop from a copy with dropout on no longer matches the Trainer: the test above can fail."""
    untouched = tiny_classifier("gpt2", models.gpt2_tokenizer().eos_token_id)
    printed = run_the_loop_cells(smoke, untouched, ("copy.deepcopy(start).to", "copy.deepcopy(untouched).to"))
    loss, weights, _ = differences(printed)
    assert weights > TOLERANCE, printed
