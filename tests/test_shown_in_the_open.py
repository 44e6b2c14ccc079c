"""What steps 1, 3, 4 and 6 compute in the open, run from the notebooks' own cells (no chain): step 1's
zero-shot answer for one tweet by hand (the same as `zero_shot.predictions` in batches), step 3's table of
character-level quirks, step 4's quirks as each tokenizer cuts them (against what its note says), and step 6's
bootstrap in NumPy, which must give the very interval of the package's `metrics.bootstrap_intervals`. And
facts the bonus notebook prints only on some runs: the probe's C at the edge of its grid, LoRA's one label
before the `pipeline` demo, and what LoRA trains with and without a BERT pooler (its exercise 3).
"""

import ast
import contextlib
import io
import random
import re
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import ROOT
from learner_data import with_export_quirks
from peft import LoraConfig, TaskType, get_peft_model
from safetensors.torch import save_file
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from test_recipe import cell_source
from transformers import BertConfig, BertForSequenceClassification
from transformers.pytorch_utils import Conv1D

from finetune_course import (
    artifacts,
    data,
    measure,
    messages,
    methods,
    metrics,
    models,
    resolve_settings,
    zero_shot,
)

STEP_1 = ROOT / "notebooks" / "01_define_the_goal.ipynb"
STEP_3 = ROOT / "notebooks" / "03_load_the_data.ipynb"
STEP_4 = ROOT / "notebooks" / "04_tokenize.ipynb"
STEP_6 = ROOT / "notebooks" / "06_choose_the_metrics.ipynb"
BONUS = ROOT / "notebooks" / "bonus" / "cheaper_fine_tuning.ipynb"
ENTITY = "HTML entity (&amp; &lt; &gt; &quot; &#39;)"    # a row of step 3's table


