"""Where each profile's data comes from, and the checks that make bad data fail with a clear message.

`dataset_source(settings)` says what to give `load_dataset`: a Hub id, or a file format and
`data_files` for the tweets this course ships and for a learner's own CSV/JSON Lines/Parquet.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from .params import CourseInputError, Settings, cached_snapshot, hub_name

SHIPPED_DATASET = "course-tweets"
SHIPPED_FOLDER = Path(__file__).parent / "data" / "tweets"
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}
# What the generator (tools/make_tweets.py) wrote beside the tweets: the label-noise rate, the kinds of tweet.
ABOUT_SHIPPED = json.loads((SHIPPED_FOLDER / "about.json").read_text(encoding="utf-8"))
NOISE_RATE, KINDS = ABOUT_SHIPPED["noise_rate"], ABOUT_SHIPPED["kinds"]
SHIPPED_NOTE = ("SYNTHETIC tweets, written by the course's generator (tools/make_tweets.py) from "
                f"hand-written templates, with {NOISE_RATE:.0%} of labels flipped on purpose as label noise; "
                "not real tweets, so accuracies on them say nothing about real data")
# A column named like this, beside integer labels, gives their names (as in mteb/tweet_sentiment_extraction).
LABEL_TEXT_COLUMN = "label_text"


@dataclass(frozen=True)
class DataSource:
    path: str                   # first argument of load_dataset: a Hub id or a format ("json", "csv", ...)
    data_files: dict | None     # split name -> file, for local data
    note: str                   # one line for the learner: where the data comes from


def dataset_source(settings: Settings) -> DataSource:
    name = settings.dataset_name
    if name == SHIPPED_DATASET:
        files = {split: str(SHIPPED_FOLDER / f"{split}.jsonl") for split in ("train", "test")}
        return DataSource("json", files, SHIPPED_NOTE)
    if not is_hub_dataset(name):
        return _local_source(Path(name).expanduser())
    if settings.hub_online:
        return DataSource(name, None, f"{name}: from {hub_name()}, downloaded once into the local cache")
    # Without the Hub, the snapshot the Hub cache holds is loaded as a folder: offline, `load_dataset(name)`
    # would look in a different cache (the `datasets` library's own) and miss a plain download.
    snapshot = cached_snapshot(name, "dataset")
    if snapshot is None:
        raise CourseInputError(
            f"Dataset {name!r} is not a local file or folder, nor in the Hugging Face cache, and this run "
            "has no Hub access. Check the name, give the path of a CSV/JSON Lines/Parquet file, "
            f"or use profile 'offline' (dataset {SHIPPED_DATASET!r})."
        )
    return DataSource(str(snapshot), None, f"{name}, from the local Hugging Face cache (downloaded earlier; no Hub in this run)")


def is_hub_dataset(name: str) -> bool:
    """Whether `dataset_name` is a Hub id (downloaded) rather than the shipped tweets or a local file or folder."""
    return name != SHIPPED_DATASET and not Path(name).expanduser().exists() and not name.endswith(tuple(FORMATS))


def _local_source(path: Path) -> DataSource:
    if not path.exists():
        raise CourseInputError(f"Data file {path} does not exist. Check the path (relative paths start at {Path.cwd()}).")
    if path.is_file():
        return DataSource(_format_of(path), {"train": str(path)},
                          f"your file {path.name} (one file: the test split is carved from it)")
    files = {}
    for split in ("train", "test"):
        found = sorted(p for p in path.iterdir() if p.stem == split and p.suffix in FORMATS)
        if not found:
            raise CourseInputError(
                f"Folder {path} needs a '{split}' file ({', '.join(split + s for s in FORMATS)}); "
                f"it holds: {', '.join(sorted(p.name for p in path.iterdir())) or 'nothing'}."
            )
        files[split] = str(found[0])
    formats = {_format_of(Path(f)) for f in files.values()}
    if len(formats) > 1:
        raise CourseInputError(f"Folder {path}: train and test must have the same format, found {sorted(formats)}.")
    return DataSource(formats.pop(), files, f"your folder {path} (train and test files)")


def _format_of(path: Path) -> str:
    if path.suffix not in FORMATS:
        raise CourseInputError(f"Cannot read {path.name}: use a file ending in {', '.join(FORMATS)}.")
    return FORMATS[path.suffix]


def check_columns(dataset, text_column: str, label_column: str) -> None:
    """Fail early, naming the columns that do exist, if the text or label column is missing."""
    columns = dataset.column_names
    for role, column in (("text_column", text_column), ("label_column", label_column)):
        if column not in columns:
            raise CourseInputError(
                f"The data has no column {column!r} ({role}). Its columns are: {', '.join(columns)}. "
                f"Set the parameter {role} to one of them."
            )


def label_names(dataset, label_column: str) -> list[str]:
    """The class names, in class-id order, read from the data itself."""
    feature = dataset.features[label_column]
    if hasattr(feature, "names"):  # a ClassLabel column knows its names
        return list(feature.names)
    values = dataset.unique(label_column)
    if any(isinstance(v, str) for v in values):
        return sorted(str(v) for v in values)
    ids = sorted(int(v) for v in values)
    if ids != list(range(len(ids))):
        raise CourseInputError(
            f"Integer labels in {label_column!r} must be 0, 1, ..., k-1; found {ids[:10]}. "
            "Renumber them, or store the labels as text."
        )
    if LABEL_TEXT_COLUMN in dataset.column_names:
        pairs = dict(zip(dataset[label_column], dataset[LABEL_TEXT_COLUMN]))
        return [str(pairs[i]) for i in ids]
    return [str(i) for i in ids]


def check_labels(dataset, label_column: str, names: list[str]) -> None:
    """Every label must be one of `names`, and there must be at least two classes to learn."""
    if len(names) < 2:
        raise CourseInputError(
            f"Column {label_column!r} holds only one class ({names}); a classifier needs at least two."
        )
    values = set(dataset.unique(label_column))
    allowed = set(names) if any(isinstance(v, str) for v in values) else set(range(len(names)))
    unknown = sorted(map(str, values - allowed))
    if unknown:
        raise CourseInputError(
            f"Column {label_column!r} holds labels outside the label set {names}: {', '.join(unknown[:10])}. "
            "Fix those rows, or check that train and test use the same labels."
        )


def encode_labels(dataset_dict, label_column: str, names: list[str]):
    """Labels as class ids 0..k-1 with their names attached (a `ClassLabel`), whether given as text or ids."""
    from datasets import ClassLabel

    first_split = next(iter(dataset_dict.values()))
    if isinstance(first_split.features[label_column], ClassLabel):
        return dataset_dict
    if any(isinstance(v, str) for v in first_split.unique(label_column)):
        index = {name: i for i, name in enumerate(names)}
        dataset_dict = dataset_dict.map(lambda batch: {label_column: [index[str(v)] for v in batch[label_column]]},
                                        batched=True)
    return dataset_dict.cast_column(label_column, ClassLabel(names=names))


@contextlib.contextmanager
def explain_load_errors(source: DataSource):
    """Turn a failure of `load_dataset` on the learner's files into a message that says what to fix."""
    try:
        yield
    except CourseInputError:
        raise
    except Exception as err:
        reason = f"{type(err).__name__}: {str(err).rstrip('.')}"
        if source.data_files is None and "NotFound" in type(err).__name__:
            raise CourseInputError(
                f"{hub_name()[:1].upper() + hub_name()[1:]} has no dataset {source.path!r} ({reason}). Check "
                "dataset_name, and that the mirror in HF_ENDPOINT, if you use one, serves it; or use profile "
                "'offline', which needs no Hub."
            ) from err
        if source.data_files is None and is_network_error(err):
            raise CourseInputError(
                f"Could not download the dataset {source.path!r} from {hub_name()}: {reason}. Check the network "
                "connection (or HF_ENDPOINT, if you use a mirror) and run again, or use profile 'offline', which "
                "needs no Hub."
            ) from err
        where = ", ".join(source.data_files.values()) if source.data_files else source.path
        raise CourseInputError(
            f"Could not read the data from {where} as {source.path!r}: {reason}. "
            "Check that the file is a valid CSV (with a header row), JSON Lines (one object per line) "
            "or Parquet file, and that its name ends in the matching suffix."
        ) from err


