"""The bonus notebook's comparison of cheaper fine-tuning methods: its table's invariants and printed facts on
the executed chains (not golden accuracies), and the helpers and library calls it uses."""

import copy
import re
import time

import nbformat
import numpy as np
import pytest
import torch
from datasets import Dataset
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
)

from finetune_course import measure, messages, metrics, models, plots, resolve_settings
from finetune_course.course.chain import notebooks, step_id
from finetune_course.params import CourseInputError

CHEAPER = ["linear probe", "last block + head", "lower half frozen", "LoRA"]


@pytest.mark.parametrize("run", ["smoke_run", "offline_run"])
def test_every_method_is_measured_and_the_shares_are_ordered(run, request):
    chain = request.getfixturevalue(run)
    table = chain["results"]["cheaper_methods"]
    methods = table["methods"]
    assert list(methods) == [*CHEAPER, "every weight"]
    share = {name: row["trainable_share"] for name, row in methods.items()}
    assert (share["linear probe"] < share["last block + head"] < share["lower half frozen"]
            < share["every weight"] == 1)
    assert share["LoRA"] < 0.05
    assert table["lora_merged_agrees"] is True
    for name, row in methods.items():
        low, high = row["test_accuracy_interval"]
        assert low <= row["test_accuracy"] <= high, name
        low, high = row["accuracy_vs_every_weight_interval"]
        assert low <= row["accuracy_vs_every_weight"] <= high, name
        assert row["train_runtime_s"] > 0 and row["saved_mb"] > 0, name
    # Step 7's row is step 7's result, not a new training.
    assert methods["every weight"]["test_accuracy"] == chain["metrics"]["test_accuracy"]
    assert methods["every weight"]["train_runtime_s"] == chain["metrics"]["train_runtime_s"]
    assert methods["every weight"]["accuracy_vs_every_weight"] == 0
    # What must be kept: the LoRA adapter is a small fraction of the model.
    assert methods["LoRA"]["saved_mb"] < 0.05 * methods["every weight"]["saved_mb"]


def executed_bonus(chain) -> nbformat.NotebookNode:
    return nbformat.read(chain["out"] / "bonus" / "cheaper_fine_tuning.ipynb", as_version=4)


def outputs(chain, stream: str = "stdout") -> str:
    """What the executed bonus notebook wrote to `stream`, every cell's in order."""
    return "".join(output.get("text", "") for cell in executed_bonus(chain).cells
                   for output in cell.get("outputs", []) if output.get("name") == stream)


def test_lora_adapts_each_models_own_attention_layers(smoke_run, offline_run):
    """And B.5 prints what trains, split: the adapters, and the layers trained in full (the head, a pooler),
    so that LoRA's adapters are not credited with the pooler's share."""
    smoke, offline = (run["results"]["cheaper_methods"] for run in (smoke_run, offline_run))
    assert smoke["lora"]["target_modules"] == ["c_attn"] and smoke["lora"]["pooler_trains"] is False  # GPT-2
    assert offline["lora"]["target_modules"] == ["query", "value"]                                  # BERT
    # MiniLM's pooler, never trained by its sentence training, trains in full beside the adapters and head.
    assert offline["lora"]["pooler_trains"] is True
    config = AutoConfig.from_pretrained(models.model_source(resolve_settings("offline")))
    width, labels, r = config.hidden_size, len(offline_run["metrics"]["label_names"]), offline["lora"]["r"]
    adapters = config.num_hidden_layers * 2 * r * (width + width)       # query and value: A and B each
    pooler, head = width * width + width, width * labels + labels
    assert offline["methods"]["LoRA"]["trainable_parameters"] == adapters + pooler + head
    assert f"adapters {adapters:,} | in full: pooler {pooler:,}, head {head:,}\n" in outputs(offline_run)
    # GPT-2: c_attn computes query, key and value (A: r x width, B: 3 width x r); its head has no bias.
    config = AutoConfig.from_pretrained(smoke_run["artifacts"] / models.TINY_GPT2)
    width, labels, r = config.n_embd, len(smoke_run["metrics"]["label_names"]), smoke["lora"]["r"]
    adapters, head = config.n_layer * r * (width + 3 * width), width * labels
    assert smoke["methods"]["LoRA"]["trainable_parameters"] == adapters + head
    assert f"adapters {adapters:,} | in full: head {head:,}\n" in outputs(smoke_run)


