"""The parameters contract: a notebook's parameters cell becomes one `Settings` object.

How a value travels: the notebook's `parameters` cell (papermill may inject over it)
-> `resolve_settings(...)` -> the profile's YAML under `params/` fills what is unset
-> every later cell reads `settings.<name>`. Nothing else reads the YAML or the environment.

This module imports nothing heavy on purpose: it runs before `transformers` is imported,
so that it can switch the Hugging Face libraries to offline mode before they read it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

# The names every notebook's `parameters` cell defines, in this order.
PARAMETER_NAMES = (
    "profile", "model_name", "dataset_name", "text_column", "label_column",
    "train_size", "test_size", "max_length", "num_train_epochs",
    "per_device_train_batch_size", "learning_rate", "seed", "artifacts_dir",
)
# Further settings a profile (or a parameters file) may set; notebooks do not list them.
EXTRA_NAMES = (
    "description", "validation_size", "per_device_eval_batch_size",
    "weight_decay", "warmup_steps", "frozen_layers",
)
KNOWN_NAMES = PARAMETER_NAMES + EXTRA_NAMES
# Names that changed, old -> new: an old name is an error that names the new one.
RENAMED = {"eval_size": "test_size"}
PROFILES = ("full", "offline", "smoke")
# The course's editions and where their notebooks sit: English in notebooks/, Chinese in notebooks/zh/.
EDITION_FOLDERS = {"en": "notebooks", "zh": "notebooks/zh"}
DEFAULT_PROFILE = "auto"
HUB_PROBE_TIMEOUT_S = 5.0


class CourseInputError(ValueError):
    """Something the user gave (a parameter, a file, a name) cannot be used; the message says what to do."""


class HubUnreachableError(CourseInputError):
    """The `full` profile needs the Hugging Face Hub (or its local cache), and neither can serve."""


@dataclass(frozen=True)
class Settings:
    profile: str
    reason: str
    description: str
    model_name: str
    dataset_name: str
    text_column: str
    label_column: str
    train_size: int
    validation_size: int
    test_size: int
    max_length: int | None
    num_train_epochs: float
    per_device_train_batch_size: int
    per_device_eval_batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_steps: float
    frozen_layers: int
    seed: int
    artifacts_dir: Path
    hub_online: bool
    edition: str = "en"             # the notebooks' language: "en", or "zh" (the Chinese edition)

    def path(self, *parts: str) -> Path:
        """A path inside this run's artifacts folder."""
        return self.artifacts_dir.joinpath(*parts)

    def as_parameters(self) -> dict:
        """These settings as notebook parameters, to run another step with exactly the same values."""
        values = asdict(self)
        params = {name: values[name] for name in PARAMETER_NAMES}
        params["artifacts_dir"] = str(self.artifacts_dir)
        return params

    def handed_on(self) -> dict[str, str]:
        """The environment that hands this decided profile to other processes (the chain's notebooks,
        `require`'s runs), so that none of them probes the Hub again."""
        return {"COURSE_PROFILE": self.profile, "COURSE_PROFILE_REASON": self.reason,
                "COURSE_HUB_ONLINE": "1" if self.hub_online else "0"}

    def banner(self) -> str:
        line = "=" * 78
        return "\n".join([
            line,
            f"PROFILE: {self.profile.upper()}  ({self.description})",
            f"why:     {self.reason}",
            f"model:   {self.model_name}",
            f"data:    {self.dataset_name}  (text column '{self.text_column}', label column '{self.label_column}')",
            f"sizes:   train {self.train_size}, validation {self.validation_size}, test {self.test_size} "
            "(at most: fewer where the data has fewer)",
            f"train:   {self.num_train_epochs:g} epoch{'' if self.num_train_epochs == 1 else 's'}, "
            f"batch {self.per_device_train_batch_size}, "
            f"learning rate {self.learning_rate:g}, seed {self.seed}"
            + (f", lowest {self.frozen_layers} layers frozen" if self.frozen_layers else ""),
            f"files:   {self.artifacts_dir}",
            line,
        ])

    def __str__(self) -> str:
        return self.banner()

    def _repr_pretty_(self, printer, cycle) -> None:  # how IPython shows it as a cell's result
        printer.text(self.banner())


