"""bot.domain.limits: how fast one person may submit forms, on an injected clock."""

from __future__ import annotations

import pytest

from bot.domain.limits import WINDOW_SECONDS, SubmissionRateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_person_may_submit_the_limit_in_a_minute_and_hears_when_to_try_again() -> None:
    clock = Clock()
    limit = SubmissionRateLimit(3, clock)
    assert [limit.admit("U1") for _ in range(3)] == [None, None, None]
    clock.now += 20
    assert limit.admit("U1") == 40  # the first submission leaves the window in 40 s
    clock.now += 39.5
    assert limit.admit("U1") == 1  # rounded up: never "try again in 0 s"
    clock.now += 0.5
    assert limit.admit("U1") is None


def test_a_refused_submission_does_not_extend_the_wait() -> None:
    clock = Clock()
    limit = SubmissionRateLimit(1, clock)
    assert limit.admit("U1") is None
    for _ in range(50):
        clock.now += 1
        assert limit.admit("U1") is not None
    clock.now = 1000.0 + WINDOW_SECONDS
    assert limit.admit("U1") is None


def test_one_persons_limit_never_holds_up_another() -> None:
    limit = SubmissionRateLimit(2, Clock())
    assert limit.admit("U1") is None and limit.admit("U1") is None
    assert limit.admit("U1") is not None
    assert limit.admit("U2") is None


def test_people_idle_for_a_minute_are_forgotten() -> None:
    clock = Clock()
    limit = SubmissionRateLimit(1, clock)
    for n in range(3000):
        limit.admit(f"U{n}")
    clock.now += WINDOW_SECONDS
    limit.admit("U_LAST")
    limit.admit("U_LAST2")
    assert len(limit._seen) < 1100


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SubmissionRateLimit(0)
