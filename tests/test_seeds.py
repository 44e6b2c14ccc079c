"""`make seeds`: step 7's recipe and the bonus's methods on several seeds, the same data. The aggregation and
the table on made-up runs; the notebooks' cell that shows the table only for their own settings and data; the
bonus's cells that write LoRA's configuration and the probe's fit out, equal to the methods module's; and
(slow) the command on the smoke profile at tiny sizes."""

import ast
import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT
from datasets import Dataset, DatasetDict
from peft import LoraConfig, TaskType
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from test_recipe import cell_source, places_holding, statements_up_to
from test_train import learner_env, params_file, unexplained_stderr
from transformers import AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification
from transformers.pytorch_utils import Conv1D

from finetune_course import artifacts, measure, methods, metrics, models, resolve_settings, seeds

STEP_7B = ROOT / "notebooks" / "07b_evaluate.ipynb"
BONUS = ROOT / "notebooks" / "bonus" / "cheaper_fine_tuning.ipynb"
SHOWN_IN = {STEP_7B: "seeds-07b", BONUS: "seeds-bonus"}      # the cell of each that shows the table


def run(seed: int, accuracy: float, seconds: float = 40.0) -> dict:
    return {"seed": seed, "test_accuracy": accuracy,
            "test_accuracy_interval": [accuracy - 0.035, accuracy + 0.032],
            "test_macro_f1": accuracy - 0.005, "train_runtime_s": seconds}


MADE_UP = {"seeds": [42, 43, 44], "methods": {
    "every weight": seeds.summary([run(42, 0.78, 40.0), run(43, 0.76, 44.0), run(44, 0.80, 42.0)]),
    "linear probe": seeds.summary([run(s, 0.655, 9.0) for s in (42, 43, 44)]),
}}


def test_the_spread_is_the_sample_sd_and_the_range():
    every = MADE_UP["methods"]["every weight"]
    assert every["test_accuracy_mean"] == pytest.approx(0.78)
    assert every["test_accuracy_sd"] == pytest.approx(0.02)            # n - 1: (0 + 0.02² + 0.02²) / 2
    assert (every["test_accuracy_min"], every["test_accuracy_max"]) == (0.76, 0.80)
    assert every["train_runtime_s_mean"] == pytest.approx(42.0)
    assert [r["seed"] for r in every["per_seed"]] == [42, 43, 44]
    assert MADE_UP["methods"]["linear probe"]["test_accuracy_sd"] == 0.0


def test_the_table_puts_the_spread_beside_the_first_seeds_interval():
    lines = seeds.table(MADE_UP).splitlines()
    assert lines[0] == ("| method | mean test accuracy (3 seeds) | sample SD | min–max "
                        "| each seed (42, 43, 44) | seed 42: 95% bootstrap interval | training, mean |")
    assert lines[2] == ("| every weight | 78.0% | 2.0 points | 76.0%–80.0% | 78.0%, 76.0%, 80.0% "
                        "| 78.0% (74.5%–81.2%) | 42.0 s |")
    assert lines[3].startswith("| linear probe | 65.5% | 0.0 points | 65.5%–65.5% |")
    assert len(lines) == 4
    assert seeds.table(MADE_UP, only=["every weight"]).splitlines()[2:] == lines[2:3]


@pytest.fixture
def smoke_settings(clean_env):
    return resolve_settings(profile="smoke", artifacts_dir=str(clean_env / "artifacts"))


def tokenized_subsets(first_label: int = 0) -> DatasetDict:
    split = Dataset.from_dict({"input_ids": [[5, 6, 7], [8, 9]], "labels": [first_label, 1],
                               "attention_mask": [[1, 1, 1], [1, 1]]})
    return DatasetDict({"train": split, "validation": split, "test": split})