@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")  # peft's (B.5)
def test_lora_trains_a_bert_pooler_in_full_and_merges_to_the_same_model(tmp_path):
    """The bonus notebook's LoraConfig on a tiny BERT: the pooler trains beside the adapters and the head,
    and the adapter saved, reloaded on an untouched copy of the model, and merged predicts as the trained."""
    torch.manual_seed(0)
    bert = BertForSequenceClassification(BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, vocab_size=100,
        num_labels=3)).eval()
    untouched = copy.deepcopy(bert)
    pooler = getattr(bert.base_model, "pooler", None)
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8,
                        target_modules=models.lora_targets(bert),
                        modules_to_save=["pooler"] if pooler is not None else None)
    lora = get_peft_model(bert, config)
    adapters, pooled, head = 2 * 2 * 4 * (32 + 32), 32 * 32 + 32, 32 * 3 + 3
    assert measure.trainable_parameters(lora)[0] == adapters + pooled + head
    with torch.no_grad():                        # "training": every trainable weight moves
        for parameter in lora.parameters():
            if parameter.requires_grad:
                parameter.add_(0.1 * torch.randn_like(parameter))
    inputs = {"input_ids": torch.randint(0, 100, (4, 7)),
              "attention_mask": torch.ones(4, 7, dtype=torch.long)}
    lora.eval()
    with torch.no_grad():
        trained = lora(**inputs).logits
        lora.save_pretrained(str(tmp_path / "adapter"))
        reloaded = PeftModel.from_pretrained(copy.deepcopy(untouched), str(tmp_path / "adapter")).eval()
        from_adapter = reloaded(**inputs).logits
        merged_model = reloaded.merge_and_unload()
        merged = merged_model(**inputs).logits
    assert torch.allclose(from_adapter, trained, atol=1e-6) and torch.allclose(merged, trained, atol=1e-5)
    # The merged model carries the trained pooler; the untouched copy kept the loaded one.
    assert not torch.equal(merged_model.bert.pooler.dense.weight, untouched.bert.pooler.dense.weight)


def test_the_bonus_notebook_runs_after_step_seven_and_can_be_picked_alone():
    found = notebooks()
    assert [step_id(path) for path in found] == ["01", "02", "03", "04", "05", "06", "07a", "07b", "bonus"]
    assert notebooks(["bonus"]) == found[-1:]
    assert notebooks(["07"]) == found[6:8] and notebooks(["07b"]) == found[7:8]   # "07": both parts


def test_lora_targets_reads_the_models_layers(clean_env):
    gpt2 = AutoModelForSequenceClassification.from_pretrained(models.build_tiny_gpt2(clean_env / "m"),
                                                              num_labels=3)
    assert models.lora_targets(gpt2) == ["c_attn"]
    bert = BertForSequenceClassification(BertConfig(hidden_size=32, num_hidden_layers=2,
                                                    num_attention_heads=2, intermediate_size=64,
                                                    vocab_size=100))
    assert models.lora_targets(bert) == ["query", "value"]
    bert.config.model_type = "a-model-peft-does-not-know"
    with pytest.raises(CourseInputError, match="target_modules") as error:
        models.lora_targets(bert)
    assert "query" in str(error.value)          # it lists the layers to choose from


def test_paired_difference_is_zero_for_the_same_predictions_and_narrower_than_unpaired():
    rng = np.random.default_rng(0)
    references = rng.integers(0, 3, size=500)
    baseline = np.where(rng.random(500) < 0.7, references, (references + 1) % 3)
    assert metrics.bootstrap_difference(baseline, baseline, references) == (0.0, 0.0, 0.0)
    better = np.where(rng.random(500) < 0.5, references, baseline)  # fixes about half the baseline's errors
    difference, low, high = metrics.bootstrap_difference(better, baseline, references)
    assert difference == pytest.approx(np.mean(better == references) - np.mean(baseline == references))
    assert 0 < low <= difference <= high
    # Paired: narrower than the two accuracies' own intervals side by side.
    own = [metrics.bootstrap_intervals(p, references)["accuracy"] for p in (better, baseline)]
    assert high - low < (own[0][2] - own[0][1]) + (own[1][2] - own[1][1])


