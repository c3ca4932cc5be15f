"""`build_app(settings, …)`: the Bolt app, its Web API client and the listeners, wired together."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.domain.policy import (
    USERGROUP_ID,
    ApproverSet,
    CachedGroupMembers,
    CachedLookup,
    MembershipLookupError,
    Policy,
)
from bot.domain.policy_file import EMPTY_POLICY_FILE, PolicyFile, approver_set
from bot.domain.service import SendIdService
from bot.logs import Scrubber, pinned_logger
from bot.settings import Settings
from bot.slack.context import BotContext, provide_bot_context
from bot.slack.form_metadata import FormSeal
from bot.slack.identity import BotIdentity, OwnTeamOnly, read_identity
from bot.slack.language import Languages
from bot.slack.listeners import register_listeners
from bot.slack.messenger import Messenger, slack_error
from bot.slack.names import Names
from bot.slack.notifier import Notifier
from bot.slack.steps import StepFinisher

log = logging.getLogger("bot.slack")

# Bolt's listener threads only acknowledge and hand slow work over (bot.slack.work), so each is
# busy for milliseconds; form submissions, validated before their acknowledgement, the longest.
LISTENER_THREADS = 64


def build_web_client(settings: Settings) -> WebClient:
    """Every Slack client the bot creates honours SLACK_API_URL."""
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        logger=pinned_logger("bot.slack.web"),
    )
    # Slack's 429 (with Retry-After) and 5xx are transient: retry a little, then give up loudly.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def group_member_fetcher(client: WebClient, team_id: str | None = None) -> Any:
    """`team_id`: the bot's team on Enterprise Grid, where usergroups.users.list needs it (with
    an org-level token); None elsewhere."""

    def fetch(group_id: str) -> list[str]:
        try:
            if team_id:
                response = client.usergroups_users_list(usergroup=group_id, team_id=team_id)
            else:
                response = client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            raise MembershipLookupError(f"usergroups.users.list: {slack_error(error)}") from error
        return [str(u) for u in response.get("users") or []]

    return fetch


# conversations.members pages: 200 members each (Slack's advice), at most this many pages.
MEMBERS_PAGE = 200
MEMBERS_PAGES_MAX = 50


def channel_audience_fetcher(client: WebClient) -> Callable[[str], frozenset[str] | None]:
    """Who can read a channel: None for a public one (anyone in the workspace), the members of
    a private one. Needs channels:read and groups:read; raises MembershipLookupError."""

    def fetch(channel_id: str) -> frozenset[str] | None:
        try:
            info = client.conversations_info(channel=channel_id)
            if not (info.get("channel") or {}).get("is_private"):
                return None
            members: set[str] = set()
            cursor = None
            for _ in range(MEMBERS_PAGES_MAX):
                page = client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor
                )
                members.update(str(m) for m in page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return frozenset(members)
        except SlackApiError as error:
            raise MembershipLookupError(f"conversations: {slack_error(error)}") from error
        raise MembershipLookupError(f"{channel_id} has more members than the bot reads")

    return fetch


def locale_fetcher(client: WebClient) -> Callable[[str], str | None]:
    def fetch(user_id: str) -> str | None:
        response = client.users_info(user=user_id, include_locale=True)
        user = response.get("user") or {}
        return str(user.get("locale") or "") or None

    return fetch


def form_seal_secret(settings: Settings) -> str:
    """The secret the form seal's key is derived from: one that every replica shares. The
    signing secret in HTTP mode; Socket Mode has none, so the app token there."""
    secret = settings.slack_signing_secret or settings.slack_app_token
    if secret is None:  # settings refuse to load without one of them
        raise ValueError("neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN is set")
    return secret.get_secret_value()


def build_context(
    settings: Settings,
    service: SendIdService,
    client: WebClient,
    policy_file: PolicyFile = EMPTY_POLICY_FILE,
    *,
    secrets: Sequence[str] | None = None,
    key_variables: Mapping[str, str] | None = None,
    identity: BotIdentity | None = None,
) -> BotContext:
    """`secrets`: every secret to scrub from what the bot passes on (by default the settings';
    the runtime gives every Braze workspace's key too). `key_variables`: each workspace's key
    variable name, for the admins' DM. `identity`: who the bot is in Slack (its team on
    Enterprise Grid is passed to usergroups.users.list)."""
    grid_team = identity.team_id if identity is not None and identity.enterprise_id else None
    default_approvers = ApproverSet(settings.approver_user_ids, settings.approver_group_ids)
    admins = settings.sendid_admins
    policy = Policy(
        allowed_channels=settings.sendid_allowed_channels,
        approvers=default_approvers,
        group_members=CachedGroupMembers(group_member_fetcher(client, grid_team), ttl_seconds=60),
        allow_self_approval=settings.sendid_allow_self_approval,
        channel_approvers={
            channel: approver_set(policy_file.rules_for(channel), default_approvers)
            for channel in settings.sendid_allowed_channels
        },
        channel_audience=CachedLookup(channel_audience_fetcher(client), ttl_seconds=60),
        admins=ApproverSet(
            frozenset(a for a in admins if not USERGROUP_ID.match(a)),
            frozenset(a for a in admins if USERGROUP_ID.match(a)),
        )
        if admins
        else None,
    )
    languages = Languages(
        settings.sendid_language,
        locale_fetcher(client),
        channel_language=lambda channel_id: policy_file.rules_for(channel_id).language,
    )
    scrub = Scrubber(settings.secret_values() if secrets is None else secrets)
    messenger = Messenger(client, languages, scrub)
    bot = BotContext(
        policy=policy,
        service=service,
        messenger=messenger,
        languages=languages,
        forms=FormSeal(form_seal_secret(settings)),
        notifier=Notifier(
            policy, messenger, languages, service, key_variables or {}, policy_file.rules_for
        ),
        rules_for=policy_file.rules_for,
        steps=StepFinisher(service, messenger, languages),
        names=Names(client),
    )
    # A success Braze reports after the bot gave up waiting is shown as soon as it is recorded.
    service.on_late_creation = bot.announce_late_creation
    service.possible_approvers = policy.possible_approvers
    return bot


class _SameTokenTwice(logging.Filter):
    """Drop Bolt's warning that `token` is unused because `client` was given: Bolt reads
    SLACK_BOT_TOKEN from the environment itself, and that is the very token our client holds.
    A warning on every start would train admins to ignore warnings. Matched by its words: if
    Bolt rewords it, the warning shows again, nothing worse."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = pinned_logger("bot.bolt")
    if not any(isinstance(f, _SameTokenTwice) for f in logger.filters):
        logger.addFilter(_SameTokenTwice())
    return logger