def project_root() -> Path:
    """The course checkout this package was installed from (`pip install -e .`)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "params").is_dir():
        raise CourseInputError(
            f"Cannot find the course's params/ folder next to {root}. Install the helpers from a "
            "checkout of the course with `pip install -e .` (or `make setup`)."
        )
    return root


def edition_of(folder: Path | None = None) -> str:
    """The edition whose notebooks sit in `folder` (default: the working directory, which is the notebook's own
    folder in JupyterLab, papermill and nbval): "zh" under notebooks/zh/, else "en"."""
    folder = Path(folder or Path.cwd()).resolve()
    return "zh" if folder.is_relative_to(project_root() / EDITION_FOLDERS["zh"]) else "en"


def load_profile(name: str) -> dict:
    """The plain values of profile `name`, read from params/<name>.yaml."""
    if name not in PROFILES:
        raise CourseInputError(
            f"Unknown profile {name!r}. Choose one of: {', '.join(PROFILES + (DEFAULT_PROFILE,))} "
            "(auto = full where the Hugging Face Hub or its cache can serve, otherwise offline)."
        )
    values = yaml.safe_load((project_root() / "params" / f"{name}.yaml").read_text()) or {}
    check_known_names(values, f"params/{name}.yaml")
    return values


def read_parameters_file(path: str | os.PathLike) -> dict:
    """Overrides from a YAML file (`make execute-all PARAMS=my_task.yaml`), checked for unknown names."""
    path = Path(path)
    if path.is_dir():
        raise CourseInputError(f"Parameters file {path} is a folder. Give the path of a YAML file in it, "
                               "such as my_task.yaml.")
    if not path.is_file():
        raise CourseInputError(f"Parameters file {path} does not exist. Give the path of a YAML file.")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CourseInputError(f"Parameters file {path} is not valid YAML: {err}") from None
    except UnicodeDecodeError as err:
        raise CourseInputError(f"Parameters file {path} is not UTF-8 text ({err.reason} at byte {err.start}). "
                               "Save it again as UTF-8.") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise CourseInputError(f"Parameters file {path} must hold `name: value` lines, not {type(values).__name__}.")
    check_known_names(values, str(path))
    # Local data or model paths in the file are relative to the file, wherever the notebooks run.
    for name in ("dataset_name", "model_name"):
        if isinstance(values.get(name), str) and (path.parent / values[name]).expanduser().exists():
            values[name] = str((path.parent / values[name]).expanduser().resolve())
    return values


def check_known_names(values: dict, where: str) -> None:
    renamed = sorted(set(values) & set(RENAMED))
    if renamed:
        raise CourseInputError(
            f"{where}: {', '.join(f'{old!r} is now called {RENAMED[old]!r}' for old in renamed)} "
            "(it counts the test examples, evaluated once at the end). Rename it and run again."
        )
    unknown = sorted(set(values) - set(KNOWN_NAMES))
    if unknown:
        raise CourseInputError(
            f"{where}: unknown parameter(s) {', '.join(map(repr, unknown))}. "
            f"Known parameters: {', '.join(KNOWN_NAMES)}."
        )


def course_settings(namespace: dict) -> Settings:
    """A notebook's settings from the names its parameters cell defines, read from the notebook's
    namespace (`globals()`), so papermill's injected values count too."""
    return resolve_settings(**{name: namespace.get(name) for name in PARAMETER_NAMES})


def resolve_settings(profile: str | None = None, **parameters) -> Settings:
    """Turn a notebook's parameters into Settings. Later layers win over earlier ones:

    the profile's YAML  <  the file named by COURSE_PARAMS (`make execute-all PARAMS=...`)
    <  the notebook's parameters that are not None.
    The profile itself: the `profile` parameter, else COURSE_PROFILE, else the file's, else `auto`.
    """
    check_known_names(parameters, "notebook parameters")
    given = {**parameters_file_from_env(), **{k: v for k, v in parameters.items() if v is not None}}
    file_profile = given.pop("profile", None)
    if profile is not None:
        reason = "set by the `profile` parameter"
    elif os.environ.get("COURSE_PROFILE"):
        profile = os.environ["COURSE_PROFILE"]
        reason = os.environ.get("COURSE_PROFILE_REASON") or "set by the COURSE_PROFILE environment variable"
    elif file_profile is not None:
        profile, reason = file_profile, f"set in {os.environ['COURSE_PARAMS']}"
    else:
        profile, reason = DEFAULT_PROFILE, "the default"

    if profile == DEFAULT_PROFILE:
        profile, auto_reason, hub_online = choose_auto_profile({**load_profile("full"), **given})
        reason = f"auto chose it: {auto_reason}"
    elif profile == "full" and os.environ.get("COURSE_HUB_ONLINE") in ("0", "1"):
        hub_online = os.environ["COURSE_HUB_ONLINE"] == "1"   # the chain probed once for all its notebooks
    elif profile == "full":
        hub_online = _check_full_profile_can_run({**load_profile("full"), **given})
    else:
        hub_online = False
    values = {**load_profile(profile), **given}
    if not hub_online:
        go_offline()  # nothing in this run may wait on the Hub
    return _build_settings(profile, reason, values, hub_online)


