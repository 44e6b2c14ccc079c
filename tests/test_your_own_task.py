"""Bring your own data and model; an interrupted training run resumes to the same result."""

import csv
import json
import math
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest
from conftest import ROOT, checkpoint_written, run_chain
from learner_data import LABEL_WORDS

from finetune_course import messages
from finetune_course.data import SINGLE_FILE_TEST_SHARE

pytestmark = pytest.mark.slow      # every test here runs notebooks


def write_csv(path, rows):
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["tweet", "feeling"])
        writer.writerows(rows)


def test_own_csv_with_text_labels_runs_the_whole_chain(offline_run):
    """The offline chain ran on a learner's CSV file (tests/learner_data.py): other column names, labels as
    words: the labels come from the data, and step 3 carved the test split out of the one file."""
    metrics = offline_run["metrics"]
    assert metrics["label_names"] == sorted(LABEL_WORDS.values())
    assert (metrics["train_size"], metrics["test_size"]) == (320, 300)
    saved = json.loads((offline_run["artifacts"] / "model" / "config.json").read_text())
    assert saved["id2label"] == {str(i): word for i, word in enumerate(sorted(LABEL_WORDS.values()))}
    executed = (offline_run["out"] / "03_load_the_data.ipynb").read_text()
    note = messages.say("data_file", "en", name="my_tweets.csv", share=SINGLE_FILE_TEST_SHARE)
    assert json.dumps(f"Data: {note}\n")[1:-1] in executed
    with (offline_run["artifacts"].parent / "my_tweets.csv").open(newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    assert f"num_rows: {math.ceil(rows * SINGLE_FILE_TEST_SHARE)}" in executed     # the test split carved


def test_a_missing_column_gives_one_message_in_the_chain_and_in_the_notebook_alone(tmp_path):
    """The chain's check stops before any kernel starts; notebook 03 run alone (as in JupyterLab, without
    the chain) stops with the same message, because both call the same check."""
    import papermill

    write_csv(tmp_path / "bad.csv", [("good day", "positive"), ("bad day", "negative")] * 20)
    parameters = {"profile": "smoke", "dataset_name": str(tmp_path / "bad.csv"),
                  "artifacts_dir": str(tmp_path / "a")}
    finished = subprocess.run(
        [sys.executable, "-m", "finetune_course.course.chain", "--no-html", "--out", str(tmp_path / "build"),
         "--parameters-json", json.dumps(parameters)],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("COURSE_")},
        capture_output=True, text=True)
    assert finished.returncode == 1 and "Checking the data and the model ... FAILED" in finished.stdout
    message = finished.stderr.strip().removeprefix("ERROR: ")
    assert "no column 'text'" in message and "columns are: tweet, feeling" in message
    assert not list((tmp_path / "build").glob("*.ipynb"))

    with pytest.raises(papermill.PapermillExecutionError) as alone:
        papermill.execute_notebook(str(ROOT / "notebooks" / "03_load_the_data.ipynb"),
                                   str(tmp_path / "03.ipynb"),
                                   parameters=parameters, cwd=str(ROOT / "notebooks"), kernel_name="python3",
                                   progress_bar=False)
    assert alone.value.ename == "CourseInputError" and alone.value.evalue == message


def test_step_seven_makes_what_it_lacks_and_resumes_to_the_same_metrics(smoke_run, tmp_path):
    """Step 7 alone (`--steps 07`: both parts) on the smoke run's artifacts without 'tokenized': part 1 says
    it runs step 4 first, and does. Killed after its first checkpoint and run again, part 1 resumes and ends
    on the smoke chain's very weights, so part 2 would evaluate the same model."""
    artifacts = tmp_path / "artifacts"
    for made_earlier in ("baselines", "splits", "tiny-gpt2"):
        shutil.copytree(smoke_run["artifacts"] / made_earlier, artifacts / made_earlier)
    command = [sys.executable, "-m", "finetune_course.course.chain", "--profile", "smoke", "--steps", "07",
               "--no-html", "--out", str(tmp_path / "build"),
               "--parameters-json", json.dumps({"artifacts_dir": str(artifacts)})]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 600
    while not checkpoint_written(artifacts / "checkpoints"):   # the Trainer writes trainer_state.json last
        assert first.poll() is None, "step 7 ended before its first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # The kernel dies mid-training (it runs in a session of its own, so kill it by name of parent).
    for process in [*psutil.Process(first.pid).children(recursive=True), psutil.Process(first.pid)]:
        process.kill()
    first.wait()
    assert not (artifacts / "metrics.json").exists()
    # Papermill saved the notebook cell by cell: the announcement came before step 4 ran.
    killed = (tmp_path / "build" / "07a_fine_tune.ipynb").read_text()
    assert not (tmp_path / "build" / "07b_evaluate.ipynb").exists()
    announced = messages.say("earlier_step_missing", "en", name="tokenized", notebook="04_tokenize.ipynb",
                             folder=artifacts)
    assert json.dumps(announced)[1:-1] in killed
    assert (artifacts / "recomputed" / "04_tokenize.ipynb").is_file()
    assert (artifacts / "tokenized").is_dir()

    run_chain(tmp_path, "smoke", steps="07a")          # part 1 again: it resumes (part 2 reads its model)
    executed = (tmp_path / "build" / "07a_fine_tune.ipynb").read_text()
    assert "resuming from:" in executed
    assert (artifacts / "model" / "model.safetensors").is_file()
    assert not [p.name for p in (artifacts / "model").iterdir() if p.suffix in (".bin", ".pt", ".pkl")]
    training = json.loads((artifacts / "model" / "training.json").read_text())
    assert training["resumed_from_checkpoint"] is True
    # The very weights of an uninterrupted run (exercise 7a.8 says so), and the same record of training:
    # part 2 evaluates exactly the smoke chain's model.
    assert training["model_weights_sha256"] == smoke_run["metrics"]["model_weights_sha256"]
    for key in ("learning_rate_sweep", "validation_loss_per_epoch", "validation_accuracy_per_epoch",
                "best_epoch", "best_validation_macro_f1"):
        assert training[key] == pytest.approx(smoke_run["metrics"][key], abs=1e-9), key
    assert not (artifacts / "checkpoints").exists()       # removed once training finished
