"""The `full` profile end to end, through a real Hub mirror (olah) on 127.0.0.1: the learner's own path.

1. Online: `make execute-all` with `auto` picks `full` because the mirror answered, downloads model and
   data over HTTP into a fresh cache, and completes with metrics for `gpt2` on the tweets, zero-shot too.
2. The mirror gone, the same cache: `auto` picks `full` from the cache within 10 s, completes again,
   and no notebook sends a request.
3. The mirror gone, an empty cache: `auto` falls back to `offline` within 10 s and says why; `full`
   fails within 10 s with a message that says what to do.
4. A mirror without the dataset (or the model): a clear error naming the repo and the endpoint.
The stand-in `gpt2` has GPT-2's real tokenizer and 12 blocks (so `frozen_layers: 6` freezes half), but
is narrow and random; tests/params/full_quick.yaml cuts the sizes. See tools/hub_mirror.py.
"""

import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FULL_QUICK, HUB_MIRROR, ROOT, learner_env, make_execute_all, olah_installed
from test_chains import assert_no_unexplained_stderr
from test_claims import printed

from finetune_course import messages

DECIDES_WITHIN_S = 10
pytestmark = pytest.mark.slow      # every test here runs the chain command or a Hub mirror


class DeadServer:
    """A port where a server used to be. `silent`: it accepts connections and never answers (a hung
    server, or a firewall that drops packets); otherwise it closes each connection at once. It counts
    the connections, so a test can tell whether anything tried to reach it."""

    def __init__(self, silent: bool = False):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections, self.held = 0, []
        self.silent = silent
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:             # closed: the test is over
                return
            self.connections += 1
            (self.held.append if self.silent else lambda c: c.close())(connection)

    def close(self):
        for connection in self.held:
            connection.close()
        self.socket.close()


@pytest.fixture
def dead_server(request):
    server = DeadServer(silent=getattr(request, "param", "") == "silent")
    yield server
    server.close()


def closed_port_endpoint() -> str:
    return f"http://127.0.0.1:{HUB_MIRROR.free_port()}"     # nothing listens there


def decide(env: dict, profile: str) -> tuple[subprocess.CompletedProcess, float]:
    """What `resolve_settings` decides in a fresh process (as a notebook's first cell does), and how long it
    took."""
    code = "from finetune_course import resolve_settings; print(resolve_settings().banner())"
    started = time.monotonic()
    finished = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                              env={**env, "COURSE_PROFILE": profile} if profile != "auto" else env)
    return finished, time.monotonic() - started


def test_auto_picks_full_and_downloads_through_the_mirror(full_run):
    results, metrics = full_run["results"], full_run["metrics"]
    assert results["profile"] == "full"
    assert results["profile_reason"].startswith(f"auto chose it: the Hub mirror at {full_run['endpoint']} "
                                                "(HF_ENDPOINT) answered for model 'gpt2' and dataset")
    assert len(results["notebook_seconds"]) == 9        # the seven steps (step 7 in two parts) and the bonus
    assert (metrics["model_name"], metrics["dataset_name"]) == ("gpt2", "mteb/tweet_sentiment_extraction")
    assert metrics["zero_shot_method"] == "prompt"
    low, high = metrics["zero_shot_interval"]
    assert low <= metrics["zero_shot_accuracy"] <= high
    # Scored on every one of the 200 test tweets: the accuracy is a whole number of them.
    assert metrics["test_size"] == sum(metrics["test_label_counts"]) == 200
    assert metrics["test_accuracy"] * 200 == pytest.approx(round(metrics["test_accuracy"] * 200), abs=1e-6)
    # The files came over HTTP (the mirror's log) and now sit in the learner's Hub cache.
    served = "\n".join(full_run["requests"])
    for path in ("/gpt2/resolve/", "model.safetensors", "tokenizer.json",
                 "/datasets/mteb/tweet_sentiment_extraction/resolve/", "train.jsonl", "test.jsonl"):
        assert path in served, path
    hub = full_run["hf_home"] / "hub"
    assert list(hub.glob("models--gpt2/snapshots/*/model.safetensors"))
    assert list(hub.glob("datasets--mteb--tweet_sentiment_extraction/snapshots/*/train.jsonl"))


def test_the_chain_probes_once_and_no_notebook_probes_again(full_run):
    """The chain asks for each repo once; the notebooks get its decision (COURSE_HUB_ONLINE) and do not
    ask."""
    probes = [line for line in full_run["requests"]
              if "/api/datasets/mteb/tweet_sentiment_extraction HTTP" in line]
    assert len(probes) == 1, probes