def parameters_file_from_env() -> dict:
    path = os.environ.get("COURSE_PARAMS")
    return read_parameters_file(path) if path else {}


def _build_settings(profile: str, reason: str, values: dict, hub_online: bool) -> Settings:
    artifacts = values.get("artifacts_dir") or f"artifacts/{profile}"
    artifacts = Path(artifacts)
    if not artifacts.is_absolute():
        artifacts = project_root() / artifacts
    settings = Settings(
        profile=profile,
        reason=reason,
        description=describe(profile, values),
        model_name=str(values["model_name"]),
        dataset_name=str(values["dataset_name"]),
        text_column=str(values["text_column"]),
        label_column=str(values["label_column"]),
        train_size=_positive(values, "train_size", int),
        validation_size=_positive(values, "validation_size", int),
        test_size=_positive(values, "test_size", int),
        max_length=None if values.get("max_length") is None else _positive(values, "max_length", int),
        num_train_epochs=_positive(values, "num_train_epochs", float),
        per_device_train_batch_size=_positive(values, "per_device_train_batch_size", int),
        per_device_eval_batch_size=_positive(values, "per_device_eval_batch_size", int),
        learning_rate=_positive(values, "learning_rate", float),
        weight_decay=_number(values, "weight_decay", float, minimum=0.0),
        warmup_steps=_number(values, "warmup_steps", float, minimum=0.0),
        frozen_layers=_number(values, "frozen_layers", int, minimum=0) if values.get("frozen_layers") else 0,
        seed=_number(values, "seed", int, minimum=0),
        artifacts_dir=artifacts,
        hub_online=hub_online,
        edition=edition_of(),
    )
    missing = [f.name for f in fields(settings) if getattr(settings, f.name) in ("", "None")]
    if missing:
        raise CourseInputError(f"Parameter(s) {', '.join(missing)} are empty; give them a value.")
    return settings


def describe(profile: str, values: dict) -> str:
    """The profile's description, or what replaced its model or data where a learner overrode them."""
    defaults = load_profile(profile)
    changed = [f"{name} {values[name]}" for name in ("model_name", "dataset_name")
               if str(values[name]) != str(defaults[name])]
    if not changed or values.get("description") != defaults.get("description"):
        return values.get("description", "")
    return f"the {profile} profile's settings, with your {' and your '.join(changed)}"


def _number(values: dict, name: str, kind: type, minimum: float):
    value = values.get(name)
    try:
        number = kind(value)
        if kind is int and number != float(value):
            raise ValueError
    except (TypeError, ValueError):
        raise CourseInputError(f"Parameter {name} must be a number ({kind.__name__}), got {value!r}.") from None
    if number < minimum:
        raise CourseInputError(f"Parameter {name} must be at least {minimum:g}, got {value!r}.")
    return number


def _positive(values: dict, name: str, kind: type):
    number = _number(values, name, kind, minimum=0)
    if number <= 0:
        raise CourseInputError(f"Parameter {name} must be greater than zero, got {values.get(name)!r}.")
    return number


# --- Deciding `auto`, and keeping `full` from hanging --------------------------------------

@dataclass(frozen=True)
class HubAnswer:
    """What one quick round of requests to the Hub (or the mirror in HF_ENDPOINT) found."""
    answered: bool                  # the server answered over HTTP at all
    missing: tuple[str, ...]        # repos it answered "not found" for, e.g. "dataset 'x/y' (HTTP 404)"
    detail: str                     # for the learner: what happened, and how long it took


def hub_name(starts_sentence: bool = False) -> str:
    """How the notebooks name the server they download from: the Hub, or the mirror in HF_ENDPOINT."""
    endpoint = os.environ.get("HF_ENDPOINT", "").rstrip("/")
    name = f"the Hub mirror at {endpoint} (HF_ENDPOINT)" if endpoint else "the Hugging Face Hub"
    return name[:1].upper() + name[1:] if starts_sentence else name


def hub_repos(values: dict) -> list[tuple[str, str]]:
    """The (kind, id) pairs this run would download: its model and dataset, unless they are local."""
    from .data import is_hub_dataset
    from .models import is_hub_model

    return ([("model", str(values["model_name"]))] if is_hub_model(str(values["model_name"])) else []) + \
           ([("dataset", str(values["dataset_name"]))] if is_hub_dataset(str(values["dataset_name"])) else [])


def _describe(repos: list[tuple[str, str]]) -> str:
    return " and ".join(f"{kind} {repo_id!r}" for kind, repo_id in repos)


