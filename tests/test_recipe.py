"""One recipe: the package's `recipe` gives what the notebooks show, and nothing else holds a copy of it.

Step 7 shows its `TrainingArguments` in the open and step 4 its `max_length` rule; these tests run those
lines of the notebooks themselves (no training, no chain) and compare them with `finetune_course.recipe`.
"""

import ast
import json
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
import torch
from conftest import ROOT
from datasets import Dataset, DatasetDict
from transformers import TrainingArguments

from finetune_course import metrics, recipe, resolve_settings

STEP_3 = ROOT / "notebooks" / "03_load_the_data.ipynb"
STEP_4 = ROOT / "notebooks" / "04_tokenize.ipynb"
STEP_6 = ROOT / "notebooks" / "06_choose_the_metrics.ipynb"
STEP_7 = ROOT / "notebooks" / "07a_fine_tune.ipynb"          # step 7's first part: the training


def cell_source(notebook, cell_id: str) -> str:
    return next(cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.id == cell_id)


def statements_up_to(source: str, name: str, alone: bool = False) -> str:
    """The cell's statements up to the one that assigns `name` (`alone`: that one only), as code to run."""
    body = ast.parse(source).body
    last = next(i for i, node in enumerate(body) if isinstance(node, ast.Assign)
                and any(isinstance(target, ast.Name) and target.id == name for target in node.targets))
    return ast.unparse(ast.Module(body=body[last if alone else 0:last + 1], type_ignores=[]))


def on_a_gpu(cuda: bool) -> SimpleNamespace:
    """A stand-in for `torch` that says whether a GPU is there (the real one would then use it)."""
    return SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: cuda))


def step7_training_args(settings, train_rows: int, notebook=STEP_7, gpu=False) -> tuple[dict, dict]:
    """Step 7's visible cell (07-07), run as far as its `training_args`, with the settings and rows given;
    its arguments and the package's, as dictionaries. `gpu`: both are told that a GPU is there."""
    namespace = {"settings": settings, "np": np, "torch": on_a_gpu(True) if gpu else torch,
                 "TrainingArguments": TrainingArguments,
                 "tokenized": {"train": SimpleNamespace(num_rows=train_rows)}}
    exec(statements_up_to(cell_source(notebook, "07-07"), "training_args"), namespace)
    package = recipe.training_arguments(settings, namespace["checkpoints"], namespace["steps_per_epoch"])
    return namespace["training_args"].to_dict(), package.to_dict()


@pytest.fixture
def smoke(clean_env):
    return resolve_settings(profile="smoke", artifacts_dir=str(clean_env / "artifacts"))


@pytest.mark.parametrize("overrides, train_rows, cuda", [
    ({}, 800, False),
    ({"num_train_epochs": 1, "per_device_train_batch_size": 7, "learning_rate": 3e-4, "seed": 5}, 30, False),
    ({}, 3, True),                                  # one step per epoch; memory pinned for a GPU
])
def test_step_7_shows_the_recipes_training_arguments(clean_env, monkeypatch, overrides, train_rows, cuda):
    settings = resolve_settings(profile="smoke", artifacts_dir=str(clean_env / "artifacts"), **overrides)
    if cuda:
        monkeypatch.setattr(recipe, "torch", on_a_gpu(True))
    shown, package = step7_training_args(settings, train_rows, gpu=cuda)
    assert shown == package
    assert package["dataloader_pin_memory"] is cuda and package["learning_rate"] == settings.learning_rate


def test_the_comparison_sees_a_changed_argument(smoke, tmp_path):
    """A copy of step 7 with one argument changed no longer matches (the test above can fail)."""
    changed = nbformat.read(STEP_7, as_version=4)
    cell = next(c for c in changed.cells if c.id == "07-07")
    cell.source = cell.source.replace("steps_per_epoch // 5", "steps_per_epoch // 4")
    nbformat.write(changed, tmp_path / "changed.ipynb")
    shown, package = step7_training_args(smoke, 800, tmp_path / "changed.ipynb")
    assert {key for key in shown if shown[key] != package[key]} == {"logging_steps"}


@pytest.mark.parametrize("cuda", [False, True])
def test_step_6_shows_the_recipes_evaluation_trainer(smoke, monkeypatch, cuda):
    """Step 6 builds the evaluation `Trainer` in the open (06-11); the recipe's is the same: the same
    arguments, the same parts (its own `compute_metrics` is step 6's function, defined in the notebook)."""
    calls = [node for node in ast.walk(ast.parse(cell_source(STEP_6, "06-11"))) if isinstance(node, ast.Call)]
    trainer = next(call for call in calls if ast.unparse(call.func) == "Trainer")
    parts = {keyword.arg: ast.unparse(keyword.value) for keyword in trainer.keywords}
    assert {name: text for name, text in parts.items() if name != "args"} == {
        "model": "model", "data_collator": "DataCollatorWithPadding(tokenizer)",
        "processing_class": "tokenizer", "compute_metrics": "compute_metrics"}
    if cuda:
        monkeypatch.setattr(recipe, "torch", on_a_gpu(True))
    shown = eval(parts["args"], {"settings": smoke, "torch": on_a_gpu(True) if cuda else torch,
                                 "TrainingArguments": TrainingArguments})
    package = recipe.evaluation_arguments(smoke, smoke.path("untrained_eval"))
    assert shown.to_dict() == package.to_dict() and package.dataloader_pin_memory is cuda


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("model_limit, given", [(1024, None), (24, None), (1024, 16)])
def test_step_4_shows_the_recipes_max_length_rule(seed, model_limit, given):
    lengths = np.random.default_rng(seed).integers(1, 80, size=200)
    namespace = {"np": np, "lengths": lengths, "model_limit": model_limit,
                 "settings": SimpleNamespace(max_length=given)}
    exec(statements_up_to(cell_source(STEP_4, "04-09"), "chosen", alone=True), namespace)
    assert namespace["chosen"] == recipe.choose_max_length(lengths, model_limit, given=given)


