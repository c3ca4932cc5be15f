"""Whose requests the bot takes: its own Slack team, app and enterprise, read at start-up.

A signed request proves only that it came from Slack for this app's signing secret, which every
installation of the app shares (a second workspace, an Enterprise Grid org) and which reaches
people of other teams in a Slack Connect channel. :class:`OwnTeamOnly`, a global Bolt
middleware, lets through only what comes from the bot's own installation, acted on by a member
of its own team; anything else gets a private refusal and reaches no listener.

The rule, against :class:`BotIdentity` (``auth.test``, and ``bots.info`` for the app ID):

* ``api_app_id`` must be the bot's app;
* the enterprise (``enterprise.id`` / ``enterprise_id``) must be the bot's, or absent for both;
* a workspace installation (the manifest's only kind: ``org_deploy_enabled: false``) takes only
  its own team (``team.id`` / ``team_id``), never an org-wide installation's request, and only
  people whose own team (``user.team_id``, ``user_team_id``, where Slack sends it) is that team:
  a Slack Connect guest, or someone of another workspace of the same Grid org in a shared
  channel, is refused. An org-wide installation takes every team of its enterprise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.i18n import Msg, Translator
from bot.slack.views import ids

log = logging.getLogger("bot.slack")
# slack_sdk's WebhookClient logs a failed post as an error itself; `_respond` says it once.
_RESPONSE_URL_LOG = logging.getLogger("bot.slack.response_url")
_RESPONSE_URL_LOG.setLevel(logging.CRITICAL)

# What a refused request came from, by `BotIdentity.foreign`'s reason (for the log line).
_WHAT = {
    "app": "app",
    "enterprise": "enterprise",
    "team": "team or installation",
    "user_team": "team's member (Slack Connect or another workspace)",
}
# Where a refused form shows why (the first input of each of the bot's forms).
_FORM_ERROR_BLOCK = {ids.REQUEST_MODAL: ids.CAMPAIGN_BLOCK, ids.REJECT_MODAL: ids.REASON_BLOCK}


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is in Slack (``auth.test``; the app ID from ``bots.info``)."""

    team_id: str
    user_id: str
    bot_id: str
    app_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False

    def foreign(self, body: dict[str, Any], context: BoltContext) -> str | None:
        """Why a request is not the bot's own (``app``, ``enterprise``, ``team``, ``user_team``),
        or None. `context`: what Bolt read from the payload (team, enterprise, installation)."""
        if body.get("api_app_id") != self.app_id:
            return "app"
        if (context.enterprise_id or None) != self.enterprise_id:
            return "enterprise"
        if self.is_enterprise_install:
            return None  # every team of the enterprise
        if context.team_id != self.team_id or context.is_enterprise_install:
            return "team"
        user = body.get("user")
        user_team = user.get("team_id") if isinstance(user, dict) else None
        for own in (user_team, body.get("user_team_id")):
            if own is not None and own != self.team_id:
                return "user_team"
        return None


def read_identity(client: WebClient) -> BotIdentity:
    """The bot's identity from Slack (``auth.test``, ``bots.info``; needs ``users:read``).
    Raises slack_sdk's SlackApiError when Slack refuses: start-up must not go on without it."""
    auth = client.auth_test()
    bot_id = str(auth.get("bot_id") or "")
    info = client.bots_info(bot=bot_id)
    bot = info.get("bot") or {}
    return BotIdentity(
        team_id=str(auth.get("team_id") or ""),
        user_id=str(auth.get("user_id") or ""),
        bot_id=bot_id,
        app_id=str(bot.get("app_id") or ""),
        enterprise_id=str(auth.get("enterprise_id") or "") or None,
        is_enterprise_install=auth.get("is_enterprise_install") is True,
    )


class OwnTeamOnly(Middleware):
    """A global Bolt middleware: a request that is not the bot's own (see the module) is
    answered with a private refusal in the reader's language, in the acknowledgement (a
    command, a form) or through the interaction's ``response_url`` (a click), and goes no
    further. `counted(reason)` is called for each; `translator(user_id)` never calls Slack."""

    def __init__(
        self,
        identity: BotIdentity,
        translator: Callable[[str], Translator],
        counted: Callable[[str], object] = lambda reason: None,
    ) -> None:
        self.identity = identity
        self._translator = translator
        self._counted = counted
        # Answers through response_url leave the acknowledgement's path: a slow one delays none.
        self._answers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="foreign")

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        context = req.context
        why = self.identity.foreign(body, context)
        if why is None:
            return next()
        self._counted("foreign")
        log.warning(
            "Slack request from another %s refused",
            _WHAT[why],
            extra={
                "team": str(context.team_id),
                "enterprise": str(context.enterprise_id),
                "app": str(body.get("api_app_id")),
                "user": str(context.user_id),
            },
        )
        text = self._translator(str(context.user_id or ""))(Msg.REFUSAL_FOREIGN)
        kind = body.get("type")
        if "command" in body:
            return _json({"response_type": "ephemeral", "text": text})
        if kind == "view_submission":
            view = body.get("view")
            form = view.get("callback_id") if isinstance(view, dict) else None
            block = _FORM_ERROR_BLOCK.get(form) if isinstance(form, str) else None
            if block is not None:
                return _json({"response_action": "errors", "errors": {block: text}})
        elif kind == "block_actions":
            url = body.get("response_url")
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                self._answers.submit(_respond, url, text)
        return BoltResponse(status=200, body="")


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )


def _respond(url: str, text: str) -> None:
    """Tell the clicker through the interaction's response_url (slack_sdk's WebhookClient, which
    logs its own failures to a logger of ours that keeps them quiet: this warning says it)."""
    try:
        answer = WebhookClient(url, timeout=5, logger=_RESPONSE_URL_LOG).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        if answer.status_code != 200:
            log.warning("refusal not delivered through response_url: HTTP %s", answer.status_code)
    except Exception as error:  # the refusal stands; only its explanation is lost
        log.warning("refusal not delivered through response_url: %s", type(error).__name__)
