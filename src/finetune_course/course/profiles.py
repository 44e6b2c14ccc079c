"""Where a run's settings come from: the profile, the parameters file, the notebook's parameters, the Hub
probe.

How a value travels: the notebook's `parameters` cell (papermill may inject over it)
-> `resolve_settings(...)` -> the profile's YAML under `params/` fills what is unset, a parameters file
(COURSE_PARAMS) overrides it -> one `Settings` object, which every later cell reads. For `auto` one quick
request per repo asks the Hub (or the mirror in HF_ENDPOINT) whether it serves the model and the data, so
no notebook waits on the network later. Resolving changes no global state: it returns the settings.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace

from ..data import is_hub_dataset
from ..hub import HUB_ADDRESS, cached_snapshot, endpoint, env_true, hub_name
from ..models import is_hub_model
from ..params import (
    DEFAULT_PROFILE,
    PARAMETER_NAMES,
    CourseInputError,
    Settings,
    build_settings,
    check_known_names,
    load_profile,
    read_parameters_file,
)

HUB_PROBE_TIMEOUT_S = 5.0


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
    advice = ""
    if profile is not None:
        reason = "set by the `profile` parameter"
    elif os.environ.get("COURSE_PROFILE"):
        profile = os.environ["COURSE_PROFILE"]
        reason = os.environ.get("COURSE_PROFILE_REASON") or "set by the COURSE_PROFILE environment variable"
        advice = os.environ.get("COURSE_PROFILE_ADVICE", "")     # the chain's `auto` fell back, and why
    elif file_profile is not None:
        profile, reason = file_profile, f"set in {os.environ['COURSE_PARAMS']}"
    else:
        profile, reason = DEFAULT_PROFILE, "the default"

    if profile == DEFAULT_PROFILE:
        profile, auto_reason, hub_online = choose_auto_profile({**load_profile("full"), **given})
        reason = f"auto chose it: {auto_reason}"
        advice = fallback_advice() if profile == "offline" else ""
    elif profile == "full" and os.environ.get("COURSE_HUB_ONLINE") in ("0", "1"):
        hub_online = os.environ["COURSE_HUB_ONLINE"] == "1"   # the chain probed once for all its notebooks
    elif profile == "full":
        hub_online = _check_full_profile_can_run({**load_profile("full"), **given})
    else:
        hub_online = False
    settings = build_settings(profile, reason, {**load_profile(profile), **given}, hub_online, advice)
    parameters_file = os.environ.get("COURSE_PARAMS")
    if parameters_file:                             # say where the values over the profile's came from
        settings = replace(settings, description=f"{settings.description}; from {parameters_file}")
    return settings


def parameters_file_from_env() -> dict:
    path = os.environ.get("COURSE_PARAMS")
    return read_parameters_file(path) if path else {}


class HubUnreachableError(CourseInputError):
    """The `full` profile needs the Hugging Face Hub (or its local cache), and neither can serve."""


# --- Deciding `auto`, and keeping `full` from hanging --------------------------------------

@dataclass(frozen=True)
class HubAnswer:
    """What one quick round of requests to the Hub (or the mirror in HF_ENDPOINT) found."""
    answered: bool                  # the server answered over HTTP at all
    missing: tuple[str, ...]        # repos it answered "not found" for, e.g. "dataset 'x/y' (HTTP 404)"
    detail: str                     # for the learner: what happened, and how long it took


def hub_repos(values: dict) -> list[tuple[str, str]]:
    """The (kind, id) pairs this run would download: its model and dataset, unless they are local."""
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
        return "cache", (f"{hub_name()} is unreachable ({answer.detail}), "
                         f"but {_describe(repos)} are in the local cache")
    return "nowhere", (f"{hub_name()} is unreachable ({answer.detail}) and the local cache does not hold "
                       f"{_describe(uncached)} complete")


def choose_auto_profile(values: dict) -> tuple[str, str, bool]:
    """(profile, why, hub_online): `full` where the Hub serves the model and data or the cache holds them."""
    source, why = where_full_comes_from(values)
    return ("offline" if source == "nowhere" else "full"), why, source == "hub"


def fallback_advice() -> str:
    """Where `auto` fell back to `offline`, the key of the banner's line (messages.py) that says how to reach
    the Hub: unset HF_HUB_OFFLINE; check the mirror in HF_ENDPOINT; or, with none set, set one."""
    if env_true("HF_HUB_OFFLINE"):
        return "fallback_hub_offline"
    return "fallback_mirror_unreachable" if endpoint() != HUB_ADDRESS else "fallback_no_mirror"


def _check_full_profile_can_run(values: dict) -> bool:
    """Whether this `full` run may use the Hub (True) or must use the cache (False); an error if neither
    serves."""
    source, why = where_full_comes_from(values)
    if source == "nowhere":
        raise HubUnreachableError(
            f"Profile 'full' cannot run: {why}. "
            "Use profile 'offline' (no Hub at all) or 'auto' (picks offline by itself); "
            "or connect to the internet, or set HF_ENDPOINT to a Hub mirror you can reach, and run again."
        )
    return source == "hub"


def _missing_repos_error(answer: HubAnswer) -> CourseInputError:
    return CourseInputError(
        f"{hub_name(starts_sentence=True)} answered, but has no {' and no '.join(answer.missing)}. "
        "Check model_name and dataset_name (a Hub id such as 'gpt2' or 'mteb/tweet_sentiment_extraction', "
        "or a local path), and that the mirror in HF_ENDPOINT, if you use one, serves them. "
        "A private or gated repo also needs a token (`hf auth login`, or HF_TOKEN)."
    )


def probe_hub(repos: list[tuple[str, str]], timeout: float = HUB_PROBE_TIMEOUT_S) -> HubAnswer:
    """One quick request per repo, side by side, all bounded in time even where name lookup hangs."""
    if env_true("HF_HUB_OFFLINE"):
        return HubAnswer(False, (), "HF_HUB_OFFLINE is set")
    address = endpoint()
    token = os.environ.get("HF_TOKEN")
    answers: dict = {}

    def ask(kind: str, repo_id: str) -> None:
        request = urllib.request.Request(f"{address}/api/{kind}s/{repo_id}")
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
        first = failures[0]
        return HubAnswer(False, (), f"{first if isinstance(first, str) else f'HTTP {first}'}, {took}")
    missing = tuple(f"{kind} {repo_id!r} (HTTP {code})"
                    for (kind, repo_id), code in answers.items() if code != 200)
    return HubAnswer(True, missing, f"HTTP {', '.join(str(code) for code in answers.values())}, {took}")


