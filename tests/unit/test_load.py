"""Work nobody waits for stands aside while the bot answers Slack, but never for long."""

from __future__ import annotations

import threading
import time

from bot.load import AnswerLoad


def test_with_nothing_being_answered_it_is_calm_after_the_settling_moment() -> None:
    load = AnswerLoad(settle=0.05)
    started = time.monotonic()
    assert load.wait_until_calm(longest=2.0) is True
    assert time.monotonic() - started < 1.0


def test_calm_comes_only_after_the_last_answer_is_out() -> None:
    load = AnswerLoad(settle=0.01)
    calm_at: list[float] = []
    answered_at: list[float] = []

    def answer(seconds: float) -> None:
        with load.answering():
            time.sleep(seconds)
        answered_at.append(time.monotonic())

    answering = [threading.Thread(target=answer, args=(s,)) for s in (0.1, 0.3)]
    for thread in answering:
        thread.start()
    time.sleep(0.02)
    assert load.in_progress == 2
    assert load.wait_until_calm(longest=5.0) is True
    calm_at.append(time.monotonic())
    for thread in answering:
        thread.join()
    assert load.in_progress == 0
    assert calm_at[0] >= max(answered_at) - 0.005
    # Woken when the last one ended, not at the end of the longest wait.
    assert calm_at[0] - max(answered_at) < 1.0


def test_a_bot_that_is_never_calm_lets_the_waiting_work_go_after_the_longest_wait() -> None:
    load = AnswerLoad()
    with load.answering():
        started = time.monotonic()
        assert load.wait_until_calm(longest=0.2) is False
        assert 0.2 <= time.monotonic() - started < 1.0


def test_an_answer_that_fails_still_counts_as_finished() -> None:
    load = AnswerLoad()
    try:
        with load.answering():
            raise RuntimeError("listener failed")
    except RuntimeError:
        pass
    assert load.in_progress == 0
