"""Bring your own data and model; an interrupted training run resumes to the same result."""

import json
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest
from conftest import ROOT, checkpoint_written, run_chain

from finetune_course import messages
from finetune_course.data import SHIPPED_FOLDER, SINGLE_FILE_TEST_SHARE

pytestmark = pytest.mark.slow      # every test here runs notebooks


def write_csv(path, rows):
    import csv
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["tweet", "feeling"])
        writer.writerows(rows)


def test_own_csv_with_text_labels_runs_the_whole_chain(tmp_path):
    """One CSV file, other column names, labels as words: all seven steps run, labels come from the data."""
    rows = [json.loads(line) for line in (SHIPPED_FOLDER / "train.jsonl").read_text().splitlines()][:600]
    write_csv(tmp_path / "my_tweets.csv", [(r["text"], r["label_text"].upper()) for r in rows])
    (tmp_path / "my_task.yaml").write_text(
        f"dataset_name: {tmp_path / 'my_tweets.csv'}\ntext_column: tweet\nlabel_column: feeling\n"
        "train_size: 300\nvalidation_size: 50\ntest_size: 100\nnum_train_epochs: 1\n")
    artifacts, out = tmp_path / "artifacts", tmp_path / "build"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    finished = subprocess.run(
        [sys.executable, "-m", "finetune_course.course.chain", "--profile", "smoke",
         "--params", str(tmp_path / "my_task.yaml"),
         "--steps", "01,02,03,04,05,06,07", "--out", str(out), "--no-html",
         "--parameters-json", json.dumps({"artifacts_dir": str(artifacts)})],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    metrics = json.loads((artifacts / "metrics.json").read_text())
    assert metrics["label_names"] == ["NEGATIVE", "NEUTRAL", "POSITIVE"]
    assert (metrics["train_size"], metrics["test_size"]) == (300, 100)
    saved = json.loads((artifacts / "model" / "config.json").read_text())
    assert saved["id2label"] == {"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE"}
    executed = (out / "03_load_the_data.ipynb").read_text()
    note = messages.say("data_file", "en", name="my_tweets.csv", share=SINGLE_FILE_TEST_SHARE)
    assert json.dumps(f"Data: {note}\n")[1:-1] in executed and "num_rows: 120" in executed  # 20% of 600


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


def test_interrupted_training_resumes_to_the_same_metrics(smoke_run, tmp_path):
    """Kill step 7 after its first checkpoint, run it again: it resumes and ends where an uninterrupted run
    ends."""
    artifacts = tmp_path / "artifacts"
    # What step 7 reads: the smoke run's.
    for made_earlier in ("baselines", "splits", "tokenized", "tiny-gpt2"):
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

    resumed = run_chain(tmp_path, "smoke", steps="07")
    executed = (tmp_path / "build" / "07_fine_tune_and_evaluate.ipynb").read_text()
    assert "resuming from:" in executed
    assert resumed["metrics"]["resumed_from_checkpoint"] is True
    for key in ("test_accuracy", "test_macro_f1", "per_class_f1"):
        assert resumed["metrics"][key] == pytest.approx(smoke_run["metrics"][key], abs=1e-9), key
    assert not (artifacts / "checkpoints").exists()       # removed once training finished
