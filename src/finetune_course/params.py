"""The parameters contract: which settings a run has, what values they may take, and the profiles' files.

A notebook's `parameters` cell names `PARAMETER_NAMES`; the profile's YAML under `params/` fills what is
unset; `build_settings` checks every value and returns one frozen `Settings` object, which every later cell
reads. (Which profile runs, and the layering of files and parameters: `finetune_course.course.profiles`.)
This module imports nothing heavy on purpose: it runs before `transformers` is imported.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from . import messages
from .hub import PUBLIC_MIRROR

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


class CourseInputError(ValueError):
    """Something the user gave (a parameter, a file, a name) cannot be used; the message says what to do."""


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
    # Where `auto` fell back to `offline`: the key of the message (messages.py) saying how to reach the Hub.
    advice: str = ""

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
                "COURSE_HUB_ONLINE": "1" if self.hub_online else "0", "COURSE_PROFILE_ADVICE": self.advice}

    def banner(self) -> str:
        line = "=" * 78
        return "\n".join([
            line,
            f"PROFILE: {self.profile.upper()}  ({self.description})",
            f"why:     {self.reason}",
            *([f"fix:     {messages.say(self.advice, self.edition, mirror=PUBLIC_MIRROR)}"]
              if self.advice else []),
            f"model:   {self.model_name}",
            f"data:    {self.dataset_name}  "
            f"(text column '{self.text_column}', label column '{self.label_column}')",
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
    """The edition whose notebooks sit in `folder` (default: the working directory, which is the
    notebook's own folder in JupyterLab, papermill and nbval): "zh" under notebooks/zh/, else "en"."""
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
        raise CourseInputError(
            f"Parameters file {path} is not UTF-8 text ({err.reason} at byte {err.start}). "
            "Save it again as UTF-8."
        ) from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise CourseInputError(f"Parameters file {path} must hold `name: value` lines, "
                               f"not {type(values).__name__}.")
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


def build_settings(profile: str, reason: str, values: dict, hub_online: bool, advice: str = "") -> Settings:
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
        advice=advice,
    )
    missing = [f.name for f in fields(settings)
               if f.name != "advice" and getattr(settings, f.name) in ("", "None")]
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
        raise CourseInputError(
            f"Parameter {name} must be a number ({kind.__name__}), got {value!r}."
        ) from None
    if number < minimum:
        raise CourseInputError(f"Parameter {name} must be at least {minimum:g}, got {value!r}.")
    return number


def _positive(values: dict, name: str, kind: type):
    number = _number(values, name, kind, minimum=0)
    if number <= 0:
        raise CourseInputError(f"Parameter {name} must be greater than zero, got {values.get(name)!r}.")
    return number


