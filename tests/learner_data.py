"""A learner's own tweet file, as the tests run the offline chain on it: not the course's shipped data.

The course's generator (tools/make_tweets.py) with another seed writes the tweets; then everything that
makes them the course's data is taken away or changed, as on a learner's file:
- no answer key (the hidden-facts files are not written);
- one CSV file with its own column names, `tweet` and `feeling`, and labels as words of its own;
- another label balance: positive the largest class, neutral the smallest;
- the character-level quirks of a real tweet export: backtick apostrophes, HTML entities, masked words.
"""

import csv
import random
from pathlib import Path

from conftest import load_script

SEED = 7
LABEL_WORDS = {0: "sad", 1: "meh", 2: "glad"}         # negative, neutral, positive
KEEP_SHARE = {0: 0.9, 1: 0.6, 2: 1.0}                  # of each class's rows: about 38% positive, 30% neutral
TEXT_COLUMN, LABEL_COLUMN = "tweet", "feeling"


def with_export_quirks(text: str, rng: random.Random) -> str:
    """One in five tweets as a careless export leaves them."""
    if rng.random() < 0.2:
        text = text.replace("'", "`")                   # typed on a phone, saved by an old tool
    if rng.random() < 0.2:
        text = text.replace("&", "&amp;").replace(" and ", " &amp; ")
    if rng.random() < 0.05:
        words = text.split()
        if words:
            words[rng.randrange(len(words))] = "****"  # a word the exporter masked
            text = " ".join(words)
    return text


def write_learner_csv(path: Path) -> dict[str, int]:
    """Write the file; return its label counts by word."""
    make_tweets = load_script("tools/make_tweets.py")
    rng = random.Random(SEED)
    rows = [row for rows, _facts in make_tweets.generate(seed=SEED).values() for row in rows]
    kept = [row for row in rows if rng.random() < KEEP_SHARE[row["label"]]]
    counts: dict[str, int] = {}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([TEXT_COLUMN, LABEL_COLUMN])
        for row in kept:
            word = LABEL_WORDS[row["label"]]
            writer.writerow([with_export_quirks(row["text"], rng), word])
            counts[word] = counts.get(word, 0) + 1
    return counts


def learner_params(folder: Path, sizes: Path) -> Path:
    """A parameters file for the learner's data, with the test sizes of `sizes`."""
    data = folder / "my_tweets.csv"
    write_learner_csv(data)
    params = folder / "my_task.yaml"
    params.write_text(sizes.read_text() + f"dataset_name: {data}\ntext_column: {TEXT_COLUMN}\n"
                      f"label_column: {LABEL_COLUMN}\n")
    return params