def test_full_notebooks_make_the_causal_lm_claims(full_run):
    """What the prose says about GPT-2 holds for the stand-in: 12 blocks, 6 frozen; pad id = eos id 50256."""
    assert "PROFILE: FULL" in printed(full_run, "01")
    assert "pad token shipped: False\npad token: '<|endoftext|>' (id 50256)" in printed(full_run, "04")
    assert "GPT2ForSequenceClassification | pad_token_id: 50256" in printed(full_run, "05")
    frozen = re.search(r"frozen_layers = 6 of 12 blocks \| trainable parameters: ([\d,]+) of ([\d,]+)",
                       printed(full_run, "07a"))
    assert frozen, "step 7 should say it freezes 6 of the 12 blocks"
    trainable, total = (int(n.replace(",", "")) for n in frozen.groups())
    assert 0 < trainable < total / 2           # the embeddings (50,257 x width) and half the blocks stay put


def test_full_from_the_cache_with_the_mirror_gone(full_run, tmp_path, dead_server):
    """Same cache, the mirror gone: `auto` decides `full` within 10 s, and the chain sends no request
    beyond the chain's own probe (one per repo)."""
    env = learner_env(full_run["hf_home"], dead_server.endpoint)
    decided, took = decide(env, "auto")
    assert decided.returncode == 0, decided.stderr
    assert "PROFILE: FULL" in decided.stdout and "are in the local cache" in decided.stdout
    assert took < DECIDES_WITHIN_S
    assert dead_server.connections == 2                         # one request per repo: model and dataset

    # Steps 1 and 2 load the tokenizer, the model (with and without a classification head) and both splits
    # of the data, as the later steps load them.
    finished = make_execute_all(tmp_path, env, "STEPS=01,02")
    assert finished.returncode == 0, f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    results = json.loads((tmp_path / "build" / "results.json").read_text())
    assert results["profile"] == "full" and "in the local cache" in results["profile_reason"]
    assert len(results["notebook_seconds"]) == 2
    baselines_with = json.loads((tmp_path / "artifacts" / "baselines" / "made_with.json").read_text())
    assert (baselines_with["profile"], baselines_with["model_name"]) == ("full", "gpt2")
    assert dead_server.connections == 4                         # the chain's own probe, and nothing after it
    assert_no_unexplained_stderr(tmp_path / "build")     # e.g. no "Using the latest cached version"


@pytest.mark.parametrize("dead_server", ["closing", "silent"], indirect=True)
def test_no_mirror_and_no_cache_auto_goes_offline_and_full_says_what_to_do(dead_server, tmp_path):
    env = learner_env(tmp_path / "empty-hf-home", dead_server.endpoint)
    decided, took = decide(env, "auto")
    assert decided.returncode == 0, decided.stderr
    assert "PROFILE: OFFLINE" in decided.stdout and "is unreachable" in decided.stdout, decided.stdout
    assert took < DECIDES_WITHIN_S

    started = time.monotonic()
    finished = make_execute_all(tmp_path, env, "PROFILE=full")
    took = time.monotonic() - started
    assert finished.returncode != 0
    assert (f"ERROR: Profile 'full' cannot run: the Hub mirror at {dead_server.endpoint} (HF_ENDPOINT) "
            "is unreachable" in finished.stderr)
    assert "Use profile 'offline'" in finished.stderr
    assert took < DECIDES_WITHIN_S
    assert not (tmp_path / "build").exists()           # it stopped before any notebook ran


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    olah_installed(tmp_path_factory)
    with HUB_MIRROR.serving(tmp_path_factory.mktemp("hub-mirror")) as server:
        yield server
    assert server.process.poll() is not None                        # stopped by its PID
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(server.endpoint.rsplit(":", 1)[1])), timeout=1).close()


@pytest.mark.parametrize("missing", ["dataset_name: someone/no-such-tweets",
                                     "model_name: someone/no-such-model"])
@pytest.mark.parametrize("profile", ["auto", "full"])
def test_a_mirror_without_the_repo_names_repo_and_endpoint(mirror, tmp_path, missing, profile):
    (tmp_path / "params.yaml").write_text(missing + "\n")
    started = time.monotonic()
    finished = subprocess.run([sys.executable, "-m", "finetune_course.course.chain", "--profile", profile,
                               "--params", str(tmp_path / "params.yaml"), "--out", str(tmp_path / "build")],
                              cwd=ROOT, env=learner_env(tmp_path / "hf-home", mirror.endpoint),
                              capture_output=True, text=True)
    assert finished.returncode == 1
    kind, repo = missing.split("_name: ")
    assert (f"ERROR: The Hub mirror at {mirror.endpoint} (HF_ENDPOINT) answered, but has no {kind} '{repo}'"
            in finished.stderr.replace("\n", " ")), finished.stderr
    assert "Traceback" not in finished.stderr
    assert time.monotonic() - started < DECIDES_WITHIN_S


