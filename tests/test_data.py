"""The shipped dataset and the data sources: schema, balance, rough edges, and clear errors."""

import dataclasses
import json
import re
from collections import Counter

import pytest
from conftest import load_script
from datasets import Dataset, load_dataset

from finetune_course import CourseInputError, data, messages, resolve_settings

shipped_data = load_script("tools/make_tweets.py")    # the generator of the course's synthetic tweets


def shipped(split):
    return [json.loads(line) for line in (data.SHIPPED_FOLDER / f"{split}.jsonl").read_text().splitlines()]


def test_shipped_dataset_has_the_real_schema_and_size():
    rows = shipped("train") + shipped("test")
    assert len(rows) >= 1200
    names = {0: "negative", 1: "neutral", 2: "positive"}
    for row in rows:
        assert set(row) == {"id", "text", "label", "label_text"}
        assert names[row["label"]] == row["label_text"]
    assert len({row["id"] for row in rows}) == len(rows)


@pytest.mark.parametrize("split", ["train", "test"])
def test_shipped_dataset_has_about_the_real_label_shares(split):
    rows = shipped(split)
    shares = {k: v / len(rows) for k, v in Counter(r["label_text"] for r in rows).items()}
    assert shares["neutral"] == pytest.approx(0.40, abs=0.03)
    assert shares["positive"] == pytest.approx(0.31, abs=0.03)
    assert shares["negative"] == pytest.approx(0.28, abs=0.03)


def test_shipped_dataset_has_the_real_datas_rough_edges():
    texts = [r["text"] for r in shipped("train")]
    assert sum(t == "" for t in texts) == 1
    for pattern in (r"https?://", r"@\w", r"#\w", r"^\s|\s$|\s\s", r"[\U0001F300-\U0001FAFF]"):
        assert sum(bool(re.search(pattern, t)) for t in texts) >= 20, pattern
    assert any(re.search(r"\bnot (bad|great|happy)\b", t.lower()) for t in texts)


def test_shipped_dataset_is_regenerated_byte_for_byte(tmp_path):
    shipped_data.write(tmp_path)
    for name in ("train.jsonl", "test.jsonl", "train_facts.jsonl", "test_facts.jsonl", "about.json"):
        assert (tmp_path / name).read_bytes() == (data.SHIPPED_FOLDER / name).read_bytes(), name


@pytest.mark.parametrize("split", ["train", "test"])
def test_shipped_facts_line_up_with_the_data(split):
    rows, facts = shipped(split), shipped_data.read_facts(split)
    assert [f["id"] for f in facts] == [r["id"] for r in rows]
    for row, fact in zip(rows, facts):
        assert set(fact) == {"id", "kind", "flipped", "written_as"}
        assert fact["kind"] in shipped_data.KINDS
        assert fact["written_as"] in (0, 1, 2)
        assert fact["flipped"] == (fact["written_as"] != row["label"])
    assert 0.05 <= sum(f["flipped"] for f in facts) / len(facts) <= 0.09


def test_every_kind_occurs_and_the_rough_edges_have_their_own_kinds():
    train = shipped_data.read_facts("train")
    assert {f["kind"] for f in train} == set(shipped_data.KINDS)
    texts = [r["text"] for r in shipped("train")]
    kinds = [f["kind"] for f in train]
    assert [k for t, k in zip(texts, kinds) if t == ""] == ["empty"]
    # Each copy comes after the row it copies and has the same text.
    for i, kind in enumerate(kinds):
        if kind == "duplicate":
            assert texts[i] in texts[:i]


def phrase_words(text):
    """Words without the roughening: @mentions, #tags, links, emoji and emoticons."""
    return re.findall(r"[a-z0-9']+", re.sub(r"@\w+|#\w+|https?://\S+|[:;>]\S*|<3", " ", text.lower()))


def test_no_phrase_repeats_across_the_shipped_texts():
    texts = [r["text"] for r in shipped("train")]
    counts = Counter()
    for text in texts:
        words = phrase_words(text)
        counts.update({" ".join(words[i:i + 4]) for i in range(len(words) - 3)})
    phrase, count = counts.most_common(1)[0]
    assert count / len(texts) <= 0.03, phrase


def test_shipped_texts_are_about_as_long_as_real_tweets():
    lengths = sorted(len(r["text"].split()) for r in shipped("train"))
    assert 8 <= sum(lengths) / len(lengths) <= 18
    assert lengths[int(0.99 * (len(lengths) - 1))] <= 35