def test_the_max_length_rule():
    lengths = np.array([10] * 98 + [20, 40])        # 99th percentile: 20.2; with 25% more, 25.25
    assert recipe.choose_max_length(lengths, 1024) == 32
    assert recipe.choose_max_length(lengths, 30) == 30
    assert recipe.choose_max_length(lengths, 1024, given=12) == 12


def test_the_split_rule(clean_env):
    clean = DatasetDict({"train": Dataset.from_dict({"id": list(range(50))}),
                         "test": Dataset.from_dict({"id": list(range(100, 120))})})
    settings = resolve_settings(profile="smoke", artifacts_dir=str(clean_env), train_size=30, test_size=8)
    splits = recipe.split_subsets(clean, settings)
    guides = clean["train"].shuffle(seed=settings.seed)["id"]     # the guide's shuffle(seed).select(range(n))
    assert splits["train"]["id"] == guides[:30]
    assert splits["validation"]["id"] == guides[30:40]            # the next rows, at most a fifth of 50
    assert splits["test"]["id"] == clean["test"].shuffle(seed=settings.seed)["id"][:8]
    assert recipe.subset_of_test(clean["test"], settings)["id"] == splits["test"]["id"]     # step 1's rows

    larger = resolve_settings(profile="smoke", artifacts_dir=str(clean_env), train_size=45)
    splits = recipe.split_subsets(clean, larger)
    assert (splits["train"].num_rows, splits["validation"].num_rows, splits["test"].num_rows) == (40, 10, 20)
    assert set(splits["train"]["id"]).isdisjoint(splits["validation"]["id"])


def test_differences_replace_the_recipes_arguments(smoke):
    args = recipe.training_arguments(smoke, smoke.path("x"), 50, learning_rate=0.5,
                                     save_strategy="no", load_best_model_at_end=False)
    assert (args.save_strategy, args.load_best_model_at_end, args.learning_rate) == ("no", False, 0.5)
    assert args.logging_steps == 10 and args.optim == "adamw_torch_fused"


@pytest.mark.parametrize("cuda", [False, True])
def test_the_evaluation_trainer_keeps_the_rows_order(smoke, monkeypatch, cuda):
    from transformers import GPT2Config, GPT2ForSequenceClassification

    from finetune_course.models import gpt2_tokenizer

    monkeypatch.setattr(recipe, "torch", on_a_gpu(cuda))
    tokenizer = gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    model = GPT2ForSequenceClassification(GPT2Config(n_layer=1, n_head=1, n_embd=8, num_labels=3))
    evaluator = recipe.evaluation_trainer(model, tokenizer, smoke, smoke.path("eval"), disable_tqdm=True)
    args = evaluator.args
    assert args.train_sampling_strategy == "random"                # no length grouping: predictions in order
    assert args.per_device_eval_batch_size == smoke.per_device_eval_batch_size and args.disable_tqdm
    assert args.report_to == [] and args.dataloader_pin_memory is cuda
    assert evaluator.compute_metrics is metrics.compute_metrics and evaluator.processing_class is tokenizer
    assert evaluator.data_collator.tokenizer is tokenizer            # dynamic padding


def places_holding(text: str) -> list[str]:
    """The files of src/ and benchmarks/, and the notebooks' code cells, in which `text` stands."""
    places = [path.relative_to(ROOT).as_posix() for path in sorted((ROOT / "src").rglob("*.py"))
              + sorted((ROOT / "benchmarks").rglob("*.py")) if text in path.read_text()]
    for notebook in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        places += [f"{notebook.relative_to(ROOT).as_posix()}:{cell.id}"
                   for cell in nbformat.read(notebook, as_version=4).cells
                   if cell.cell_type == "code" and text in cell.source]
    return places


RECIPE = "src/finetune_course/recipe.py"


SHOW_TRAINING = "07a_fine_tune.ipynb:07-07"                  # the arguments, side by side with the guide's
SHOW_EVALUATION = "06_choose_the_metrics.ipynb:06-11"         # the first evaluation Trainer


@pytest.mark.parametrize("text, shown_in", [
    ("TrainingArguments(", [SHOW_EVALUATION, SHOW_TRAINING]),
    ("per_device_eval_batch_size=settings.per_device_eval_batch_size", [SHOW_EVALUATION, SHOW_TRAINING]),
    ("* 1.25 / 8", ["04_tokenize.ipynb:04-09"]),                  # the max_length rule
    (".shuffle(seed=settings.seed)", []),                         # the split
])
def test_no_other_copy_of_the_recipe(text, shown_in):
    """Each piece of the recipe is written out in the recipe, and otherwise only in the cells that show it (in
    both editions; the tests above hold them equal): everything else calls the recipe."""
    shown = [f"notebooks/{place}" for place in shown_in] + [f"notebooks/zh/{place}" for place in shown_in]
    assert places_holding(text) == [RECIPE] + shown, json.dumps(places_holding(text))
