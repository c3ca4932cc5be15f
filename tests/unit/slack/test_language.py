"""Choosing each reader's language without ever delaying an acknowledgement."""

from __future__ import annotations

import threading
import time

from bot.load import AnswerLoad
from bot.slack.language import Languages


class LocaleDirectory:
    """A real fetch function over a dict, counting lookups and able to be slow or fail."""

    def __init__(self, locales: dict[str, str], delay: float = 0.0) -> None:
        self.locales = locales
        self.delay = delay
        self.lookups: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, user_id: str) -> str | None:
        with self.lock:
            self.lookups.append(user_id)
        time.sleep(self.delay)
        if user_id == "U0BROKEN":
            raise RuntimeError("users.info failed")
        return self.locales.get(user_id)


def test_a_german_locale_gets_german_and_is_looked_up_once() -> None:
    directory = LocaleDirectory({"U1": "de-DE"})
    languages = Languages(None, directory)
    assert languages.for_user("U1").language == "de"
    assert languages.for_user("U1").language == "de"
    assert directory.lookups == ["U1"]


def test_an_answer_that_cannot_wait_uses_the_workspace_language_and_warms_the_cache() -> None:
    directory = LocaleDirectory({"U1": "de-DE"}, delay=0.3)
    languages = Languages(None, directory)
    started = time.monotonic()
    assert languages.for_user("U1", wait=False).language == "en"
    assert time.monotonic() - started < 0.1  # did not wait for the lookup
    deadline = time.monotonic() + 3
    while languages.for_user("U1", wait=False).language != "de":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert directory.lookups == ["U1"]


def test_concurrent_answers_share_one_lookup() -> None:
    directory = LocaleDirectory({"U1": "de-AT"}, delay=0.2)
    languages = Languages(None, directory)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(languages.for_user("U1").language))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["de"] * 8
    assert directory.lookups == ["U1"]


def test_a_failed_lookup_falls_back_to_english_and_is_tried_again_later() -> None:
    directory = LocaleDirectory({})
    languages = Languages(None, directory)
    assert languages.for_user("U0BROKEN").language == "en"
    assert languages.for_user("U0BROKEN").language == "en"
    assert directory.lookups == ["U0BROKEN", "U0BROKEN"]


def test_a_fixed_workspace_language_never_looks_anything_up() -> None:
    directory = LocaleDirectory({"U1": "en-US"})
    languages = Languages("de", directory)
    assert languages.for_user("U1").language == "de"
    assert languages.channel.language == "de"
    assert directory.lookups == []


def test_known_never_looks_anything_up_and_uses_the_workspace_language_until_it_is_known() -> None:
    directory = LocaleDirectory({"U1": "de-DE"})
    languages = Languages(None, directory)
    assert languages.known("U1").language == "en"
    assert directory.lookups == []
    assert languages.for_user("U1").language == "de"
    assert languages.known("U1").language == "de"


def test_now_and_later_answers_at_once_and_hands_over_the_lookup_while_the_locale_is_unknown() -> (
    None
):
    directory = LocaleDirectory({"U1": "de-DE"}, delay=0.3)
    languages = Languages(None, directory)
    started = time.monotonic()
    now, later = languages.now_and_later("U1")
    assert now.language == "en" and time.monotonic() - started < 0.1
    assert later is not None and later.result(timeout=3).language == "de"
    # Known now: the German translator at once, nothing to wait for, no second lookup.
    now, later = languages.now_and_later("U1")
    assert now.language == "de" and later is None
    assert directory.lookups == ["U1"]


def test_now_and_later_with_a_fixed_language_has_nothing_to_wait_for() -> None:
    languages = Languages("de", LocaleDirectory({"U1": "en-US"}))
    now, later = languages.now_and_later("U1")
    assert now.language == "de" and later is None


def test_an_unhurried_lookup_waits_until_no_slack_request_is_being_answered() -> None:
    load = AnswerLoad(settle=0.01)
    directory = LocaleDirectory({"U1": "de-DE"})
    languages = Languages(None, directory, wait_until_calm=load.wait_until_calm)
    with load.answering():
        _, later = languages.now_and_later("U1", unhurried=True)
        time.sleep(0.2)
        assert directory.lookups == []  # a request is still being answered
    assert later is not None and later.result(timeout=3).language == "de"
    assert directory.lookups == ["U1"]


def test_a_lookup_someone_waits_for_does_not_wait_for_calm() -> None:
    load = AnswerLoad()
    languages = Languages(
        None, LocaleDirectory({"U1": "de-DE"}), wait_until_calm=load.wait_until_calm
    )
    with load.answering():
        started = time.monotonic()
        assert languages.for_user("U1", timeout=3).language == "de"
        assert time.monotonic() - started < 0.5


def test_a_text_answer_waiting_for_a_lookup_that_waits_for_calm_gets_the_locale_at_once() -> None:
    # `/sendid` then `/sendid help` from a new person: the help answer keeps the bot busy, so
    # the form's unhurried lookup would wait for calm until its wait ran out.
    load = AnswerLoad()
    directory = LocaleDirectory({"U1": "de-DE"})
    languages = Languages(None, directory, wait_until_calm=load.wait_until_calm)
    with load.answering():
        _, unhurried = languages.now_and_later("U1", unhurried=True)
        started = time.monotonic()
        assert languages.for_user("U1", timeout=3).language == "de"
        assert time.monotonic() - started < 0.5
    assert unhurried is not None and unhurried.result(timeout=3).language == "de"
    assert directory.lookups == ["U1"]  # the unhurried one found it known


def test_a_lookup_someone_waits_for_is_not_queued_behind_unhurried_ones() -> None:
    load = AnswerLoad()
    people = {f"U{i}": "de-DE" for i in range(10)}
    languages = Languages(None, LocaleDirectory(people), wait_until_calm=load.wait_until_calm)
    with load.answering():  # every unhurried lookup waits for calm, filling their threads
        for i in range(1, 10):
            languages.now_and_later(f"U{i}", unhurried=True)
        started = time.monotonic()
        assert languages.for_user("U0", timeout=3).language == "de"
        assert time.monotonic() - started < 0.5


def test_an_answer_that_does_not_wait_leaves_an_unhurried_lookup_unhurried() -> None:
    load = AnswerLoad()
    directory = LocaleDirectory({"U1": "de-DE"})
    languages = Languages(None, directory, wait_until_calm=load.wait_until_calm)
    with load.answering():
        languages.now_and_later("U1", unhurried=True)
        assert languages.for_user("U1", wait=False).language == "en"
        time.sleep(0.2)
        assert directory.lookups == []  # still waiting for the bot to be calm