# A sentence may not put a future time word next to a past-tense marker, nor a
# past time word next to a future marker ("tomorrow ... went", "yesterday ...
# gonna"). Sentences end at . ! ? … or a spaced dash; "ate my sandwich. dentist
# tomorrow" is two sentences and fine.
FUTURE_TIME = (r"\b(tomorrow|2moro|tonight|2nite|later|soon|next (week|month|weekend|year)|"
               r"this weekend|in an hour)\b")
PAST_MARKER = (r"\b(yesterday|last (night|week|weekend|month|year)|ago|earlier|"
               r"went|was|were|wasn't|weren't|had|did|didn't|got back|just got)\b")
PAST_TIME = r"\b(yesterday|last (night|week|weekend|month|year)|ago|earlier)\b"
FUTURE_MARKER = (r"\b(will|gonna|going to|can't wait|tomorrow|2moro|tonight|2nite|next week|later|soon)\b"
                 r"|'ll\b")


def contradicts_itself(text):
    for sentence in re.split(r"[.!?…]+|\s-\s", text.lower()):
        if re.search(FUTURE_TIME, sentence) and re.search(PAST_MARKER, sentence):
            return True
        if re.search(PAST_TIME, sentence) and re.search(FUTURE_MARKER, sentence):
            return True
    return False


def test_the_tense_check_catches_what_it_should():
    assert contradicts_itself("tomorrow Sam and i went to the gym")
    assert contradicts_itself("next week, just got back from uni")
    assert contradicts_itself("going to the lake yesterday lol")
    assert not contradicts_itself("missed the bus. dentist tomorrow")
    assert not contradicts_itself("the exam was hard but i passed")


@pytest.mark.parametrize("split", ["train", "test"])
def test_shipped_texts_keep_their_tenses_straight(split):
    bad = [r["text"] for r in shipped(split) if contradicts_itself(r["text"])]
    assert not bad, bad[:5]


def test_shipped_summary_reports_the_numbers_a_notebook_prints():
    numbers = shipped_data.summary()
    assert set(numbers) == {"train", "test"} and numbers["train"]["rows"] == len(shipped("train"))
    train = numbers["train"]
    assert 0.05 <= train["flipped_share"] <= 0.09
    assert set(train["kind_shares"]) == set(shipped_data.KINDS)
    assert len(train["top_4gram"].split()) == 4 and train["top_4gram_share"] <= 0.03


def test_shipped_source_loads_with_load_dataset(clean_env):
    source = data.dataset_source(resolve_settings("smoke"))
    raw = load_dataset(source.path, data_files=source.data_files)
    assert set(raw) == {"train", "test"} and raw["train"].num_rows == len(shipped("train"))


def test_local_csv_file_and_folder_sources(clean_env):
    (clean_env / "mine").mkdir()
    for split in ("train", "test"):
        (clean_env / "mine" / f"{split}.csv").write_text("text,label\nhello,a\nbye,b\n")
    one = data.dataset_source(resolve_settings("smoke", dataset_name=str(clean_env / "mine" / "train.csv")))
    assert one.path == "csv" and list(one.data_files) == ["train"]
    assert one.note == "train.csv: your file; a stratified 20% becomes the test split"
    both = data.dataset_source(resolve_settings("smoke", dataset_name=str(clean_env / "mine")))
    assert both.path == "csv" and set(both.data_files) == {"train", "test"}


def test_the_source_note_is_in_the_edition_and_names_the_noise_rate(clean_env):
    english = resolve_settings("smoke")
    expected = f"course-tweets: SYNTHETIC tweets, {data.NOISE_RATE:.0%} of labels flipped on purpose"
    assert data.dataset_source(english).note == expected
    chinese = data.dataset_source(dataclasses.replace(english, edition="zh")).note
    assert f"{data.NOISE_RATE:.0%}" in chinese and "合成推文" in chinese


def test_missing_data_file_is_a_clear_error(clean_env):
    with pytest.raises(CourseInputError, match="does not exist"):
        data.dataset_source(resolve_settings("smoke", dataset_name=str(clean_env / "nope.csv")))


def test_unknown_hub_dataset_offline_points_to_the_offline_profile(clean_env):
    with pytest.raises(CourseInputError, match="profile 'offline'"):
        data.dataset_source(resolve_settings("smoke", dataset_name="someone/some-dataset"))


def test_missing_column_lists_the_columns_that_exist():
    dataset = Dataset.from_dict({"tweet": ["a"], "label": [0]})
    with pytest.raises(CourseInputError, match=r"no column 'text'.*columns are: tweet, label"):
        data.check_columns(dataset, "text", "label")