def test_the_instructors_mirror_command_serves_and_stops_on_ctrl_c(tmp_path, tmp_path_factory):
    """`make hub-mirror MIRROR=local` runs this script: it prints the HF_ENDPOINT to set, serves, and a
    Ctrl-C (SIGINT to its process group, as a terminal sends it) stops olah too: nothing listens after."""
    import os
    import signal
    import urllib.request

    olah_installed(tmp_path_factory)
    port = HUB_MIRROR.free_port()
    process = subprocess.Popen([sys.executable, "tools/hub_mirror.py", "--local", "--port", str(port),
                                "--folder", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        lines = []
        while not any("export HF_ENDPOINT=" in line for line in lines):
            line = process.stdout.readline()
            assert line, f"it stopped before serving: {lines}"
            lines.append(line)
        assert f"export HF_ENDPOINT=http://127.0.0.1:{port}" in "".join(lines)
        address = f"http://127.0.0.1:{port}/api/datasets/mteb/tweet_sentiment_extraction"
        with urllib.request.urlopen(address) as answer:
            assert answer.status == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            assert process.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:          # fail, but leave nothing running: the script, then olah
            process.kill()
            olah = re.search(r"PID (\d+)", "".join(lines))
            if olah:
                os.kill(int(olah[1]), signal.SIGKILL)
            raise
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def readme_zh_first_commands(endpoint: str, index: str, params: Path, out: Path, steps: str) -> str:
    """README.zh-CN.md's first commands as a newcomer types them, with its two mirrors replaced by local
    stand-ins, and the test's sizes, steps and folders added to its `make` line."""
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    block = readme[readme.index("```bash\n") + len("```bash\n"):]
    lines = [line.split("#")[0].strip() for line in block[:block.index("```")].splitlines()]
    replaced = {"https://hf-mirror.com": endpoint, "https://pypi.tuna.tsinghua.edu.cn/simple": index}
    script = []
    for line in lines:
        for public, local in replaced.items():
            line = line.replace(public, local)
        script.append(f"{line} PARAMS={params} STEPS={steps} OUT={out}" if line.startswith("make ") else line)
    return "\n".join(["set -e", *script])


def test_a_newcomer_follows_the_chinese_readme_through_the_mirror(tmp_path, tmp_path_factory):
    """The done-when test of the Chinese edition's set-up: README.zh-CN's first three lines, PIP_INDEX_URL
    and HF_ENDPOINT at local stand-ins (olah on 127.0.0.1 for the Hub; for the package index a port nothing
    listens on: this checkout's .venv is set up already, and test_readme_zh checks that `make setup`'s pip
    asks PIP_INDEX_URL), then `make execute-all EDITION=zh` with the default `auto`, a fresh Hugging Face
    cache and the test's sizes: the Chinese edition on the `full` profile, its model and data downloaded
    through the mirror. Steps 1-3 download and use both; the later steps run on `full` in English
    (full_run) and in Chinese on `smoke` (test_translation), with the same code cells."""
    olah_installed(tmp_path_factory)
    params = tmp_path / "params.yaml"
    params.write_text(FULL_QUICK.read_text() + f"artifacts_dir: {tmp_path / 'artifacts'}\n")
    with HUB_MIRROR.serving(tmp_path / "mirror") as mirror:
        script = readme_zh_first_commands(mirror.endpoint, f"http://127.0.0.1:{HUB_MIRROR.free_port()}/simple",
                                          params, tmp_path / "build", steps="01,02,03")
        env = {k: v for k, v in learner_env(tmp_path / "hf-home", "").items() if k != "HF_ENDPOINT"}
        finished = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        requests = "\n".join(mirror.requests())
    assert mirror.process.poll() is not None                       # stopped by its PID
    assert finished.returncode == 0, f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    assert "fix:" not in finished.stdout                              # nothing to fix: the mirror answered

    results = json.loads((tmp_path / "build" / "zh" / "results.json").read_text())
    assert (results["profile"], results["edition"]) == ("full", "zh")
    assert results["profile_reason"].startswith(f"auto chose it: the Hub mirror at {mirror.endpoint} "
                                                "(HF_ENDPOINT) answered for model 'gpt2'")
    assert [name[:2] for name in results["notebook_seconds"]] == ["01", "02", "03"]
    for path in ("/gpt2/resolve/", "model.safetensors", "/datasets/mteb/tweet_sentiment_extraction/resolve/",
                 "train.jsonl"):
        assert path in requests, path
    # The Chinese notebooks ran, and said in Chinese where the data came from.
    executed = (tmp_path / "build" / "zh" / "01_define_the_goal.ipynb").read_text(encoding="utf-8")
    assert executed.count("PROFILE: FULL") >= 1 and "# 第 1 步" in executed
    note = messages.say("data_hub", "zh", name="mteb/tweet_sentiment_extraction", server=mirror.endpoint)
    assert json.dumps(note, ensure_ascii=False)[1:-1] in executed
    assert_no_unexplained_stderr(tmp_path / "build" / "zh")