def test_peak_memory_sees_an_allocation_and_the_measures_count_right(tmp_path):
    with measure.PeakMemory(every_s=0.01) as memory:
        block = np.ones(200 * 2**20 // 8)          # 200 MB, touched
        time.sleep(0.1)                            # sampled several times
        del block
    assert 150 <= memory.added_mb <= 400
    model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Linear(10, 2))
    model[0].requires_grad_(False)
    assert measure.trainable_parameters(model) == (22, 132)
    (tmp_path / "a").write_bytes(b"x" * 2**20)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"x" * 2**19)
    assert measure.size_on_disk_mb(tmp_path) == 1.5 and measure.size_on_disk_mb(tmp_path / "a") == 1


def test_on_the_random_tiny_model_only_every_weight_learns(smoke_run):
    """The bonus notebook says so for `smoke`: every cheaper method keeps random weights, so each one is
    below the run that trains every weight (its paired interval lies below zero)."""
    methods = smoke_run["results"]["cheaper_methods"]["methods"]
    for name in CHEAPER:
        assert methods[name]["accuracy_vs_every_weight_interval"][1] < 0, name


def reading_key(row: dict) -> str:
    """The bonus notebook's reading of a method against every weight trained (B.7's table)."""
    if row["one_label"] is not None:
        return "method_one_label"
    low, high = row["accuracy_vs_every_weight_interval"]
    half_width = (high - low) / 2
    if high < 0:
        return "method_clearly_below_reference" if -high > half_width else "method_below_reference"
    if low > 0:
        return "method_clearly_above_reference" if low > half_width else "method_above_reference"
    return "method_like_reference"


def test_clearly_needs_zero_beyond_half_the_intervals_width():
    row = {"one_label": None}
    assert reading_key({**row, "accuracy_vs_every_weight_interval": [-0.10, -0.0003]}) == (
        "method_below_reference")
    assert reading_key({**row, "accuracy_vs_every_weight_interval": [-0.10, -0.06]}) == (
        "method_clearly_below_reference")
    assert reading_key({**row, "accuracy_vs_every_weight_interval": [-0.02, 0.03]}) == "method_like_reference"
    assert reading_key({**row, "accuracy_vs_every_weight_interval": [0.01, 0.05]}) == "method_above_reference"
    assert reading_key({"one_label": "neutral", "accuracy_vs_every_weight_interval": [-0.3, -0.2]}) == (
        "method_one_label")


def test_the_probe_pools_the_real_tokens_mean_for_encoders_last_for_gpt2(clean_env):
    hidden = torch.arange(12, dtype=torch.float32).reshape(2, 3, 2)      # 2 texts, 3 positions, width 2
    right_padded = torch.tensor([[1, 1, 0], [1, 1, 1]])
    assert models.pool(hidden, right_padded, "mean").tolist() == [[1, 2], [8, 9]]
    assert models.pool(hidden, right_padded, "last_token").tolist() == [[2, 3], [10, 11]]
    left_padded = torch.tensor([[0, 1, 1], [0, 0, 1]])
    assert models.pool(hidden, left_padded, "last_token").tolist() == [[4, 5], [10, 11]]
    assert models.PROBE_POOLING == {True: "last_token", False: "mean"}
    # On a tiny GPT-2: the classifier's logits are its head on the last-token features, and padding
    # changes no text's features.
    folder = models.build_tiny_gpt2(clean_env / "m")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.pad_token = tokenizer.eos_token
    gpt2 = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=3).eval()
    gpt2.config.pad_token_id = tokenizer.pad_token_id
    texts = Dataset.from_dict(dict(tokenizer(["so short", "a much longer tweet than the one before it"])))
    last = models.pooled_features(gpt2, texts, tokenizer, "last_token", batch_size=2)
    with torch.no_grad():
        logits = gpt2(**tokenizer.pad(texts[:2], return_tensors="pt")).logits
        assert np.allclose(gpt2.score(torch.from_numpy(last)).numpy(), logits.numpy(), atol=1e-5)
    for pooling in ("mean", "last_token"):
        alone = np.concatenate([models.pooled_features(gpt2, texts.select([i]), tokenizer, pooling)
                                for i in range(2)])
        padded = models.pooled_features(gpt2, texts, tokenizer, pooling, batch_size=2)
        assert np.allclose(padded, alone, atol=1e-5), pooling
    assert not np.allclose(padded, models.pooled_features(gpt2, texts, tokenizer, "mean"), atol=1e-3)