def test_label_names_come_from_the_data():
    with_text = Dataset.from_dict({"label": [2, 0, 1], "label_text": ["positive", "negative", "neutral"]})
    assert data.label_names(with_text, "label") == ["negative", "neutral", "positive"]
    assert data.label_names(Dataset.from_dict({"label": ["spam", "ham", "spam"]}), "label") == ["ham", "spam"]
    with pytest.raises(CourseInputError, match="0, 1, ..., k-1"):
        data.label_names(Dataset.from_dict({"label": [1, 5]}), "label")


def test_labels_outside_the_set_or_a_single_class_are_refused():
    with pytest.raises(CourseInputError, match="outside the label set"):
        data.check_labels(Dataset.from_dict({"label": [0, 1, 3]}), "label", ["a", "b", "c"])
    with pytest.raises(CourseInputError, match="only one class"):
        data.check_labels(Dataset.from_dict({"label": [0, 0]}), "label", ["a"])


def test_sizes_larger_than_the_data_are_capped_and_the_helper_prints_nothing(capsys):
    assert data.cap_size(5000, 2399, "train_size") == 2399
    assert data.cap_size(10, 2399, "train_size") == 10
    assert capsys.readouterr().out == ""        # the notebook prints the size asked and the size used


def test_no_rows_left_after_dropping_empty_texts_is_a_clear_error():
    from datasets import DatasetDict
    empty = DatasetDict({"train": Dataset.from_dict({"text": ["", "  ", None], "label": [0, 1, 0]})})
    with pytest.raises(CourseInputError, match="No rows are left in the train split.*text_column='text'"):
        data.drop_empty_texts(empty, "text")


def test_unreadable_file_says_what_to_fix(clean_env):
    broken = clean_env / "broken.parquet"
    broken.write_text("this is not parquet")
    with pytest.raises(CourseInputError, match="broken.parquet is not a readable Parquet file"):
        data.dataset_source(resolve_settings("smoke", dataset_name=str(broken)))


def test_text_labels_become_class_ids_and_a_single_file_gets_a_stratified_test_split(clean_env):
    from datasets import DatasetDict
    rows = {"text": [f"t{i}" for i in range(50)],
            "label": ["spam" if i % 5 == 0 else "ham" for i in range(50)]}
    raw, names = data.check_and_prepare(DatasetDict({"train": Dataset.from_dict(rows)}),
                                        resolve_settings("smoke"))
    assert names == ["ham", "spam"] and set(raw) == {"train", "test"}
    assert raw["test"].num_rows == 10 and sorted(raw["test"]["label"]) == [0] * 8 + [1] * 2   # stratified


def test_the_package_reads_the_answer_key_the_generator_wrote():
    assert data.NOISE_RATE == shipped_data.NOISE_RATE and data.KINDS == shipped_data.KINDS
    assert data.read_facts("test") == shipped_data.read_facts("test")
    # the Chinese edition explains the same kinds (step 3's answer-key table prints the run's edition's)
    assert set(data.kinds_explained("zh")) == set(data.kinds_explained("en")) == set(data.KINDS)


def test_a_hub_failure_is_told_apart_from_a_broken_file():
    import requests
    hub = data.DataSource("some/dataset", None, "")
    with pytest.raises(CourseInputError,
                       match="Could not download the dataset 'some/dataset' from the Hugging Face Hub"):
        with data.explain_load_errors(hub):
            raise requests.ConnectionError("Max retries exceeded")
    local = data.DataSource("json", {"train": "x.jsonl"}, "")
    with pytest.raises(CourseInputError, match="valid CSV"):
        with data.explain_load_errors(local):
            raise ValueError("bad line")


def test_step_3_describes_the_data_that_runs(clean_env):
    """Only the course's own tweets are called synthetic (with their answer key); the guide's are described as
    its real tweets; anything else as data whose maker alone can say how it was labelled."""
    assert yaml_value("params/full.yaml", "dataset_name") == data.GUIDE_DATASET
    about = lambda name: data.about_the_data(resolve_settings("smoke", dataset_name=name))
    assert about(data.SHIPPED_DATASET) == "data_about_course"
    assert about(data.GUIDE_DATASET) == "data_about_guide"
    assert about(str(clean_env / "mine.csv")) == about("someone/some-dataset") == "data_about_other"
    for key in ("data_about_guide", "data_about_other"):
        for edition in ("en", "zh"):
            text = messages.say(key, edition, rate=data.NOISE_RATE).lower()
            assert not [word for word in ("synthetic", "answer key", "flipped", "合成", "答案表", "翻转")
                        if word in text], (key, edition)


def yaml_value(path: str, name: str):
    import yaml
    from conftest import ROOT
    return yaml.safe_load((ROOT / path).read_text())[name]
