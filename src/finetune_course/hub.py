"""The Hugging Face Hub as this course's runs see it: its name (or a mirror's), the local cache, offline mode.

Whether the Hub answers is decided once per run, before the notebooks start
(`finetune_course.course.profiles`); the notebooks then read `settings.hub_online` and load from the Hub,
or from the files this module finds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HUB_ADDRESS = "https://huggingface.co"
# A public mirror that learners in mainland China often use (README.zh-CN.md); the tests use their own.
PUBLIC_MIRROR = "https://hf-mirror.com"


def endpoint() -> str:
    """The address downloads go to: the mirror in HF_ENDPOINT, else the Hugging Face Hub."""
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or HUB_ADDRESS


def hub_name(starts_sentence: bool = False) -> str:
    """How the notebooks name the server they download from: the Hub, or the mirror in HF_ENDPOINT."""
    mirror = endpoint() != HUB_ADDRESS
    name = f"the Hub mirror at {endpoint()} (HF_ENDPOINT)" if mirror else "the Hugging Face Hub"
    return name[:1].upper() + name[1:] if starts_sentence else name


def hub_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface"
    return Path(home) / "hub"


WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "tokenizer.model")
DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".arrow")


def cached_snapshot(repo_id: str, repo_type: str) -> Path | None:
    """The Hub cache's complete snapshot of a model or dataset, or None.

    Complete means what loading needs: a model's config, weights and tokenizer; a dataset's data files.
    A download cut off halfway leaves a snapshot without weights, and that must not count as cached."""
    repo = hub_cache_dir() / f"{repo_type}s--{repo_id.replace('/', '--')}"
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    main = repo / "refs" / "main"
    candidates = ([snapshots / main.read_text().strip()] if main.is_file() else []) + sorted(
        snapshots.iterdir(), key=lambda folder: folder.stat().st_mtime, reverse=True)
    for snapshot in candidates:
        if not snapshot.is_dir():
            continue
        if repo_type == "model":
            # is_file: a dangling link is not a file the snapshot has
            present = {path.name for path in snapshot.iterdir() if path.is_file()}
            if "config.json" in present and present & set(WEIGHT_FILES) and present & set(TOKENIZER_FILES):
                return snapshot
        elif any(path.suffix in DATA_SUFFIXES and path.is_file() for path in snapshot.rglob("*")):
            return snapshot
    return None


def set_offline_mode(offline: bool) -> None:
    """With `offline` True (a run without the Hub), make the Hugging Face libraries use local files only, so
    that no call waits 25-45 s on an unreachable server; with False, leave them as they are.

    Each notebook calls it right after its settings, in sight: it changes this process's environment.
    """
    if not offline:
        return
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    # Libraries imported earlier read the variable at import time: update them too.
    if "huggingface_hub.constants" in sys.modules:
        sys.modules["huggingface_hub.constants"].HF_HUB_OFFLINE = True
    if "datasets.config" in sys.modules:
        sys.modules["datasets.config"].HF_HUB_OFFLINE = True


def env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
