"""The message tables: every key in both editions, with the same placeholders, and `say` fills them."""

import string

import pytest

from finetune_course import messages


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_editions_hold_the_same_keys():
    assert set(messages.EN) == set(messages.ZH)


@pytest.mark.parametrize("key", sorted(messages.EN))
def test_a_message_has_the_same_placeholders_in_both_editions(key):
    assert placeholders(messages.EN[key]) == placeholders(messages.ZH[key])


def test_say_fills_the_placeholders_and_names_an_unknown_key(monkeypatch):
    monkeypatch.setitem(messages.EN, "test_note", "{count} tweets")
    monkeypatch.setitem(messages.ZH, "test_note", "{count} 条推文")
    assert messages.say("test_note", "en", count=3) == "3 tweets"
    assert messages.say("test_note", "zh", count=3) == "3 条推文"
    with pytest.raises(KeyError, match="no_such_key"):
        messages.say("no_such_key", "en")
    with pytest.raises(ValueError, match="fr"):
        messages.say("test_note", "fr", count=3)
