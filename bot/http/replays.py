"""The replay memory's contract: signatures of Slack requests already answered.

Only verified signatures are remembered (the endpoint checks them first), before the request is
acted on, in the database every replica shares (:mod:`bot.store.signatures`): a replay is
refused by any replica and after restarts, for as long as Slack's window lets it through. A
request answered with a 5xx is forgotten again, so that Slack's own retry gets through.
"""

from __future__ import annotations

from typing import Final, Protocol

# Slack refuses requests older than this; a replay can only matter inside it.
REPLAY_WINDOW_SECONDS: Final = 5 * 60


class SignatureLedger(Protocol):
    """Where answered signatures are kept for every replica (the store)."""

    def remember_signature(self, signature: str, request_timestamp: int) -> bool:
        """Keep `signature`; False if it was kept already (a replay)."""
        ...

    def forget_signature(self, signature: str) -> None: ...