def run_cell(source: str, namespace: dict):
    """Run a cell's statements in `namespace`; return the value of its last line, as a notebook shows it."""
    body = ast.parse(source).body
    *statements, last = body
    exec(compile(ast.Module(body=statements, type_ignores=[]), "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(body=last.value), "<cell>", "eval"), namespace)


# Tweets of several lengths, so that the batched run pads them; label words of one token and of several.
TWEETS = ["the library or ikea?", "ugh my phone died AGAIN, worst week ever", "meeting moved to 5pm",
          "so so happy for you both!!! " * 6]


@pytest.mark.parametrize("model", ["tiny GPT-2", "MiniLM"])
def test_step_1_by_hand_gives_the_answer_zero_shot_gives(model, clean_env):
    """Cell 01-10-by-hand, run on each tweet as the first test tweet, gives the answer that
    `zero_shot.predictions` gave it in a padded batch, for the prompt and for the label descriptions."""
    from transformers import AutoConfig

    if model == "tiny GPT-2":
        source = str(models.build_tiny_gpt2(clean_env / "m"))
    else:
        source = models.model_source(resolve_settings("offline"))
    config = AutoConfig.from_pretrained(source)
    for label_names in (["negative", "neutral", "positive"], ["sadness", "meh", "joy"]):
        method, batched = zero_shot.predictions(source, config, TWEETS, label_names)
        assert method == ("prompt" if model == "tiny GPT-2" else "label descriptions")
        for i, tweet in enumerate(TWEETS):
            namespace = {"texts": [tweet], "zero_shot_predictions": batched[i:], "method": method,
                         "source_of_model": source, "label_names": label_names, "zero_shot": zero_shot,
                         "pd": pd}
            printed = printed_by(cell_source(STEP_1, "01-10-by-hand"), namespace)
            assert printed.rstrip().endswith("| same: True"), printed


def test_step_3_counts_each_quirk_of_exported_text():
    texts = ["I`m at class until 5", "salt &amp; pepper", "what a **** day", "I’m fine",
             "see https://x.example.org", "@bob hi #tbt", "plain text, it's fine", "2 * 3 = 6", "`quoted`"]
    table = run_cell(cell_source(STEP_3, "4546b246"), {"pd": pd, "re": re, "text": pd.Series(texts)})
    counts = table["train texts"].to_dict()
    assert counts == {"typographic apostrophe (’ ‘)": 1, "backtick apostrophe (I`m)": 1,
                      "masked word (****)": 1, ENTITY: 1, "URL": 1, "@mention": 1, "#hashtag": 1}
    assert table.loc[ENTITY, "first example"] == repr("salt &amp; pepper")
    none = run_cell(cell_source(STEP_3, "4546b246"), {"pd": pd, "re": re, "text": pd.Series(["plain"])})
    assert (none["train texts"] == 0).all() and (none["first example"] == "").all()


def test_step_3_finds_the_quirks_of_the_learners_file():
    """tests/learner_data.py roughens texts as an export does: each of its quirks is counted."""
    rng = random.Random(1)
    texts = pd.Series([with_export_quirks("I'm sad & tired and done with this day", rng) for _ in range(200)])
    table = run_cell(cell_source(STEP_3, "4546b246"), {"pd": pd, "re": re, "text": texts})
    for quirk in ("backtick apostrophe (I`m)", "masked word (****)", ENTITY):
        assert table.loc[quirk, "train texts"] > 0, quirk


def quirk_tokens(tokenizer) -> pd.DataFrame:
    return run_cell(cell_source(STEP_4, "71b1db04"), {"pd": pd, "tokenizer": tokenizer})


def test_step_4_quirks_as_gpt2_cuts_them_match_its_note():
    """quirks_bpe: "'m" is one token; a backtick cuts the word apart; '’' becomes byte pieces."""
    assert "`'m`" in messages.EN["quirks_bpe"]
    table = quirk_tokens(models.gpt2_tokenizer())
    clean = table.loc["backtick apostrophe", "clean"].split()
    assert clean[:2] == ["I", "'m"]
    assert table.loc["backtick apostrophe", "with the quirk"].split()[:3] == ["I", "`", "m"]
    typographic = table.loc["typographic apostrophe", "with the quirk"].split()
    assert "’" not in typographic and len(typographic) > len(clean)            # bytes, not the character


def test_step_4_quirks_as_wordpiece_cuts_them_match_its_note(clean_env):
    """quirks_wordpiece: three tokens for each apostrophe, only the mark differs; &amp; adds & amp ;; a star
    per token."""
    from transformers import AutoTokenizer
    table = quirk_tokens(AutoTokenizer.from_pretrained(models.model_source(resolve_settings("offline"))))
    clean = table.loc["backtick apostrophe", "clean"].split()
    for quirk, mark in (("backtick apostrophe", "`"), ("typographic apostrophe", "’")):
        quirky = table.loc[quirk, "with the quirk"].split()
        differ = [i for i, (a, b) in enumerate(zip(clean, quirky)) if a != b]
        assert len(quirky) == len(clean) and differ == [1]
        assert quirky[:3] == [clean[0], mark, clean[2]]
    assert table.loc["HTML entity", "with the quirk"].split() == ["salt", "&", "amp", ";", "pepper"]
    assert table.loc["masked word", "with the quirk"].split().count("*") == 4


@pytest.mark.parametrize("rows, seed", [(20, 0), (300, 42), (601, 7)])
def test_step_6_numpy_bootstrap_gives_the_packages_interval(rows, seed):
    rng = np.random.default_rng(seed + 1)
    test_labels = rng.integers(0, 3, rows)
    logits = rng.normal(size=(rows, 3))
    logits[np.arange(rows), test_labels] += rng.random(rows)           # right more often than chance
    namespace = {"np": np, "output": SimpleNamespace(predictions=logits), "test_labels": test_labels,
                 "settings": SimpleNamespace(seed=seed), "print": lambda *args: None}
    exec(cell_source(STEP_6, "bb87f141"), namespace)
    package = metrics.bootstrap_intervals(logits.argmax(axis=-1), test_labels,
                                          n_resamples=namespace["n_resamples"], seed=seed)["accuracy"]
    assert package == (namespace["hits"].mean(), namespace["low"], namespace["high"])   # exactly the same
    assert namespace["low"] < namespace["high"]


def printed_by(source: str, namespace: dict) -> str:
    """What a cell prints when run in `namespace`."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(source, namespace)
    return out.getvalue()


def test_the_bonus_probe_says_when_its_c_is_at_the_edge_of_the_grid(tmp_path):
    """Features that separate the labels perfectly: every C scores 100% on validation, the first (0.001)
    wins the tie, and the cell says it lies at the grid's edge."""
    labels = np.repeat([0, 1, 2], 10)
    split = {"labels": labels}
    tokenized = {"train": split, "validation": split, "test": split}
    rows = []
    namespace = {
        "np": np, "torch": torch, "time": time, "save_file": save_file, "methods": methods,
        "measure": measure, "metrics": metrics, "StandardScaler": StandardScaler,
        "LogisticRegression": LogisticRegression,
        "loaded": None, "tokenizer": None,
        "facts": SimpleNamespace(decoder=False), "label_names": ["sad", "meh", "glad"], "runs": {},
        "tokenized": tokenized, "settings": SimpleNamespace(path=lambda *parts: tmp_path.joinpath(*parts)),
        "models": SimpleNamespace(PROBE_POOLING=models.PROBE_POOLING,
                                  pooled_features=lambda model, rows_, tokenizer, pooling:
                                  np.eye(3)[rows_["labels"]] * 5.0),
        "score": lambda *args, **kwargs: rows.append((args, kwargs)),
    }
    printed = printed_by(cell_source(BONUS, "543e9257"), namespace)
    assert namespace["probe"].C == 0.001
    assert "| chosen C: 0.001 (grid edge)\n" in printed
    assert rows and rows[0][1]["curves"][0].startswith("validation macro-F1 per C: 0.001: 100.0%")


def test_the_bonus_pipeline_demo_names_loras_one_label_first(tmp_path):
    """LoRA gave one label to every test tweet: the demo prints it before its table; otherwise nothing."""
    class Saved:
        def save_pretrained(self, folder):
            (Path(folder) / "config.json").write_text("{}")

    asked = []

    def namespace(predictions):
        def answers(texts):
            asked.append(list(texts))
            return [{"label": "glad", "score": 0.4} for _ in texts]
        own_test_texts = {"test": {"text": ["first of mine", "second of mine", "third of mine"]}}
        return {"np": np, "pd": pd, "artifacts": artifacts, "data": data,
                "load_from_disk": lambda folder: own_test_texts,
                "settings": SimpleNamespace(path=lambda *parts: tmp_path.joinpath(*parts),
                                            text_column="text"),
                "merged_model": Saved(), "tokenizer": Saved(), "label_names": ["sad", "meh", "glad"],
                "runs": {"LoRA": {"predictions": np.array(predictions)}},
                "pipeline": lambda task, model: answers}

    source = cell_source(BONUS, "a3639a9a")
    assert printed_by(source, namespace([2, 2, 2])) == "one label for every test tweet: 'glad'\n"
    assert printed_by(source, namespace([2, 0, 1])) == ""
    assert asked[-1] == ["first of mine", "second of mine"]      # labels of one's own: one's own texts


@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")  # peft's (B.5)
@pytest.mark.parametrize("pooler_trains", [True, False])
def test_the_bonus_lora_cell_splits_what_trains(pooler_trains):
    """B.5's LoRA cell on a tiny BERT prints the adapters apart from the layers trained in full (the head, and
    the pooler unless exercise 3 sets `modules_to_save=None`), and they add up to what trains."""
    torch.manual_seed(0)
    bert = BertForSequenceClassification(BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, vocab_size=100,
        num_labels=3))
    source = cell_source(BONUS, "a71483e3")
    if not pooler_trains:                        # exercise 3
        chosen = 'modules_to_save=["pooler"] if pooler is not None else None'
        assert chosen in source
        source = source.replace(chosen, "modules_to_save=None")
    trained = {}
    namespace = {
        "model": bert, "targets": models.lora_targets(bert), "runs": {}, "torch": torch, "Conv1D": Conv1D,
        "linear_layers": {name: layer for name, layer in models.transformer_blocks(bert)[0].named_modules()
                          if isinstance(layer, torch.nn.Linear)},
        "LoraConfig": LoraConfig, "TaskType": TaskType, "get_peft_model": get_peft_model,
        "RATE_FACTOR": {"LoRA": 10}, "settings": SimpleNamespace(learning_rate=1e-4),
        "train_and_test": lambda method, model, learning_rate: trained.update(
            count=measure.trainable_parameters(model)[0]),
    }
    printed = printed_by(source, namespace)
    adapters, pooler, head = 2 * 2 * 8 * (32 + 32), 32 * 32 + 32, 32 * 3 + 3
    if pooler_trains:
        assert f"adapters {adapters:,} | in full: pooler {pooler:,}, head {head:,}\n" in printed
        assert trained["count"] == adapters + pooler + head
    else:
        assert f"adapters {adapters:,} | in full: head {head:,}\n" in printed
        assert trained["count"] == adapters + head
