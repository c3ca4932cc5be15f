"""`python -m bot` sets aside what start-up built, so a full collection never walks it."""

from __future__ import annotations

import gc
import weakref

from bot.__main__ import set_aside_what_lives_forever


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_what_start_up_built_is_set_aside_and_its_garbage_freed_first() -> None:
    garbage = _Node()
    freed = weakref.ref(garbage)
    del garbage
    frozen_before = gc.get_freeze_count()
    try:
        set_aside_what_lives_forever()
        assert freed() is None  # collected, not set aside with the rest
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