def build_app(
    settings: Settings,
    service: SendIdService,
    client: WebClient | None = None,
    policy_file: PolicyFile = EMPTY_POLICY_FILE,
    *,
    secrets: Sequence[str] | None = None,
    key_variables: Mapping[str, str] | None = None,
) -> tuple[App, BotContext]:
    client = client or build_web_client(settings)
    signing_secret = settings.slack_signing_secret
    app = App(
        client=client,
        # Socket Mode requests are not signed; HTTP ones always are (settings insist on a secret).
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        # bot.http.slack_endpoint verifies every HTTP request before Bolt sees it (it must, to
        # remember only verified signatures), so Bolt need not do it twice; Bolt skips it for
        # Socket Mode requests anyway.
        request_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
        logger=_bolt_logger(),
    )
    identity = read_identity(client)
    ctx = build_context(
        settings,
        service,
        client,
        policy_file,
        secrets=secrets,
        key_variables=key_variables,
        identity=identity,
    )
    # First: a request from another team, app or enterprise reaches nothing else.
    app.middleware(
        OwnTeamOnly(
            identity,
            ctx.languages.known,
            counted=lambda reason: ctx.count_refused_request(reason),
        )
    )
    app.middleware(provide_bot_context(ctx))
    register_listeners(app)
    return app, ctx