@pytest.mark.parametrize("run", ["smoke_run", "offline_run"])
def test_each_method_is_read_against_every_weight_by_its_paired_interval(run, request):
    """The bonus notebook reads each cheaper method against every weight trained, in the run's edition,
    from the paired interval in methods.json (clearly only with 0 beyond half its width), or as one label."""
    chain = request.getfixturevalue(run)
    executed = nbformat.read(chain["out"] / "bonus" / "cheaper_fine_tuning.ipynb", as_version=4)
    text = "".join(output.get("text", "") for cell in executed.cells for output in cell.get("outputs", []))
    edition = chain["results"].get("edition", "en")
    for name in CHEAPER:
        row = chain["results"]["cheaper_methods"]["methods"][name]
        reading = messages.say(reading_key(row), edition, reference=plots.in_edition(edition)("every weight"),
                               label=row["one_label"], points=row["accuracy_vs_every_weight"] * 100)
        assert f"{name}: {reading}\n" in text, name


@pytest.mark.parametrize("run", ["smoke_run", "offline_run"])
def test_the_model_is_loaded_once_and_each_training_prints_its_loss(run, request):
    """One loading report for the whole notebook (each method trains a copy), and for each method that trains
    with step 7's recipe its training loss per epoch, as recorded, beside ln k (k labels)."""
    chain = request.getfixturevalue(run)
    assert outputs(chain, "stderr").count("LOAD REPORT") == 1
    text, table = outputs(chain), chain["results"]["cheaper_methods"]
    k = len(chain["metrics"]["label_names"])
    for name in CHEAPER[1:]:
        losses = table["methods"][name]["training_loss_per_epoch"]
        assert len(losses) == table["num_train_epochs"] and all(loss > 0 for loss in losses), name
        shown = ", ".join(f"{loss:.3f}" for loss in losses)
        assert f"  training loss per epoch: {shown} (ln {k} = {np.log(k):.3f})\n" in text, name
    assert table["methods"]["linear probe"]["training_loss_per_epoch"] is None


@pytest.mark.parametrize("run", ["smoke_run", "offline_run"])
def test_the_probe_says_when_its_c_is_at_the_grid_edge(run, request):
    chain = request.getfixturevalue(run)
    probe = chain["results"]["cheaper_methods"]["probe"]
    assert probe["C_grid"] == [0.001, 0.01, 0.1, 1, 10] and probe["C"] in probe["C_grid"]
    edge = " (grid edge)" if probe["C"] in (probe["C_grid"][0], probe["C_grid"][-1]) else ""
    chosen = re.search(r"\| chosen C: ([\d.]+)( \(grid edge\))?\n", outputs(chain))
    assert chosen and float(chosen.group(1)) == probe["C"] and (chosen.group(2) or "") == edge


@pytest.mark.parametrize("run", ["smoke_run", "offline_run"])
def test_the_pipeline_demo_says_when_lora_gives_one_label(run, request):
    chain = request.getfixturevalue(run)
    one_label = chain["results"]["cheaper_methods"]["methods"]["LoRA"]["one_label"]
    demo = next(cell for cell in executed_bonus(chain).cells if cell.get("id") == "a3639a9a")
    printed = "".join(output.get("text", "") for output in demo.outputs if output.get("name") == "stdout")
    assert printed == (f"one label for every test tweet: {one_label!r}\n" if one_label else "")
