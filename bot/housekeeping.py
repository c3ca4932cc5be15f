"""Housekeeping: the background jobs that keep every request moving, and their scheduler.

Every job is safe to run in all replicas at once: the service hands out each piece of work
atomically (a transition, a reminder claim, an unshown-card claim), so exactly one replica acts.
A job that fails is logged with its name and traceback and tried again next round; it never
stops the jobs after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.domain.models import SendIdRequest
from bot.slack.context import BotContext
from bot.slack.messenger import CardGone
from bot.slack.views import replies

log = logging.getLogger("bot.housekeeping")

# Longer than any Braze call can take (bounded timeouts and retries), so a claim this old was
# interrupted by a crash rather than still in flight in another replica.
STALE_CLAIM = timedelta(minutes=2)

# A decided request whose reply is still missing after this was lost (crash, Slack outage).
LOST_REPLY_AFTER = timedelta(seconds=30)

# A pending request with no card this long after it was stored lost its card to a crash (the bot
# stopped between storing it and posting the card). Longer than the card post itself can take
# with the Slack client's timeouts, retries and Retry-After waits, so as not to post it twice.
LOST_CARD_AFTER = timedelta(minutes=5)


# ---- the jobs -----------------------------------------------------------------------------------


def recover_interrupted_approvals(ctx: BotContext, older_than: timedelta = STALE_CLAIM) -> int:
    """Finish approvals a crash interrupted: failed as outcome unknown where Braze was called,
    back to approvable where it was not; said on the card and in the thread."""
    recovered = ctx.service.recover_stale_approvals(older_than)
    for request, braze_called in recovered:
        if braze_called:
            _settle_quietly(ctx, request)
        else:
            ctx.show_undone(request)
    return len(recovered)


def expire_overdue(ctx: BotContext) -> int:
    """Expire every overdue pending request and say so on its card and in its thread."""
    expired = ctx.service.expire_due()
    for request in expired:
        _settle_quietly(ctx, request)
    return len(expired)


def remind_at_half_ttl(ctx: BotContext) -> int:
    """One thread reply per request pending for half its time to live, naming its approvers
    who have not approved yet."""
    due = ctx.service.take_due_reminders()
    for request in due:
        approvers = ctx.notifier.still_to_approve(request)
        text = replies.reminder_reply(
            ctx.languages.for_request(request),
            request,
            sorted(approvers.user_ids),
            sorted(approvers.group_ids),
        )
        try:
            ctx.messenger.reply(request, text)
        except (SlackApiError, CardGone):
            log.exception("reminder not posted", extra={"request_id": request.id})
    return len(due)


def announce_quota_back(ctx: BotContext) -> int:
    """Once a Braze workspace's quota is back, say so once in the thread of every request that
    failed on it, mentioning its approvers, with the Retry the failure reply did not offer.
    Per workspace: one that is still used up announces nothing, and holds up no other."""
    back = ctx.service.notices.take_quota_back(ctx.service.quota_exhausted)
    for request in back:
        text, blocks = replies.quota_back_reply(
            ctx.languages.for_request(request), request, ctx.notifier.retry_owner(request)
        )
        try:
            ctx.messenger.reply(request, text, blocks)
        except (SlackApiError, CardGone):
            # Claimed once across replicas so it is never posted twice; a refusal by Slack is
            # logged, not retried (the failure reply already said when the quota resets).
            log.exception("quota-back notice not posted", extra={"request_id": request.id})
    return len(back)


def repost_lost_replies(ctx: BotContext, older_than: timedelta = LOST_REPLY_AFTER) -> int:
    """Post thread replies that were never posted (the bot died, or Slack failed, in between);
    not one this process is still posting (a slow Slack)."""
    lost = ctx.service.lost_replies(older_than)
    for request in lost:
        try:
            ctx.settle_unannounced(request, ctx.service.quota(request.workspace))
        except SlackApiError:
            log.exception("reply not posted; will retry", extra={"request_id": request.id})
    return len(lost)


def post_lost_cards(
    ctx: BotContext, older_than: timedelta = LOST_CARD_AFTER, lease: timedelta | None = None
) -> int:
    """Post the cards of requests stored just before the bot stopped (nobody has seen them).
    A post someone claimed less than `lease` ago (default: `older_than`) is theirs."""
    taken = ctx.service.take_unshown(older_than)
    for request in taken:
        try:
            # "refused": the requester was told in a DM; "elsewhere": someone else is posting
            # it (a Post again click, another replica), so it is not posted twice.
            if ctx.show_card(request, lease if lease is not None else older_than) == "elsewhere":
                ctx.service.give_back_unshown(request.id)
        except SlackApiError:
            log.exception("card not posted; will retry", extra={"request_id": request.id})
            ctx.service.give_back_unshown(request.id)
    return len(taken)


def finish_workflow_steps(ctx: BotContext, grace: timedelta = LOST_REPLY_AFTER) -> int:
    """Finish the Workflow Builder steps of requests that ended while nobody finished them (a
    crash or restart in between, Slack refusing): once their reply is posted, or `grace` after
    they ended without it."""
    if ctx.steps is None:
        return 0
    ended = ctx.service.steps_to_finish(grace)
    for request in ended:
        ctx.steps.finish_quietly(request)
    return len(ended)


def forget_ended(ctx: BotContext, retention: timedelta) -> int:
    """Delete what ended longer than `retention` ago, its audit trail logged first."""
    return ctx.service.forget_ended(retention)


def _settle_quietly(ctx: BotContext, request: SendIdRequest) -> None:
    # One request's Slack failure must not stop the job; the next round tries again.
    try:
        ctx.settle(request, ctx.service.quota(request.workspace))
    except SlackApiError:
        log.exception("reply not posted; will retry", extra={"request_id": request.id})


# ---- scheduling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]


def housekeeping_jobs(
    ctx: BotContext,
    *,
    stale_claim: timedelta = STALE_CLAIM,
    lost_reply_after: timedelta = LOST_REPLY_AFTER,
    lost_card_after: timedelta = LOST_CARD_AFTER,
    forget_old_signatures: Callable[[], object] | None = None,
    retention: timedelta | None = None,
) -> list[Job]:
    """The bot's jobs, in the order a round runs them: settle what a crash left in flight
    before expiring, remind before re-posting, cards last; then (HTTP mode) forget the Slack
    signatures that have left Slack's replay window, and (with SENDID_RETENTION_DAYS) delete
    the requests past the retention period."""
    last = (
        [Job("forget Slack signatures past the replay window", forget_old_signatures)]
        if forget_old_signatures is not None
        else []
    )
    if retention is not None:
        last.append(
            Job("delete requests past the retention period", lambda: forget_ended(ctx, retention))
        )
    return [
        Job(
            "recover interrupted approvals",
            lambda: recover_interrupted_approvals(ctx, stale_claim),
        ),
        Job("expire overdue requests", lambda: expire_overdue(ctx)),
        Job("remind approvers at half time to live", lambda: remind_at_half_ttl(ctx)),
        Job("announce the quota is back", lambda: announce_quota_back(ctx)),
        Job("re-post lost replies", lambda: repost_lost_replies(ctx, lost_reply_after)),
        Job("post lost cards", lambda: post_lost_cards(ctx, lost_card_after)),
        Job("finish workflow steps", lambda: finish_workflow_steps(ctx, lost_reply_after)),
        *last,
    ]


def interval_for(ttl: timedelta) -> float:
    """Seconds between rounds: often enough that a card never looks open long after it expired,
    and cheap either way."""
    return max(0.2, min(60.0, ttl.total_seconds() / 20))


class Scheduler:
    """Runs its jobs one after the other every `interval` seconds, on one background thread."""

    def __init__(self, jobs: Sequence[Job], interval: float) -> None:
        self.jobs = tuple(jobs)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)

    def run_once(self) -> list[str]:
        """One round of every job; returns the names of those that failed (each logged)."""
        failed = []
        for job in self.jobs:
            try:
                job.run()
            except Exception:
                # Keep going: a database hiccup in one job must not stop the others, nor
                # housekeeping for good.
                log.exception("housekeeping job %r failed", job.name, extra={"job": job.name})
                failed.append(job.name)
        return failed

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()
