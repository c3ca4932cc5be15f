"""The running bot: store, Braze client, Bolt app, HTTP server or Socket Mode, expiry sweeper."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.braze import BrazeClient, RetryPolicy
from bot.domain.models import SendIdRequest
from bot.domain.policy_file import EMPTY_POLICY_FILE, PolicyFile, load_policy_file
from bot.domain.service import SendIdService
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.app import build_app
from bot.slack.context import BotContext
from bot.store import Store
from bot.web import HttpServer, WebApp

log = logging.getLogger("bot.runtime")


# A decided request whose reply is still missing after this was lost (crash, Slack outage).
LOST_REPLY_AFTER = timedelta(seconds=30)
# A pending request with no card this long after it was stored lost its card to a crash (the bot
# stopped between storing it and posting the card). Longer than the card post itself can take
# with the Slack client's timeouts, retries and Retry-After waits, so as not to post it twice.
LOST_CARD_AFTER = timedelta(minutes=5)

# Longer than any Braze call can take (bounded timeouts and retries), so a claim this old was
# interrupted by a crash rather than still in flight in another replica.
STALE_CLAIM = timedelta(minutes=2)


def recover_and_announce(ctx: BotContext, older_than: timedelta = STALE_CLAIM) -> int:
    """Finish approvals a crash interrupted: failed as outcome unknown, said in the thread."""
    recovered = ctx.service.recover_stale_approvals(older_than)
    for request in recovered:
        _settle_quietly(ctx, request)
    return len(recovered)


def remind_approvers(ctx: BotContext) -> int:
    """One thread reply per request pending for half its time to live, naming its approvers."""
    due = ctx.service.take_due_reminders()
    for request in due:
        approvers = ctx.policy.approvers_for(request.channel_id)
        text = blocks.reminder_reply(
            ctx.languages.channel,
            request,
            sorted(approvers.user_ids - {request.requester_id}),
            sorted(approvers.group_ids),
        )
        try:
            ctx.messenger.reply(request, text)
        except SlackApiError:
            log.exception("reminder not posted", extra={"request_id": request.id})
    return len(due)


def expire_and_announce(ctx: BotContext) -> int:
    """Expire every overdue pending request and say so on its card and in its thread."""
    expired = ctx.service.expire_due()
    for request in expired:
        _settle_quietly(ctx, request)
    return len(expired)


def announce_lost_replies(ctx: BotContext, older_than: timedelta = LOST_REPLY_AFTER) -> int:
    """Post thread replies that were never posted (the bot died, or Slack failed, in between)."""
    lost = ctx.service.lost_replies(older_than)
    for request in lost:
        _settle_quietly(ctx, request)
    return len(lost)


def show_lost_cards(ctx: BotContext, older_than: timedelta = LOST_CARD_AFTER) -> int:
    """Post the cards of requests stored just before the bot stopped (nobody has seen them)."""
    taken = ctx.service.take_unshown(older_than)
    for request in taken:
        try:
            ctx.show_card(request)  # None: the requester was told in a DM
        except SlackApiError:
            log.exception("card not posted; will retry", extra={"request_id": request.id})
            ctx.service.give_back_unshown(request.id)
    return len(taken)


def _settle_quietly(ctx: BotContext, request: SendIdRequest) -> None:
    # One request's Slack failure must not stop the sweep; the next sweep tries again.
    try:
        ctx.settle(request, ctx.service.quota())
    except SlackApiError:
        log.exception("reply not posted; will retry", extra={"request_id": request.id})


class ExpirySweeper:
    """Background housekeeping: expire overdue requests, recover interrupted approvals."""

    def __init__(
        self,
        ctx: BotContext,
        interval: float,
        stale_claim: timedelta = STALE_CLAIM,
        lost_reply_after: timedelta = LOST_REPLY_AFTER,
        lost_card_after: timedelta = LOST_CARD_AFTER,
    ) -> None:
        self._ctx = ctx
        self._interval = interval
        self._stale_claim = stale_claim
        self._lost_reply_after = lost_reply_after
        self._lost_card_after = lost_card_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="expiry", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sweep()

    def sweep(self) -> None:
        try:
            recover_and_announce(self._ctx, self._stale_claim)
            expire_and_announce(self._ctx)
            remind_approvers(self._ctx)
            announce_lost_replies(self._ctx, self._lost_reply_after)
            show_lost_cards(self._ctx, self._lost_card_after)
        except Exception:
            # Keep sweeping: a database hiccup now must not stop expiry for good.
            log.exception("housekeeping sweep failed")


def sweep_interval(ttl: timedelta) -> float:
    # Often enough that a card never looks open long after it expired; cheap either way.
    return max(0.2, min(60.0, ttl.total_seconds() / 20))


def load_policy(settings: Settings) -> PolicyFile:
    """The per-channel policy file, or no per-channel rules. Raises PolicyFileError."""
    if settings.sendid_policy_file is None:
        return EMPTY_POLICY_FILE
    return load_policy_file(
        settings.sendid_policy_file, permitted_channels=settings.sendid_allowed_channels
    )


class BotRuntime:
    def __init__(
        self,
        settings: Settings,
        *,
        braze_timeout: httpx.Timeout | None = None,
        braze_retry: RetryPolicy | None = None,
        lost_reply_after: timedelta = LOST_REPLY_AFTER,
        lost_card_after: timedelta = LOST_CARD_AFTER,
        sweep_every: float | None = None,
    ) -> None:
        self.settings = settings
        # Checked before anything connects: a bad policy file stops start-up (exit 2).
        self.policy_file = load_policy(settings)
        self.store = Store(settings.sendid_database_url)
        self.metrics = Metrics(self.store)
        self.braze = BrazeClient(
            settings.braze_rest_endpoint,
            settings.braze_api_key.get_secret_value(),
            timeout=braze_timeout,
            retry=braze_retry or RetryPolicy(),
            observer=self.metrics.braze.observe,
        )
        ttl = timedelta(hours=settings.sendid_request_ttl_hours)
        self.service = SendIdService(
            self.store, self.braze, ttl=ttl, rules_for=self.policy_file.rules_for
        )
        self.app, self.ctx = build_app(settings, self.service, policy_file=self.policy_file)
        stale_claim = timedelta(seconds=settings.sendid_stale_claim_seconds)
        self.sweeper = ExpirySweeper(
            self.ctx,
            sweep_every or sweep_interval(ttl),
            stale_claim,
            lost_reply_after,
            lost_card_after=lost_card_after,
        )
        self.http: HttpServer | None = None
        self.socket_mode: SocketModeHandler | None = None

    def start(self, host: str = "0.0.0.0", port: int | None = None) -> BotRuntime:  # noqa: S104
        """Serve HTTP on PORT (Slack events only in HTTP mode; health in both) and connect."""
        # Before taking clicks: settle what a crash left in flight, expire what is overdue.
        self.sweeper.sweep()
        socket_mode = self.settings.socket_mode
        web = WebApp(
            None if socket_mode else self.app, ready=self.store.ping, metrics=self.metrics.render
        )
        self.http = HttpServer(web, host, self.settings.port if port is None else port).start()
        if socket_mode:
            assert self.settings.slack_app_token is not None
            self.socket_mode = SocketModeHandler(
                self.app,
                app_token=self.settings.slack_app_token.get_secret_value(),
                # apps.connections.open must go to SLACK_API_URL too (GovSlack, tests).
                web_client=WebClient(base_url=self.settings.slack_api_url),
            )
            self.socket_mode.connect()
        self.sweeper.start()
        log.info("started in %s mode", "Socket" if socket_mode else "HTTP")
        return self

    @property
    def port(self) -> int:
        assert self.http is not None
        return self.http.port

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.close()
        if self.http is not None:
            self.http.stop()
        self.sweeper.stop()
        # Let clicks already being handled (a Braze call in flight) finish and record their outcome.
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.braze.close()
        self.store.close()
        log.info("stopped")
