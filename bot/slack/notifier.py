"""Who is told what around a request, beyond its card: the people a failure names, the admins'
DM after a setup failure, and (see `at_request_time`) the approvers when a request arrives.

Names come from the policy: a channel's approvers, and the admins (SENDID_ADMINS, or the
channel's approvers where it is unset). A user group is mentioned as a group; where people get
a DM, a group's members get one each only up to `GROUP_DM_LIMIT`, beyond which the group is
mentioned instead, so one setting can never make the bot DM a whole company.

A DM about a request shows what its channel says, so it goes only to people who can read that
channel (a private channel: its members; unknown membership counts as none): an approver who is
not a member gets no DM, an admin who is not gets one that says what to fix and nothing of the
request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.domain import notify
from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.policy import USER_ID, ApproverSet, MembershipLookupError, Policy
from bot.domain.policy_file import EMPTY_POLICY_FILE, ChannelRules
from bot.domain.service import SendIdService
from bot.slack import mrkdwn as md
from bot.slack.language import Languages
from bot.slack.messenger import Messenger
from bot.slack.views import notices, replies
from bot.slack.views.card import status_line
from bot.slack.views.replies import Addressees

log = logging.getLogger("bot.slack")

# The most members of one user group that get a DM each; a larger group is mentioned.
GROUP_DM_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who gets a DM (people, groups expanded) and which groups are too large (or unreadable)
    for that, to be mentioned instead."""

    user_ids: tuple[str, ...]
    mentioned_groups: tuple[str, ...]
    # Left out of `user_ids` because they cannot read the request's channel (not members of a
    # private one), or because its members could not be read (`members_unknown`).
    outsiders: tuple[str, ...] = ()
    members_unknown: bool = False