def shown(notebook, settings, tokenized, monkeypatch) -> list[str]:
    """What the notebook's seeds cell displays, run with these settings and subsets: markdown texts."""
    import IPython.display

    displayed = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda *objects: displayed.extend(shown.data for shown in objects))
    namespace = {"settings": settings, "tokenized": tokenized, "seeds": seeds}
    exec(cell_source(notebook, SHOWN_IN[notebook]), namespace)
    return displayed


@pytest.mark.parametrize("notebook", list(SHOWN_IN), ids=lambda path: path.stem)
def test_the_notebooks_show_the_table_only_when_measured_with_their_settings_and_data(
        notebook, smoke_settings, monkeypatch):
    missing = "**Not measured yet** with these settings on this data. Run `make seeds PROFILE=smoke`"
    tokenized = tokenized_subsets()
    [note] = shown(notebook, smoke_settings, tokenized, monkeypatch)              # no seeds.json: a note
    assert note.startswith(f"> {missing}")
    seeds.save(smoke_settings, MADE_UP, artifacts.data_fingerprint(tokenized))
    [table] = shown(notebook, smoke_settings, tokenized, monkeypatch)
    expected = ["every weight"] if notebook == STEP_7B else ["every weight", "linear probe"]
    assert table == seeds.table(MADE_UP, only=expected)
    # Other settings, or other data under the same settings: the note again, never an error.
    other_rate = dataclasses.replace(smoke_settings, learning_rate=1e-3)
    assert shown(notebook, other_rate, tokenized, monkeypatch)[0].startswith(f"> {missing}")
    assert shown(notebook, smoke_settings, tokenized_subsets(2), monkeypatch)[0].startswith(f"> {missing}")
    in_chinese = dataclasses.replace(other_rate, edition="zh")
    assert shown(notebook, in_chinese, tokenized, monkeypatch)[0].startswith("> **尚未测量**")


def test_the_rate_factor_is_written_once_in_methods_py():
    assert places_holding("RATE_FACTOR = {") == ["src/finetune_course/methods.py"]


@pytest.mark.parametrize("call", ["methods.trainer(", "methods.lora_config(", "methods.fit_probe("])
def test_make_seeds_trains_with_the_methods_module(call):
    assert "src/finetune_course/seeds.py" in places_holding(call)


def test_the_bonus_trains_with_the_methods_trainer():
    assert any(place.startswith("notebooks/bonus/cheaper_fine_tuning.ipynb:")
               for place in places_holding("methods.trainer("))


def test_the_bonus_trains_its_first_method_in_the_open_with_the_methods_trainer(smoke_settings):
    """B.3 builds its TrainingArguments and Trainer in the open; `train_and_test` and `make seeds` take them
    from methods.trainer: the same arguments, the same parts, the same callbacks."""
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer

    from finetune_course import recipe

    torch_model = BertForSequenceClassification(BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, vocab_size=100,
        num_labels=3))
    tokenizer = models.gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    tokenized = tokenized_subsets()
    body = ast.parse(cell_source(BONUS, "c34c0aff")).body
    names = {"folder", "steps_per_epoch", "args", "trainer"}
    wanted = [node for node in body
              if (isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) in names)
              or (isinstance(node, ast.Expr)
                  and ast.unparse(node.value).startswith("trainer.remove_callback"))]
    assert len(wanted) == 5
    namespace = {"settings": smoke_settings, "tokenized": tokenized, "model": torch_model, "np": np,
                 "tokenizer": tokenizer, "recipe": recipe, "metrics": metrics, "Trainer": Trainer,
                 "DataCollatorWithPadding": DataCollatorWithPadding, "PrinterCallback": PrinterCallback}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "<B.3>", "exec"), namespace)
    shown = namespace["trainer"]
    package = methods.trainer(torch_model, tokenizer, tokenized, smoke_settings,
                              namespace["folder"] / "checkpoints", smoke_settings.learning_rate)
    assert shown.args.to_dict() == package.args.to_dict()
    assert shown.train_dataset is package.train_dataset is tokenized["train"]
    assert shown.eval_dataset is package.eval_dataset is tokenized["validation"]
    assert shown.compute_metrics is package.compute_metrics is metrics.compute_metrics
    assert shown.processing_class is package.processing_class is tokenizer
    assert type(shown.data_collator) is type(package.data_collator) is DataCollatorWithPadding
    callbacks = [[type(callback) for callback in trainer.callback_handler.callbacks]
                 for trainer in (shown, package)]
    assert callbacks[0] == callbacks[1] and PrinterCallback not in callbacks[0]