def is_network_error(err: BaseException) -> bool:
    """Whether an exception (or one it was raised from) is a failure to reach a server, not a broken file."""
    while err is not None:
        root = type(err).__module__.split(".")[0]
        if isinstance(err, (ConnectionError, TimeoutError)) or root in ("requests", "urllib3", "httpx", "huggingface_hub"):
            return True
        err = err.__cause__ or err.__context__
    return False


def drop_empty_texts(dataset_dict, text_column: str):
    """Drop rows whose text is missing or only whitespace; print how many per split."""
    kept = dataset_dict.filter(lambda batch: [bool((t or "").strip()) for t in batch[text_column]], batched=True)
    for split in dataset_dict:
        dropped = dataset_dict[split].num_rows - kept[split].num_rows
        print(f"{split}: dropped {dropped} empty text(s), {kept[split].num_rows:,} rows left")
        if kept[split].num_rows == 0:
            raise CourseInputError(
                f"No rows are left in the {split} split after dropping empty texts. Check that "
                f"text_column={text_column!r} names the column that holds the text."
            )
    return kept


def cap_size(wanted: int, available: int, name: str) -> int:
    """Sizes larger than the data are capped (not refused), and the notebook says so."""
    if wanted > available:
        print(f"Note: {name} = {wanted} is more than the {available} rows available; using {available}.")
    return min(wanted, available)


def check_and_prepare(raw, settings: Settings):
    """The loaded data made safe for every step: (dataset_dict, label_names).

    Checks the columns and labels, turns labels into class ids with names, and gives a single
    file a test split (20%, stratified by label, seeded), saying so.
    """
    first = next(iter(raw.values()))
    check_columns(first, settings.text_column, settings.label_column)
    names = label_names(raw["train"] if "train" in raw else first, settings.label_column)
    for split in raw:
        check_labels(raw[split], settings.label_column, names)
    raw = encode_labels(raw, settings.label_column, names)
    if "test" not in raw:
        raw = raw["train"].train_test_split(test_size=0.2, seed=settings.seed, stratify_by_column=settings.label_column)
        print(f"One file given: 20% of it ({raw['test'].num_rows} rows, stratified by label) is set aside as the test split.")
    return raw, names


def read_facts(split: str) -> list[dict]:
    """The answer key of the shipped "train" or "test" split, row by row (kind, flipped, written_as)."""
    path = SHIPPED_FOLDER / f"{split}_facts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def hidden_facts(settings: Settings) -> dict | None:
    """For the course's synthetic tweets, what the generator knows about each row, by id:
    {"kind": template kind, "flipped": label noise or not, "written_as": the class it was written for}.
    None for any other data: real tweets come without such an answer key."""
    if settings.dataset_name != SHIPPED_DATASET:
        return None
    return {row["id"]: row for split in ("train", "test") for row in read_facts(split)}