class Notifier:
    def __init__(
        self,
        policy: Policy,
        messenger: Messenger,
        languages: Languages,
        service: SendIdService,
        key_variables: Mapping[str, str],
        rules_for: Callable[[str], ChannelRules] = EMPTY_POLICY_FILE.rules_for,
    ) -> None:
        self.policy = policy
        self.messenger = messenger
        self.languages = languages
        self.service = service
        # Each Braze workspace's key variable (a name, never the key), for the admins' DM.
        self.key_variables = dict(key_variables)
        # The channel's policy (its `notify`: how approvers are reached at request time).
        self.rules_for = rules_for

    # ---- who ------------------------------------------------------------------------------

    def deciders(self, request: SendIdRequest) -> ApproverSet:
        """The request's approvers, the requester left out unless they may approve their own."""
        approvers = self.policy.approvers_for(request.channel_id)
        if self.policy.allow_self_approval:
            return approvers
        return ApproverSet(approvers.user_ids - {request.requester_id}, approvers.group_ids)

    def still_to_approve(self, request: SendIdRequest) -> ApproverSet:
        """The deciders who have not approved yet (a user group stays: its members who did
        cannot be left out of a group mention, and a DM leaves them out below)."""
        deciders = self.deciders(request)
        return ApproverSet(deciders.user_ids - set(request.approvals), deciders.group_ids)

    def approver_mentions(self, request: SendIdRequest) -> str:
        return " ".join(self.approver_mention_list(request))

    def approver_mention_list(self, request: SendIdRequest) -> list[str]:
        """The request's deciders as mentions, people first."""
        approvers = self.deciders(request)
        return [md.user(u) for u in sorted(approvers.user_ids)] + [
            md.usergroup(g) for g in sorted(approvers.group_ids)
        ]

    def retry_owner(self, request: SendIdRequest) -> str:
        """Whom a failure reply names as owning the retry: the approver who retried it last, else
        who approved it (one person, not every approver); the approvers if neither is a person."""
        owner = request.retried_by or request.decided_by
        if owner and USER_ID.match(owner):
            return notices.mentions([owner], [])
        return self.approver_mentions(request)

    def admin_mentions(self, request: SendIdRequest) -> str:
        admins = self.policy.admins_for(request.channel_id)
        return notices.mentions(sorted(admins.user_ids), sorted(admins.group_ids))

    def addressees(self, request: SendIdRequest) -> Addressees:
        """Who a failure reply names, and until when the request's own workspace has no quota."""
        exhausted = self.service.quota_exhausted(request.workspace)
        return Addressees(
            retrier=self.retry_owner(request),
            admins=self.admin_mentions(request),
            quota_back_at=exhausted.effective_reset if exhausted is not None else None,
        )

    def recipients(
        self, people: ApproverSet, leave_out: str | None = None, channel_id: str | None = None
    ) -> Recipients:
        """The people to DM: the users, and the members of each group up to GROUP_DM_LIMIT;
        with `channel_id`, only those who can read that channel (see the module)."""
        users = set(people.user_ids)
        too_large = []
        for group in sorted(people.group_ids):
            try:
                members = self.policy.members_of(group)
            except MembershipLookupError as error:
                log.warning("user group %s unreadable, mentioned instead: %s", group, error)
                too_large.append(group)
                continue
            if len(members) > GROUP_DM_LIMIT:
                too_large.append(group)
            else:
                users |= members
        users.discard(leave_out or "")
        if channel_id is None:
            return Recipients(tuple(sorted(users)), tuple(too_large))
        try:
            outsiders = {u for u in users if not self.policy.may_read_channel(u, channel_id)}
        except MembershipLookupError as error:
            log.warning("channel members unreadable, no DM shows its requests: %s", error)
            return Recipients((), tuple(too_large), tuple(sorted(users)), members_unknown=True)
        readers = tuple(sorted(users - outsiders))
        return Recipients(readers, tuple(too_large), tuple(sorted(outsiders)))

    # ---- telling --------------------------------------------------------------------------

    def card_mentions(self, request: SendIdRequest) -> str:
        """Whom the card's notification pings when it is posted: the approvers, where the
        channel's `notify` is "mention" (the default); nobody otherwise."""
        if self.rules_for(request.channel_id).notify != notify.MENTION:
            return ""
        return self.approver_mentions(request)

    def at_request_time(self, request: SendIdRequest) -> None:
        """With `notify = "dm"`: DM each approver of a request whose card was just posted
        (a user group's members up to GROUP_DM_LIMIT); a larger group is mentioned in the
        card's thread instead."""
        if self.rules_for(request.channel_id).notify != notify.DM:
            return
        deciders = self.still_to_approve(request)
        reached = self.recipients(deciders, request.requester_id, request.channel_id)
        approved = set(request.approvals)
        self._dm_approvers(request, tuple(u for u in reached.user_ids if u not in approved))
        # In the card's thread instead (only the channel's readers see it): groups too large to
        # DM, and everyone when the channel's members could not be read.
        users = sorted(deciders.user_ids) if reached.members_unknown else []
        groups = sorted(deciders.group_ids) if reached.members_unknown else []
        groups = groups or list(reached.mentioned_groups)
        if users or groups:
            t = self.languages.for_request(request)
            text = notices.approvers_mentioned(t, request, users, groups)
            self.messenger.reply(request, text)

    def _dm_approvers(self, request: SendIdRequest, user_ids: tuple[str, ...]) -> None:
        permalink = self.messenger.permalink(request)
        for user_id in user_ids:
            text, blocks = notices.approver_dm(self.languages.for_user(user_id), request, permalink)
            # Remembered first: the approver may click the moment the DM arrives.
            self.service.notices.record_dm(request.id, user_id)
            self._remember(request, user_id, self.messenger.dm(user_id, text, blocks))

    def tell_admins(self, request: SendIdRequest) -> int:
        """DM each admin what broke in the bot's Braze setup, with the Retry only they get.
        Returns how many were told."""
        if request.state is not RequestState.FAILED:
            return 0
        setting = notices.KeySetting(
            workspace=request.workspace,
            key_variable=self.key_variables.get(request.workspace, "BRAZE_API_KEY"),
        )
        permalink = self.messenger.permalink(request)
        told = 0
        admins = self.recipients(
            self.policy.admins_for(request.channel_id), None, request.channel_id
        )
        for user_id in admins.user_ids:
            t = self.languages.for_user(user_id)
            text, blocks = notices.admin_setup_dm(t, request, setting, permalink)
            # Remembered first: the admin may click Retry the moment the DM arrives.
            self.service.notices.record_dm(request.id, user_id)
            sent = self.messenger.dm(user_id, text, blocks)
            self._remember(request, user_id, sent)
            told += sent is not None
        for user_id in admins.outsiders:  # what to fix, nothing of the request, no button
            t = self.languages.for_user(user_id)
            told += (
                self.messenger.dm(user_id, *notices.admin_setup_dm_outside(t, request, setting))
                is not None
            )
        log.info("%d admin(s) told of a setup failure", told, extra={"request_id": request.id})
        if not told:
            # A group over GROUP_DM_LIMIT, or nobody reachable: the thread's reply mentions the
            # admins and carries the Retry every admin may press.
            log.warning(
                "setup failure: no admin reached by DM; the request's thread has their Retry",
                extra={"request_id": request.id},
            )
        return told

    def _remember(self, request: SendIdRequest, user_id: str, sent: tuple[str, str] | None) -> None:
        if sent is not None and sent[1]:
            self.service.notices.record_dm_message(request.id, *sent, user_id)

    def close_dms(self, request: SendIdRequest) -> None:
        """The request is decided (or settled): every DM with its buttons shows what became of
        it instead, so nobody keeps a button that can no longer act."""
        for channel, ts, user_id in self.service.notices.dm_messages(request.id):
            # In the language the DM was written in: its reader's.
            t = self.languages.for_user(user_id) if user_id else self.languages.for_request(request)
            self.messenger.close_dm(channel, ts, status_line(t, request))

    def deliver_by_dm(
        self,
        request: SendIdRequest,
        quota: QuotaSnapshot | None,
        people: Addressees | None,
        *,
        card_gone: bool = True,
    ) -> bool:
        """The request's outcome, which its thread cannot take (the card was deleted, or Slack
        kept refusing the reply), by DM to the requester and whoever decided it, each in their
        language, without buttons (they belong to the card's channel). False when there is no
        outcome to tell (pending, or approved with Braze's answer still to come)."""
        if replies.reply_for(self.languages.for_request(request), request, quota, people) is None:
            return False
        for user_id in dict.fromkeys(
            [request.requester_id, request.decided_by, request.retried_by]
        ):
            if user_id is None or not USER_ID.match(user_id):
                continue  # nobody decided it (expired), or the system did
            t = self.languages.for_user(user_id)
            outcome = replies.reply_for(t, request, quota, people)
            if outcome is not None:
                dm = notices.outcome_dm(t, request, *outcome, card_gone=card_gone)
                self.messenger.dm(user_id, *dm)
        return True