def test_other_load_sees_a_busy_core():
    """`measure.OtherLoad`: near 0 while only this process works, and about a core's share while another
    process keeps one core busy."""
    import time

    with measure.OtherLoad() as alone:
        np.linalg.svd(np.random.default_rng(0).random((300, 300)))
    assert 0 <= alone.share <= 1
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        with measure.OtherLoad() as beside:
            time.sleep(1.0)
    finally:
        busy.kill()
        busy.wait()
    cores = __import__("psutil").cpu_count()
    assert beside.share >= 0.8 / cores


def lora_cell_config(model):
    """The `LoraConfig` that B.5's second cell writes out, for `model`."""
    namespace = {"model": model, "targets": models.lora_targets(model), "LoraConfig": LoraConfig,
                 "TaskType": TaskType, "Conv1D": Conv1D,
                 "linear_layers": dict(models.transformer_blocks(model)[0].named_modules())}
    exec(statements_up_to(cell_source(BONUS, "a71483e3"), "lora_config"), namespace)
    return namespace["lora_config"]


def test_the_bonus_cells_lora_configuration_is_make_seeds(clean_env):
    """B.5 writes its LoraConfig out for teaching; `make seeds` trains with methods.lora_config: the same."""
    bert = BertForSequenceClassification(BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, vocab_size=100,
        num_labels=3))
    gpt2 = AutoModelForSequenceClassification.from_pretrained(models.build_tiny_gpt2(clean_env / "m"),
                                                              num_labels=3)
    for model in (bert, gpt2):
        assert lora_cell_config(model).to_dict() == methods.lora_config(model).to_dict()


def test_the_bonus_cells_probe_fit_is_make_seeds():
    """B.2 writes the probe's fit out for teaching; `make seeds` fits with methods.fit_probe: the same C, the
    same weights, the same validation scores."""
    rng = np.random.default_rng(1)
    split_labels = {split: np.repeat([0, 1, 2], 20) for split in ("train", "validation")}
    features = {split: np.eye(3)[split_labels[split]] + rng.normal(0, 0.8, (60, 3)) for split in split_labels}
    cell = ast.parse(cell_source(BONUS, "543e9257"))
    fitting = next(node for node in cell.body if isinstance(node, ast.With))     # the features, then the fit
    body = [node for node in fitting.body
            if not (isinstance(node, ast.Assign) and node.targets[0].id == "features")]
    namespace = {"features": features, "split_labels": split_labels, "label_names": ["a", "b", "c"],
                 "StandardScaler": StandardScaler, "LogisticRegression": LogisticRegression,
                 "methods": methods, "metrics": metrics}
    exec(compile(ast.Module(body=body, type_ignores=[]), "<B.2>", "exec"), namespace)
    probe, scaler, validation_f1 = methods.fit_probe(features, split_labels, 3)
    assert namespace["validation_f1"] == validation_f1 and namespace["probe"].C == probe.C
    assert np.array_equal(namespace["probe"].coef_, probe.coef_)
    assert np.array_equal(namespace["scaler"].mean_, scaler.mean_)