def where_full_comes_from(values: dict) -> tuple[str, str]:
    """Where the `full` profile's model and data would come from, and why: "hub", "cache", "local" (no Hub
    needed) or "nowhere". A Hub that answers but lacks one of them is an error that names it."""
    repos = hub_repos(values)
    if not repos:
        return "local", "its model and data are local, no Hub needed"
    answer = probe_hub(repos)
    if answer.answered and not answer.missing:
        return "hub", f"{hub_name()} answered for {_describe(repos)} ({answer.detail})"
    if answer.answered:
        raise _missing_repos_error(answer)
    uncached = [(kind, repo_id) for kind, repo_id in repos if not cached_snapshot(repo_id, kind)]
    if not uncached:
        return "cache", f"{hub_name()} is unreachable ({answer.detail}), but {_describe(repos)} are in the local cache"
    return "nowhere", (f"{hub_name()} is unreachable ({answer.detail}) and the local cache does not hold "
                       f"{_describe(uncached)} complete")


def choose_auto_profile(values: dict) -> tuple[str, str, bool]:
    """(profile, why, hub_online): `full` where the Hub serves the model and data or the cache holds them."""
    source, why = where_full_comes_from(values)
    return ("offline" if source == "nowhere" else "full"), why, source == "hub"


def _check_full_profile_can_run(values: dict) -> bool:
    """Whether this `full` run may use the Hub (True) or must use the cache (False); an error if neither serves."""
    source, why = where_full_comes_from(values)
    if source == "nowhere":
        raise HubUnreachableError(
            f"Profile 'full' cannot run: {why}. Use profile 'offline' (no Hub at all) or 'auto' (picks offline "
            "by itself); or connect to the internet, or set HF_ENDPOINT to a Hub mirror you can reach, and run again."
        )
    return source == "hub"


def _missing_repos_error(answer: HubAnswer) -> CourseInputError:
    return CourseInputError(
        f"{hub_name(starts_sentence=True)} answered, but has no {' and no '.join(answer.missing)}. Check model_name and "
        "dataset_name (a Hub id such as 'gpt2' or 'mteb/tweet_sentiment_extraction', or a local path), and that the mirror in "
        "HF_ENDPOINT, if you use one, serves them. A private or gated repo also needs a token "
        "(`hf auth login`, or HF_TOKEN)."
    )


def probe_hub(repos: list[tuple[str, str]], timeout: float = HUB_PROBE_TIMEOUT_S) -> HubAnswer:
    """One quick request per repo, side by side, all bounded in time even where name lookup hangs."""
    if _env_true("HF_HUB_OFFLINE"):
        return HubAnswer(False, (), "HF_HUB_OFFLINE is set")
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    token = os.environ.get("HF_TOKEN")
    answers: dict = {}

    def ask(kind: str, repo_id: str) -> None:
        request = urllib.request.Request(f"{endpoint}/api/{kind}s/{repo_id}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answers[kind, repo_id] = response.status
        except urllib.error.HTTPError as err:         # the server answered, with an error status
            answers[kind, repo_id] = err.code
        except Exception as err:                      # any failure to reach it means "not reachable"
            answers[kind, repo_id] = f"{type(err).__name__}: {err}"

    started = time.monotonic()
    workers = [threading.Thread(target=ask, args=repo, daemon=True) for repo in repos]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, timeout - (time.monotonic() - started)))
    took = f"in {time.monotonic() - started:.1f} s"
    if len(answers) < len(repos):
        return HubAnswer(False, (), f"no answer within {timeout:g} s")
    failures = [a for a in answers.values() if isinstance(a, str) or a >= 500]
    if failures:
        return HubAnswer(False, (), f"{failures[0] if isinstance(failures[0], str) else f'HTTP {failures[0]}'}, {took}")
    missing = tuple(f"{kind} {repo_id!r} (HTTP {code})" for (kind, repo_id), code in answers.items() if code != 200)
    return HubAnswer(True, missing, f"HTTP {', '.join(str(code) for code in answers.values())}, {took}")


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
            present = {path.name for path in snapshot.iterdir() if path.is_file()}   # is_file: not a dangling link
            if "config.json" in present and present & set(WEIGHT_FILES) and present & set(TOKENIZER_FILES):
                return snapshot
        elif any(path.suffix in DATA_SUFFIXES and path.is_file() for path in snapshot.rglob("*")):
            return snapshot
    return None


def go_offline() -> None:
    """Make the Hugging Face libraries use local files only, so no call waits on the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    # Libraries imported earlier read the variable at import time: update them too.
    if "huggingface_hub.constants" in sys.modules:
        sys.modules["huggingface_hub.constants"].HF_HUB_OFFLINE = True
    if "datasets.config" in sys.modules:
        sys.modules["datasets.config"].HF_HUB_OFFLINE = True


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
