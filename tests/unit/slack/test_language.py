"""Choosing each reader's language without ever delaying an acknowledgement."""

from __future__ import annotations

import threading
import time

from bot.slack.language import Languages


class LocaleDirectory:
    """A real fetch function over a dict, counting lookups; it answers once `gate` is open
    (open from the start unless `held`), and fails for U0BROKEN."""

    def __init__(self, locales: dict[str, str], *, held: bool = False) -> None:
        self.locales = locales
        self.gate = threading.Event()
        if not held:
            self.gate.set()
        self.lookups: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, user_id: str) -> str | None:
        with self.lock:
            self.lookups.append(user_id)
        self.gate.wait(10)
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
    directory = LocaleDirectory({"U1": "de-DE"}, held=True)
    languages = Languages(None, directory)
    assert languages.for_user("U1", wait=False).language == "en"  # the lookup is held
    directory.gate.set()
    deadline = time.monotonic() + 3
    while languages.for_user("U1", wait=False).language != "de":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert directory.lookups == ["U1"]


def test_concurrent_answers_share_one_lookup() -> None:
    directory = LocaleDirectory({"U1": "de-AT"}, held=True)
    languages = Languages(None, directory)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(languages.for_user("U1").language))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    directory.gate.set()
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
    directory = LocaleDirectory({"U1": "de-DE"}, held=True)
    languages = Languages(None, directory)
    now, later = languages.now_and_later("U1")  # the lookup is held: answered without it
    assert now.language == "en"
    directory.gate.set()
    assert later is not None and later.result(timeout=3).language == "de"
    # Known now: the German translator at once, nothing to wait for, no second lookup.
    now, later = languages.now_and_later("U1")
    assert now.language == "de" and later is None
    assert directory.lookups == ["U1"]


def test_now_and_later_with_a_fixed_language_has_nothing_to_wait_for() -> None:
    languages = Languages("de", LocaleDirectory({"U1": "en-US"}))
    now, later = languages.now_and_later("U1")
    assert now.language == "de" and later is None
