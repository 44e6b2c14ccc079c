"""Where each profile's data comes from, and the checks that make bad data fail with a clear message.

`dataset_source(settings)` says what to give `load_dataset`: a Hub id, or a file format and
`data_files` for the tweets this course ships and for a learner's own CSV/JSON Lines/Parquet.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import messages
from .hub import cached_snapshot, endpoint, hub_name
from .params import CourseInputError, Settings

SHIPPED_DATASET = "course-tweets"
GUIDE_DATASET = "mteb/tweet_sentiment_extraction"    # the guide's data, the full profile's
SHIPPED_FOLDER = Path(__file__).parent / "data" / "tweets"
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}
# What the generator (tools/make_tweets.py) wrote beside the tweets: the label-noise rate, the kinds of tweet.
ABOUT_SHIPPED = json.loads((SHIPPED_FOLDER / "about.json").read_text(encoding="utf-8"))
NOISE_RATE, KINDS = ABOUT_SHIPPED["noise_rate"], ABOUT_SHIPPED["kinds"]
# The kinds in the Chinese edition: each one's Chinese name, then what it is (the same kinds as KINDS).
KINDS_ZH = {
    "plain": "普通：用常见的情感词直接说出感受",
    "negation": "否定：被否定的情感词指向相反的一类（not bad、wasn't great）",
    "sarcasm": "讽刺：用夸奖的词说坏事（great, another monday）",
    "mixed": "情感混杂：一条推文里有好有坏，某一方占上风；中性推文里两者抵消",
    "mild": "温和：感受只体现在发生了什么，不用情感词",
    "keywords": "满是情感词的中性文本：提问、标题、引语",
    "borderline": "边界情况：说成中性或另一类都说得通的“一般般”推文",
    "empty": "空文本：训练集中唯一的那条空文本，保留了生成时的标签",
    "duplicate": "重复：与训练集中较早的某条文本完全相同，类似转发",
}
# A single file of the learner's is split: this share of it, stratified by label, becomes the test split.
SINGLE_FILE_TEST_SHARE = 0.2
# A column named like this, beside integer labels, gives their names (as in mteb/tweet_sentiment_extraction).
LABEL_TEXT_COLUMN = "label_text"
SENTIMENT_LABELS = ["negative", "neutral", "positive"]
# New tweets for the `pipeline` demos (steps 7.14 and B.8), written for the sentiment labels.
DEMO_TWEETS = [
    "just got the job!!! cannot stop smiling :)",
    "my phone died and the bus never came. great day.",
    "heading to the library at 3, anyone need anything?",
    "not bad at all, the new cafe was actually nice",
]


def kinds_explained(edition: str) -> dict[str, str]:
    """What each kind of the course's tweets is, in the run's edition (step 3's answer-key table)."""
    return {"en": KINDS, "zh": KINDS_ZH}[edition]


@dataclass(frozen=True)
class DataSource:
    path: str                   # first argument of load_dataset: a Hub id or a format ("json", "csv", ...)
    data_files: dict | None     # split name -> file, for local data
    note: str                   # one line for the learner, in the run's edition: where the data comes from


def dataset_source(settings: Settings) -> DataSource:
    name = settings.dataset_name

    def note(key: str, **values) -> str:
        return messages.say(key, settings.edition, **values)

    if name == SHIPPED_DATASET:
        files = {split: str(SHIPPED_FOLDER / f"{split}.jsonl") for split in ("train", "test")}
        return DataSource("json", files, note("data_synthetic", name=name, rate=NOISE_RATE))
    if not is_hub_dataset(name):
        return _local_source(Path(name).expanduser(), note)
    if settings.hub_online:
        return DataSource(name, None, note("data_hub", name=name, server=endpoint()))
    # Without the Hub, the snapshot the Hub cache holds is loaded as a folder: offline, `load_dataset(name)`
    # would look in a different cache (the `datasets` library's own) and miss a plain download.
    snapshot = cached_snapshot(name, "dataset")
    if snapshot is None:
        raise CourseInputError(
            f"Dataset {name!r} is not a local file or folder, nor in the Hugging Face cache, and this run "
            "has no Hub access. Check the name, give the path of a CSV/JSON Lines/Parquet file, "
            f"or use profile 'offline' (dataset {SHIPPED_DATASET!r})."
        )
    return DataSource(str(snapshot), None, note("data_hub_cache", name=name))


def is_hub_dataset(name: str) -> bool:
    """Whether `dataset_name` is a Hub id (downloaded) rather than the shipped tweets or a local file or
    folder."""
    return (name != SHIPPED_DATASET and not Path(name).expanduser().exists()
            and not name.endswith(tuple(FORMATS)))


def _local_source(path: Path, note) -> DataSource:
    if not path.exists():
        raise CourseInputError(f"Data file {path} does not exist. "
                               f"Check the path (relative paths start at {Path.cwd()}).")
    if path.is_file():
        check_data_file(path)
        return DataSource(_format_of(path), {"train": str(path)},
                          note("data_file", name=path.name, share=SINGLE_FILE_TEST_SHARE))
    files = {}
    for split in ("train", "test"):
        found = sorted(p for p in path.iterdir() if p.stem == split and p.suffix in FORMATS)
        if not found:
            raise CourseInputError(
                f"Folder {path} needs a '{split}' file ({', '.join(split + s for s in FORMATS)}); "
                f"it holds: {', '.join(sorted(p.name for p in path.iterdir())) or 'nothing'}."
            )
        files[split] = str(found[0])
        check_data_file(found[0])
    formats = {_format_of(Path(f)) for f in files.values()}
    if len(formats) > 1:
        raise CourseInputError(f"Folder {path}: train and test must have the same format, "
                               f"found {sorted(formats)}.")
    return DataSource(formats.pop(), files, note("data_folder", name=str(path)))


def check_data_file(path: Path) -> None:
    """Fail in a moment, naming the line and the fix, on a file `load_dataset` would reject with a vague
    error or read wrongly: empty, not UTF-8, a broken JSON Lines line, a CSV with another separator, ragged
    rows or two columns of one name. Cheap: plain Python, no `datasets`."""
    fmt = _format_of(path)
    if path.stat().st_size == 0:
        raise CourseInputError(f"{path} is empty (0 bytes). Give a file with a header row and data rows.")
    if fmt == "parquet":
        return _check_parquet(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")             # a byte-order mark at the start is fine
    except UnicodeDecodeError as err:
        raise _not_utf8(path, raw, err.start) from None
    if not text.strip():
        raise CourseInputError(f"{path} holds only blank lines. Give a file with a header row and data rows.")
    if fmt == "json":
        _check_json_lines(path, text)
    else:
        _check_csv(path, text)


def _not_utf8(path: Path, raw: bytes, offset: int) -> CourseInputError:
    """The error for a file that is not UTF-8: its first bad byte, its line, and how to save it again, for
    the encoding it is most likely in: GBK (Chinese Windows and Excel), else Latin-1 or Windows-1252."""
    line = raw[:offset].count(b"\n") + 1
    start, end = raw.rfind(b"\n", 0, offset) + 1, raw.find(b"\n", offset)
    gbk = looks_like_gbk(raw)
    text_of_line = raw[start:end if end >= 0 else len(raw)].decode("gbk" if gbk else "utf-8", "replace")[:80]
    where = f"byte 0x{raw[offset]:02x} on line {line} (offset {offset}): {text_of_line!r}"
    if gbk:
        return CourseInputError(
            f"{path} is not UTF-8 text: it is GBK (GB2312), the encoding Chinese Windows and Excel save "
            f"CSV files in ({where}). Save it again as UTF-8: in Excel, Save As (另存为) > "
            "'CSV UTF-8 (Comma delimited)' ('CSV UTF-8（逗号分隔）'); "
            f"in a shell: iconv -f gbk -t utf-8 {path.name} > utf8_{path.name}"
        )
    return CourseInputError(
        f"{path} is not UTF-8 text: {where}. It was probably saved as Latin-1 or Windows-1252. "
        "Save it again as UTF-8 (in Excel: Save As > 'CSV UTF-8'; "
        f"in a shell: iconv -f cp1252 -t utf-8 {path.name} > utf8_{path.name})."
    )


# A two-byte character of GB2312, the Chinese core of GBK: both bytes from 0xA1 to 0xFE.
GB2312_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")


def looks_like_gbk(raw: bytes) -> bool:
    """Whether bytes that are not UTF-8 are GBK-encoded Chinese: they decode as GBK, and their non-ASCII
    bytes are mostly GB2312's pairs of high bytes. Latin-1 text, whose accented letters stand alone between
    ASCII ones, is not."""
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    high = sum(byte >= 0x80 for byte in raw)
    return high > 0 and 2 * len(GB2312_PAIR.findall(raw)) >= 0.8 * high


def _check_json_lines(path: Path, text: str) -> None:
    if text.lstrip().startswith("["):              # one JSON array of objects, which `load_dataset` reads too
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as err:
            raise CourseInputError(
                f"{path}: not valid JSON ({err.msg}, line {err.lineno}, column {err.colno}). "
                "Fix it, or write one JSON object per line (JSON Lines)."
            ) from None
        if not all(isinstance(row, dict) for row in rows):
            raise CourseInputError(
                f"{path}: a JSON array must hold objects such as {{\"text\": ..., \"label\": ...}}."
            )
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise CourseInputError(
                f"{path}, line {number}: not valid JSON ({err.msg} at column {err.colno}): {line[:80]!r}. "
                "Each line of a JSON Lines file must be one complete object, "
                'like {"text": "...", "label": "..."}: fix or delete that line.'
            ) from None
        if not isinstance(row, dict):
            raise CourseInputError(
                f"{path}, line {number}: a JSON Lines line must be an object like "
                f'{{"text": "...", "label": "..."}}, not {type(row).__name__}: {line[:80]!r}.'
            )


def _check_csv(path: Path, text: str) -> None:
    csv.field_size_limit(2**31 - 1)                # a long text is a text, not a broken file
    rows = csv.reader(io.StringIO(text))
    header = next(rows)
    if len(header) == 1:
        separators = ((";", "semicolons"), ("\t", "tabs"), ("|", "bars"))
        other = next((name for sep, name in separators if sep in header[0]), None)
        if other:
            raise CourseInputError(
                f"{path}: its header {header[0][:80]!r} is one column, "
                f"separated by {other} rather than commas. "
                "Save it again as comma-separated CSV (in Excel: Save As > 'CSV UTF-8 (Comma delimited)'), "
                "or save it as JSON Lines or Parquet."
            )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise CourseInputError(
            f"{path}: the header names {', '.join(map(repr, repeated))} more than once, "
            "so a column would be read under another name. Give every column its own name."
        )
    data_rows = 0
    for row in rows:
        data_rows += bool(row)
        if row and len(row) != len(header):
            raise CourseInputError(
                f"{path}, line {rows.line_num}: {len(row)} fields where the header has {len(header)} "
                f"({', '.join(header)}): {','.join(row)[:80]!r}. "
                'A text that holds commas must be in double quotes ("like, this"); fix that line.'
            )
    if not data_rows:
        raise CourseInputError(f"{path} has no rows: the file holds a header but no data.")


def _check_parquet(path: Path) -> None:
    import pyarrow.parquet

    try:
        names = pyarrow.parquet.read_schema(path).names
    except Exception as err:                   # pyarrow raises several kinds for a file that is not Parquet
        raise CourseInputError(f"{path} is not a readable Parquet file ({type(err).__name__}: {err}). "
                               "Write it with pandas' `to_parquet`, or use CSV or JSON Lines.") from None
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CourseInputError(f"{path}: the columns {', '.join(map(repr, repeated))} appear more than once. "
                               "Give every column its own name.")


def _format_of(path: Path) -> str:
    if path.suffix not in FORMATS:
        raise CourseInputError(f"Cannot read {path.name}: use a file ending in {', '.join(FORMATS)}.")
    return FORMATS[path.suffix]


def check_columns(dataset, text_column: str, label_column: str, split: str = "train") -> None:
    """Fail early, naming the columns that do exist, if the text or label column is missing."""
    columns = dataset.column_names
    for role, column in (("text_column", text_column), ("label_column", label_column)):
        if column not in columns:
            raise CourseInputError(
                f"The {split} data has no column {column!r} ({role}). Its columns are: {', '.join(columns)}. "
                f"Set the parameter {role} to one of them."
            )


def _rows(indices: list[int]) -> str:
    shown = ", ".join(str(i + 1) for i in indices[:5])
    return f"row{'s' if len(indices) > 1 else ''} {shown}{', ...' if len(indices) > 5 else ''}"


def check_text_column(dataset, text_column: str, split: str = "train") -> None:
    """The text column must hold text, and not only empty texts (single empty rows are dropped later,
    counted)."""
    texts = dataset[text_column]
    if not texts:
        raise CourseInputError(f"The {split} data has no rows: the file holds a header but no data.")
    missing = [i for i, text in enumerate(texts)
               if text is None or (isinstance(text, str) and not text.strip())]
    if len(missing) == len(texts):
        raise CourseInputError(
            f"Column {text_column!r} ({split}) is empty in all {len(texts)} rows. "
            "Check that text_column names the column that holds the texts, and that the file holds them."
        )
    kinds = sorted({type(text).__name__ for text in texts if text is not None and not isinstance(text, str)})
    if kinds:
        count = sum(text is not None and not isinstance(text, str) for text in texts)
        raise CourseInputError(
            f"Column {text_column!r} ({split}) holds {', '.join(kinds)} values "
            f"in {count} of {len(texts)} rows, not text. "
            "Set text_column to the column that holds the texts (or put those values in quotes)."
        )


def check_label_column(dataset, label_column: str, split: str = "train") -> None:
    """Every row needs a label, and labels are words or whole numbers (class ids), not decimals."""
    labels = dataset[label_column]
    missing = [i for i, label in enumerate(labels)
               if label is None or (isinstance(label, str) and not label.strip())]
    if missing:
        raise CourseInputError(
            f"Column {label_column!r} ({split}) has no label in {len(missing)} of {len(labels)} rows "
            f"({_rows(missing)}, counting data rows from 1). Fill in those labels, or delete the rows."
        )
    if any(isinstance(label, float) for label in labels):
        raise CourseInputError(
            f"Column {label_column!r} ({split}) holds decimal numbers "
            f"({', '.join(map(str, sorted(set(labels))[:5]))}). "
            "Labels must be words or whole numbers 0..k-1: "
            "convert them (pandas: df[col] = df[col].astype(int)) and save the file again."
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


def check_labels(dataset, label_column: str, names: list[str], split: str = "train") -> None:
    """Every label must be one of `names` (the training split's), and there must be at least two classes."""
    if len(names) < 2:
        raise CourseInputError(
            f"Column {label_column!r} holds only one class ({names}); a classifier needs at least two."
        )
    counts = Counter(dataset[label_column])
    allowed = set(names) if any(isinstance(v, str) for v in counts) else set(range(len(names)))
    unknown = sorted((str(v), n) for v, n in counts.items() if v not in allowed)
    if unknown:
        listed = ", ".join(f"{value!r} ({n} row{'s' if n > 1 else ''})" for value, n in unknown[:10])
        raise CourseInputError(
            f"The {split} split has labels outside the label set of the training split, {names}: {listed}. "
            "A model can only predict labels it trained on: fix those rows, or check that train and test use "
            "the same label names."
        )


def encode_labels(dataset_dict, label_column: str, names: list[str]):
    """Labels as class ids 0..k-1 with their names attached (a `ClassLabel`), whether given as text or ids."""
    from datasets import ClassLabel

    first_split = next(iter(dataset_dict.values()))
    if isinstance(first_split.features[label_column], ClassLabel):
        return dataset_dict
    if any(isinstance(v, str) for v in first_split.unique(label_column)):
        index = {name: i for i, name in enumerate(names)}
        dataset_dict = dataset_dict.map(
            lambda batch: {label_column: [index[str(v)] for v in batch[label_column]]},
            batched=True,
        )
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
                f"{hub_name(starts_sentence=True)} has no dataset {source.path!r} ({reason}). Check "
                "dataset_name, and that the mirror in HF_ENDPOINT, if you use one, serves it; or use profile "
                "'offline', which needs no Hub."
            ) from err
        if source.data_files is None and is_network_error(err):
            raise CourseInputError(
                f"Could not download the dataset {source.path!r} from {hub_name()}: {reason}. "
                "Check the network connection (or HF_ENDPOINT, if you use a mirror) and run again, "
                "or use profile 'offline', which needs no Hub."
            ) from err
        where = ", ".join(source.data_files.values()) if source.data_files else source.path
        raise CourseInputError(
            f"Could not read the data from {where} as {source.path!r}: {reason}. "
            "Check that the file is a valid CSV (with a header row), JSON Lines (one object per line) "
            "or Parquet file, and that its name ends in the matching suffix."
        ) from err


# An exception defined in one of these packages is a failure to reach a server.
NETWORK_PACKAGES = ("requests", "urllib3", "httpx", "huggingface_hub")


def is_network_error(err: BaseException) -> bool:
    """Whether an exception (or one it was raised from) is a failure to reach a server, not a broken file."""
    while err is not None:
        root = type(err).__module__.split(".")[0]
        if isinstance(err, (ConnectionError, TimeoutError)) or root in NETWORK_PACKAGES:
            return True
        err = err.__cause__ or err.__context__
    return False


def drop_empty_texts(dataset_dict, text_column: str):
    """Drop rows whose text is missing or only whitespace (the notebook prints the counts)."""
    kept = dataset_dict.filter(lambda batch: [bool((t or "").strip()) for t in batch[text_column]],
                               batched=True)
    for split in dataset_dict:
        if kept[split].num_rows == 0:
            raise CourseInputError(
                f"No rows are left in the {split} split after dropping empty texts. Check that "
                f"text_column={text_column!r} names the column that holds the text."
            )
    return kept


def cap_size(wanted: int, available: int, name: str) -> int:
    """Sizes larger than the data are capped, not refused; the notebook prints the size asked and the size
    used. (`name`, the parameter's name, is kept for the callers that pass it.)"""
    return min(wanted, available)


def check_and_prepare(raw, settings: Settings):
    """The loaded data made safe for every step: (dataset_dict, label_names).

    Checks the columns and labels, turns labels into class ids with names, and gives a single
    file a test split (SINGLE_FILE_TEST_SHARE of it, stratified by label, seeded), as
    `dataset_source`'s note says.
    """
    for split, dataset in raw.items():
        check_columns(dataset, settings.text_column, settings.label_column, split)
        check_text_column(dataset, settings.text_column, split)
        check_label_column(dataset, settings.label_column, split)
    names = label_names(raw["train"] if "train" in raw else next(iter(raw.values())), settings.label_column)
    for split in raw:
        check_labels(raw[split], settings.label_column, names, split)
    raw = encode_labels(raw, settings.label_column, names)
    if "test" not in raw:
        rarest, count = min(Counter(raw["train"][settings.label_column]).items(), key=lambda item: item[1])
        if count < 2:
            raise CourseInputError(
                f"Too few rows to set a test split aside: label {names[rarest]!r} has {count} row, and a "
                "stratified split needs at least 2 of each label (better, dozens). "
                "Add rows, or give a folder with separate train and test files."
            )
        raw = raw["train"].train_test_split(test_size=SINGLE_FILE_TEST_SHARE, seed=settings.seed,
                                            stratify_by_column=settings.label_column)
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


def about_the_data(settings: Settings) -> str:
    """The key of step 3's note (messages.py) on what this run's data is: the course's own tweets, which come
    with an answer key; the guide's real tweets; or any other data, which only its maker can describe."""
    if settings.dataset_name == SHIPPED_DATASET:
        return "data_about_course"
    return "data_about_guide" if settings.dataset_name == GUIDE_DATASET else "data_about_other"


def demo_texts(label_names: list[str], test_texts) -> list[str]:
    """Texts to try a saved model on: new tweets for the sentiment labels; for labels of a task of one's own,
    the first texts of its test subset stand in for new ones."""
    own_task = sorted(label_names) != SENTIMENT_LABELS
    return list(test_texts[:len(DEMO_TWEETS)]) if own_task else list(DEMO_TWEETS)