def test_loras_configuration_follows_the_model_and_takes_changes(clean_env):
    bert = BertForSequenceClassification(BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, vocab_size=100,
        num_labels=3))
    config = methods.lora_config(bert)
    assert (config.r, config.lora_alpha, config.lora_dropout) == (8, 16, 0.1)
    assert sorted(config.target_modules) == ["query", "value"] and config.modules_to_save == ["pooler"]
    assert config.fan_in_fan_out is False and config.task_type == "SEQ_CLS"
    changed = methods.lora_config(bert, r=2, lora_alpha=4, modules_to_save=None)
    assert (changed.r, changed.lora_alpha, changed.modules_to_save) == (2, 4, None)
    gpt2 = AutoModelForSequenceClassification.from_pretrained(models.build_tiny_gpt2(clean_env / "m"),
                                                              num_labels=3)
    config = methods.lora_config(gpt2)
    assert sorted(config.target_modules) == ["c_attn"] and config.modules_to_save is None
    assert config.fan_in_fan_out is True                        # GPT-2's Conv1D: weights stored transposed


def test_the_probe_takes_the_best_validation_c():
    rng = np.random.default_rng(0)
    labels = {split: np.repeat([0, 1, 2], 20) for split in ("train", "validation")}
    features = {split: np.eye(3)[labels[split]] + rng.normal(0, 0.3, (60, 3)) for split in labels}
    probe, scaler, validation_f1 = methods.fit_probe(features, labels, 3)
    assert list(validation_f1) == methods.PROBE_C
    assert validation_f1[probe.C] == max(validation_f1.values()) and probe.C == next(
        c for c in methods.PROBE_C if validation_f1[c] == max(validation_f1.values()))   # the first, on a tie
    assert np.mean(probe.predict(scaler.transform(features["validation"])) == labels["validation"]) > 0.9


@pytest.mark.slow
def test_make_seeds_on_the_smoke_profile_writes_the_file_and_prints_the_table(tmp_path):
    """Two seeds at tiny sizes: every method on each, the file with its settings and data, the table printed,
    and on stderr nothing but the Trainer's bars."""
    tiny = "train_size: 48\nvalidation_size: 16\ntest_size: 40\nnum_train_epochs: 1\n"
    command = [sys.executable, "-m", "finetune_course.seeds", "--profile", "smoke", "--seeds", "2",
               "--params", str(params_file(tmp_path, tiny))]
    finished = subprocess.run(command, cwd=ROOT, env=learner_env(), capture_output=True, text=True,
                              timeout=600)
    assert finished.returncode == 0, f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    assert unexplained_stderr(finished.stderr) == []
    folder = tmp_path / "artifacts"
    results = json.loads((folder / "seeds.json").read_text())
    assert results["seeds"] == [42, 43] and results["subsets_seed"] == 42 and results["test_size"] == 40
    assert list(results["methods"]) == ["every weight", "lower half frozen", "LoRA", "linear probe"]
    for name, row in results["methods"].items():
        assert [r["seed"] for r in row["per_seed"]] == [42, 43], name
        low, high = row["per_seed"][0]["test_accuracy_interval"]
        assert low <= row["per_seed"][0]["test_accuracy"] <= high, name
        assert row["test_accuracy_min"] <= row["test_accuracy_mean"] <= row["test_accuracy_max"], name
    # The probe's features and fit do not depend on the seed.
    assert results["methods"]["linear probe"]["test_accuracy_sd"] == 0
    assert "training seeds: 42, 43 | the subsets: seed 42, every run\n" in finished.stdout
    assert seeds.table(results) in finished.stdout
    assert f"Written: {folder / 'seeds.json'} | run time: " in finished.stdout
    record = json.loads((folder / "seeds.made_with.json").read_text())
    assert record["profile"] == "smoke" and record["train_size"] == 48 and len(record["data_sha256"]) == 64
    assert not (folder / "seeds_runs").exists()                    # the checkpoints are gone


def test_make_seeds_passes_the_profile_the_parameters_and_the_number_of_seeds():
    command = ["make", "-n", "--no-print-directory", "seeds", "PROFILE=smoke", "SEEDS=2",
               "PARAMS=my_task.yaml"]
    dry_run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert ("-m finetune_course.seeds --seeds 2 --profile smoke --params my_task.yaml" in dry_run
            and "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} " in dry_run)
