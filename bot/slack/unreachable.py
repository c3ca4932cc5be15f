"""What people are told when the bot cannot reach its database before it has done anything.

The HTTP endpoint remembers every request's signature in the database before Bolt sees it (the
replay memory). When that write fails, nothing of the request has run, so "nothing was changed"
is known to be true, and Slack gets a 200 with that said to the person (never a 5xx, which Slack
shows as "dispatch_failed"):

* a slash command: an ephemeral answer in the HTTP response body;
* a button click: the empty acknowledgement, then an ephemeral message (a DM where the click
  has no channel) from a small pool of its own, so the acknowledgement waits for no Slack call;
* a form submission: the message under the form's first input, the form stays open.

Anything else (Events API callbacks) gets no answer here: the endpoint answers 503 and Slack
delivers it again later.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltResponse

from bot.i18n import Msg, Translator
from bot.slack.actor import Actor
from bot.slack.language import Languages
from bot.slack.messenger import Messenger

log = logging.getLogger("bot.slack")

# Telling clickers runs here: a few threads are plenty while the database is away.
TELL_THREADS = 2


class DatabaseUnreachable:
    """Answers a verified Slack request the bot could not remember (its database is down)."""

    def __init__(self, messenger: Messenger, languages: Languages) -> None:
        self._messenger = messenger
        self._languages = languages
        self._pool = ThreadPoolExecutor(max_workers=TELL_THREADS, thread_name_prefix="db-down")

    def answer(self, body: dict[str, Any]) -> BoltResponse | None:
        """The answer to `body` (parsed as Bolt reads it), or None where there is none to give."""
        if "command" in body:
            t = self._languages.known(str(body.get("user_id") or ""))
            return BoltResponse(
                status=200, body={"response_type": "ephemeral", "text": t(Msg.DATABASE_DOWN)}
            )
        kind = body.get("type")
        if kind == "block_actions":
            actor = Actor.from_body(body)
            if actor.user_id:
                self._pool.submit(self._tell, actor)
            return BoltResponse(status=200, body="")
        if kind == "view_submission":
            user = body.get("user") or {}
            t = self._languages.known(str(user.get("id") or "") if isinstance(user, dict) else "")
            block = _first_input(body.get("view"))
            if block is not None:
                errors = {block: t(Msg.DATABASE_DOWN)}
                return BoltResponse(
                    status=200, body={"response_action": "errors", "errors": errors}
                )
        return None

    def _tell(self, actor: Actor) -> None:
        t: Translator = self._languages.known(actor.user_id)
        try:
            self._messenger.tell(actor, t(Msg.DATABASE_DOWN))
        except Exception:  # Slack too: the acknowledgement was all there was to give
            log.exception("could not tell a clicker the database is unreachable")

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _first_input(view: object) -> str | None:
    """The block ID of the form's first input (where an inline error can show)."""
    if not isinstance(view, dict):
        return None
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None
