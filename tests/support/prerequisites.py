"""What a test needs from the machine (PostgreSQL, Docker, kubectl, ../shared): without it the
test skips and says why; where a ``SENDID_REQUIRE_*=1`` variable says it must run (CI), it fails
instead, so nothing is skipped silently there."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def fail_if_required(reason: str, require_env: str) -> None:
    """Fail the test because of `reason` if `require_env` is 1."""
    if os.environ.get(require_env) == "1":
        pytest.fail(f"{reason} (and {require_env}=1)")


def skip_unless_required(reason: str, require_env: str) -> NoReturn:
    """Skip the test because of `reason`; fail it if `require_env` is 1."""
    fail_if_required(reason, require_env)
    pytest.skip(reason)
