"""Results handed from one step to the next, as files under `settings.artifacts_dir`.

Every write is atomic (written aside, then renamed into place), so a crash never leaves a
half-written file that a later step would trust. A step that finds an earlier step's result
missing runs that earlier notebook itself (`require`), so each notebook also runs alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from .exercises import LOG_VARIABLE
from .messages import say
from .params import CourseInputError, Settings

# Which notebook makes each artifact that a later step reads.
PRODUCERS = {
    "baselines": "01_define_the_goal.ipynb",
    "splits": "03_load_the_data.ipynb",
    "tokenized": "04_tokenize.ipynb",
    "model": "07a_fine_tune.ipynb",          # with its training record, training.json
    "metrics.json": "07b_evaluate.ipynb",    # the results file: the test scores of that model
}
# The settings each artifact depends on: changing any other (epochs, learning rate) reruns no earlier step.
DATA_SETTINGS = ("dataset_name", "text_column", "label_column",
                 "train_size", "validation_size", "test_size", "seed")
DEPENDS_ON = {
    "baselines": DATA_SETTINGS + ("model_name",),
    "splits": DATA_SETTINGS,
    "tokenized": DATA_SETTINGS + ("model_name", "max_length", "per_device_train_batch_size"),
    "checkpoints": DATA_SETTINGS + ("model_name", "max_length", "num_train_epochs",
                                    "per_device_train_batch_size", "learning_rate", "weight_decay",
                                    "warmup_steps", "frozen_layers"),
}
DEPENDS_ON["model"] = DEPENDS_ON["checkpoints"]      # the fine-tuned model: what its training depended on
DEPENDS_ON["metrics.json"] = DEPENDS_ON["model"]     # its evaluation, made from it
DEPENDS_ON["cheaper_methods"] = DEPENDS_ON["model"]  # the bonus notebook's table, made beside step 7's model
DEPENDS_ON["seeds.json"] = DEPENDS_ON["model"]       # `make seeds`: that recipe and the bonus's, more seeds
MADE_WITH = "made_with.json"   # the settings an artifact was made with, saved inside it (beside a file)


def record_of(settings: Settings, name: str) -> Path:
    """Where artifact `name` records the settings it was made with: inside its folder, or for a file
    (metrics.json) beside it (metrics.made_with.json)."""
    path = settings.path(name)
    return path.with_name(f"{path.stem}.{MADE_WITH}") if path.suffix else path / MADE_WITH


@contextlib.contextmanager
def atomic_folder(folder: Path):
    """Yield a scratch folder; on success it replaces `folder` in one rename, on failure it is removed."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    scratch.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def step_output(settings: Settings, name: str):
    """Write artifact `name` atomically, and record inside it the settings it was made with."""
    with atomic_folder(settings.path(name)) as folder:
        yield folder
        write_json(folder / MADE_WITH, made_with(settings, name))


def made_with(settings: Settings, name: str, also: dict | None = None) -> dict:
    """The settings artifact `name` depends on, with the profile (which supplies any value not given), and
    any further facts in `also`."""
    values = asdict(settings)
    return {**{key: values[key] for key in ("profile",) + DEPENDS_ON[name]}, **(also or {})}


def changed_settings(settings: Settings, name: str, also: dict | None = None) -> dict | None:
    """None if artifact `name` was made with these settings (and the facts in `also`);
    else {setting: (then, now)} (empty: no record)."""
    record = record_of(settings, name)
    if not record.is_file():
        return {}
    then, now = read_json(record), made_with(settings, name, also)
    changed = {key: (then.get(key), now.get(key)) for key in {**then, **now} if then.get(key) != now.get(key)}
    return changed or None


def describe_changes(changed: dict) -> str:
    """{setting: (then, now)} as one line: "learning_rate: 0.002 -> 0.01, ..."."""
    return ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())


def discard_stale_checkpoints(settings: Settings, also: dict | None = None) -> str | None:
    """Training may resume only from checkpoints made with these training settings: remove any others and
    record the current settings in the checkpoints folder. Returns why it removed them (the settings that
    changed), or None when it kept them or there were none. `also`: further facts a checkpoint depends on
    (the training command's number of processes, which sets the global batch)."""
    folder = settings.path("checkpoints")
    changed = changed_settings(settings, "checkpoints", also)
    removed_because = None
    # Checkpoints, not the folder: the Trainer may have made the folder, empty.
    if any(folder.glob("checkpoint-*")) and changed is not None:
        removed_because = describe_changes(changed) or "no record of their settings"
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / MADE_WITH, made_with(settings, "checkpoints", also))
    return removed_because


def write_result(settings: Settings, name: str, data, also: dict | None = None) -> Path:
    """Write the file artifact `name` (metrics.json), then the record of the settings it was made with (and
    the facts in `also`)."""
    path = write_json(settings.path(name), data)
    write_json(record_of(settings, name), made_with(settings, name, also))
    return path


def weights_sha256(model_folder: Path) -> str:
    """The fingerprint of a saved model's weights (model.safetensors): which model a result was made from."""
    return hashlib.sha256((Path(model_folder) / "model.safetensors").read_bytes()).hexdigest()


def data_fingerprint(tokenized) -> str:
    """The SHA-256 of the tokenized subsets' token ids and labels: which data a result was measured on (the
    settings name the data; a learner's file can change under the same name)."""
    digest = hashlib.sha256()
    for split in ("train", "validation", "test"):
        rows = tokenized[split].select_columns(["input_ids", "labels"]).to_dict()
        digest.update(json.dumps(rows).encode())
    return digest.hexdigest()


def write_json(path: Path, data) -> Path:
    """Write JSON atomically: a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.partial-{os.getpid()}")
    scratch.write_text(json.dumps(data, indent=2, default=_plain) + "\n")
    os.replace(scratch, path)
    return path


def _plain(value):
    """NumPy numbers and arrays as plain JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Cannot write {type(value).__name__} to JSON")


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def require(settings: Settings, name: str) -> Path:
    """The folder (or file) of artifact `name`, made with these settings; if it is missing or was made with
    other settings, run the notebook that makes it first."""
    folder = settings.path(name)
    changed = changed_settings(settings, name)
    if changed is None:
        return folder
    notebook = PRODUCERS[name]
    # Said before it starts: the earlier notebook can take minutes.
    if changed:
        print(say("earlier_step_outdated", settings.edition, name=name, notebook=notebook,
                  changes=describe_changes(changed)), flush=True)
    else:
        print(say("earlier_step_missing", settings.edition, name=name, notebook=notebook,
                  folder=settings.artifacts_dir), flush=True)
    parameters = settings.as_parameters()
    # The profile travels as the chain passes it to every step: in the environment, with its reason.
    parameters.pop("profile")
    env = {**os.environ, **settings.handed_on()}
    # The earlier notebook's exercise checks are not this run's: `make check-exercises` counts its own.
    env.pop(LOG_VARIABLE, None)
    # --out: this run's own folder, so runs side by side never collide.
    # The notebook's step: "04", or "07a" for step 7's first part (`chain.step_id`).
    command = [sys.executable, "-m", "finetune_course.course.chain", "--steps", notebook.partition("_")[0],
               "--no-html",
               "--parameters-json", json.dumps(parameters),
               "--out", str(settings.path("recomputed"))]
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    if finished.returncode != 0 or changed_settings(settings, name) is not None:
        raise CourseInputError(
            f"Running {notebook} to make '{name}' failed; run that notebook yourself to see why.\n"
            + finished.stdout[-2000:] + finished.stderr[-2000:]
        )
    return folder
