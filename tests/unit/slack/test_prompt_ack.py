"""`PromptAck`: the request's thread waits for the acknowledgement instead of polling for it."""

from __future__ import annotations

import threading
import time

from slack_bolt.response import BoltResponse

from bot.slack.prompt_ack import PromptAck


def test_the_request_thread_reads_the_answer_as_soon_as_another_thread_acknowledges() -> None:
    ack = PromptAck()
    acknowledged_at: list[float] = []

    def listener() -> None:
        time.sleep(0.05)
        acknowledged_at.append(time.monotonic())
        ack(text="on its way")

    threading.Thread(target=listener).start()
    response = ack.response  # waits, in the thread that made it
    read_at = time.monotonic()
    assert isinstance(response, BoltResponse) and response.status == 200
    assert "on its way" in str(response.body)
    assert read_at - acknowledged_at[0] < 0.01  # not at a 10 ms poll


def test_other_threads_never_wait_for_it() -> None:
    ack = PromptAck()
    seen: list[BoltResponse | None] = []
    started = time.monotonic()
    reader = threading.Thread(target=lambda: seen.append(ack.response))
    reader.start()
    reader.join()
    assert seen == [None] and time.monotonic() - started < 0.5


def test_without_an_acknowledgement_the_wait_ends_at_the_deadline_and_is_not_repeated() -> None:
    ack = PromptAck(wait=0.1)
    started = time.monotonic()
    assert ack.response is None
    assert 0.09 < time.monotonic() - started < 1.0
    again = time.monotonic()
    assert ack.response is None and time.monotonic() - again < 0.05


def test_an_acknowledgement_before_the_read_is_there_at_once() -> None:
    ack = PromptAck()
    ack()
    started = time.monotonic()
    assert ack.response is not None and time.monotonic() - started < 0.05


def test_a_second_acknowledgement_replaces_the_answer_and_every_read_returns_at_once() -> None:
    ack = PromptAck()
    ack(text="first")
    assert "first" in str(ack.response.body if ack.response else "")
    ack(text="second")  # Bolt keeps the last; nothing is released twice
    for _ in range(3):
        started = time.monotonic()
        assert "second" in str(ack.response.body if ack.response else "")
        assert time.monotonic() - started < 0.05
