"""bot.slack.views: Block Kit built by pure functions, and nothing unescaped in any mrkdwn."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.domain import problems
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.i18n import CATALOGUES, SUPPORTED_LANGUAGES, Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import card, home, ids, labels, modals, replies, texts
from bot.slack.views.elements import plain_text
from tests.support.constants import (
    APPROVER,
    CAMPAIGN,
    CAMPAIGN_NAME,
    CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.support.shown import walk

CREATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DECIDED_AT = CREATED_AT + timedelta(minutes=7)
RESET_AT = datetime(2025, 3, 2, 0, 0, tzinfo=UTC)
OBSERVED_AT = CREATED_AT + timedelta(minutes=8)
QUOTA = QuotaSnapshot(limit=100, remaining=99, reset_at=RESET_AT, observed_at=OBSERVED_AT)
S = RequestState
t = Translator("en")


def make_request(**changes: Any) -> SendIdRequest:
    request = SendIdRequest(
        id="r0123456789ab",
        channel_id=CHANNEL,
        workspace=DEFAULT_WORKSPACE,
        requester_id=REQUESTER,
        campaign_id=CAMPAIGN,
        send_id="wave1",
        campaign_name=CAMPAIGN_NAME,
        state=S.PENDING,
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
        expires_at=CREATED_AT + timedelta(hours=24),
    )
    return dataclasses.replace(request, **changes)


def decided(state: RequestState, **changes: Any) -> SendIdRequest:
    return make_request(state=state, decided_by=APPROVER, decided_at=DECIDED_AT, **changes)


def mrkdwn_texts(payload: Any) -> list[str]:
    return [d["text"] for d in walk(payload) if d.get("type") == "mrkdwn"]


def buttons(payload: Any) -> list[dict[str, Any]]:
    return [d for d in walk(payload) if d.get("type") == "button"]


def flat(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


# ---- the approval card ------------------------------------------------------------------------


def by_action(payload: Any) -> dict[str, dict[str, Any]]:
    return {b["action_id"]: b for b in buttons(payload)}


def test_a_pending_card_has_approve_and_reject_buttons_naming_the_request() -> None:
    shown = card.approval_card(t, make_request())
    actions = [b for b in shown if b["type"] == "actions"]
    assert len(actions) == 1
    assert actions[0]["block_id"] == "decide:r0123456789ab"
    found = by_action(actions[0])
    approve, reject = found[ids.APPROVE], found[ids.REJECT]
    assert (approve["style"], approve["value"]) == ("primary", "r0123456789ab")
    assert (reject["style"], reject["value"]) == ("danger", "r0123456789ab")
    assert list(found)[:2] == [ids.APPROVE, ids.REJECT]  # Approve first, then Reject
    assert all(b["value"] == "r0123456789ab" for b in found.values())


def test_approve_asks_for_confirmation_and_reject_does_not() -> None:
    found = by_action(card.approval_card(t, make_request()))
    confirm = found[ids.APPROVE]["confirm"]
    assert confirm["title"]["type"] == "plain_text"
    assert "quota" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Approve"
    assert "confirm" not in found[ids.REJECT]


@pytest.mark.parametrize(
    ("state", "kind", "offered"),
    [
        (S.PENDING, None, [ids.APPROVE, ids.REJECT, ids.CANCEL_MENU]),
        (S.APPROVED, None, []),
        (S.CREATED, None, []),
        (S.FAILED, FailureKind.UNAVAILABLE, []),  # a retry can mend it: Retry in the thread
        (S.FAILED, FailureKind.AUTH, []),  # an admin can mend it
        (S.FAILED, FailureKind.REJECTED_BY_BRAZE, [ids.REQUEST_AGAIN]),  # failed for good
        (S.REJECTED, None, [ids.REQUEST_AGAIN]),
        (S.EXPIRED, None, [ids.REQUEST_AGAIN]),
        (S.CANCELLED, None, [ids.REQUEST_AGAIN]),
    ],
)
def test_which_controls_a_card_offers_in_each_state(
    state: RequestState, kind: FailureKind | None, offered: list[str]
) -> None:
    request = decided(state, failure_kind=kind, created_send_id="wave1")
    for tr in (t, Translator("de")):
        shown = card.approval_card(tr, request)
        controls = [e for b in shown if b["type"] == "actions" for e in b["elements"]]
        assert [c["action_id"] for c in controls] == offered
        assert all(c.get("value", request.id) == request.id for c in controls)


def test_the_card_shows_campaign_name_and_id_send_id_requester_and_time() -> None:
    texts = mrkdwn_texts(card.approval_card(t, make_request()))
    assert f"*Campaign*\nSpring Sale &lt;VIP&gt; &amp; friends (`{CAMPAIGN}`)" in texts
    assert "*Send ID*\n`wave1`" in texts
    assert f"*Requested by*\n<@{REQUESTER}>" in texts
    assert f"*Requested*\n{md.date(CREATED_AT)}" in texts


def test_a_card_without_name_or_send_id_says_so() -> None:
    texts = mrkdwn_texts(card.approval_card(t, make_request(campaign_name=None, send_id=None)))
    assert f"*Campaign*\n`{CAMPAIGN}`" in texts
    assert "*Send ID*\n_generated by Braze_" in texts


def test_a_pending_card_says_when_it_expires() -> None:
    status = mrkdwn_texts(card.approval_card(t, make_request()))[-1]
    assert "Waiting for an approver" in status
    assert md.date(CREATED_AT + timedelta(hours=24)) in status


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (S.APPROVED, f"Approved by <@{APPROVER}>"),
        (S.CREATED, f"Created after approval by <@{APPROVER}>. Send ID `generated-1`"),
        (S.FAILED, "Braze did not create it"),
        (S.REJECTED, f"Rejected by <@{APPROVER}> {md.date(DECIDED_AT)}. Reason: a &lt;b&gt;"),
        (S.EXPIRED, "Expired: nobody decided in time"),
        (S.CANCELLED, f"Cancelled by <@{APPROVER}>"),
    ],
)
def test_the_card_states_what_happened(state: RequestState, words: str) -> None:
    request = decided(state, created_send_id="generated-1", reject_reason="a <b>")
    status = mrkdwn_texts(card.approval_card(t, request))[-1]
    assert words in status


def test_card_text_is_a_sentence_naming_requester_and_campaign() -> None:
    text = card.card_text(t, make_request())
    assert text == f"<@{REQUESTER}> asks for a send ID for Spring Sale &lt;VIP&gt; &amp; friends"


# ---- thread replies ---------------------------------------------------------------------------


def test_the_created_reply_gives_the_send_id_people_quota_and_usage_hint() -> None:
    request = decided(S.CREATED, created_send_id="a<b>&c")
    text, reply = replies.created_reply(t, request, QUOTA)
    assert text == (
        f"<@{REQUESTER}>, your send ID `a&lt;b&gt;&amp;c` for Spring Sale &lt;VIP&gt; &amp; "
        "friends is created"
    )
    texts = mrkdwn_texts(reply)
    assert any("`a&lt;b&gt;&amp;c`" in t for t in texts)
    assert f"*Requested by*\n<@{REQUESTER}>" in texts
    assert f"*Approved by*\n<@{APPROVER}>" in texts
    assert f"*Quota*\nQuota left today: 99 of 100, resets {md.date(RESET_AT)}." in texts
    assert any("/campaigns/trigger/send" in t and "/messages/send" in t for t in texts)
    (results,) = buttons(reply)  # only "Show results": nothing to approve or retry here
    assert (results["action_id"], results["value"]) == ("sendid_results", request.id)


def test_the_created_reply_names_the_braze_workspace_of_its_quota_unless_the_default() -> None:
    request = decided(S.CREATED, created_send_id="wave1", workspace="eu")
    _, reply = replies.created_reply(t, request, QUOTA)
    quota = f"Quota left today: 99 of 100, resets {md.date(RESET_AT)}."
    assert f"*Quota*\nBraze workspace *eu*: {quota}" in mrkdwn_texts(reply)


def test_the_quota_line_says_unknown_when_nothing_is_known() -> None:
    assert labels.quota_line(t, None) == "Quota left today: unknown."
    assert labels.quota_line(t, dataclasses.replace(QUOTA, remaining=None)) == (
        "Quota left today: unknown."
    )
    assert labels.quota_line(t, dataclasses.replace(QUOTA, limit=None, reset_at=None)) == (
        "Quota left today: 99."
    )


@pytest.mark.parametrize("kind", list(FailureKind))
def test_a_failed_reply_offers_retry_wherever_a_retry_can_succeed(
    kind: FailureKind,
) -> None:
    """After a setup failure too (issue 24): the admins' Retry, checked on click."""
    request = decided(S.FAILED, failure_kind=kind, failure_message="nope")
    _, reply = replies.failed_reply(t, request, QUOTA)
    retry = buttons(reply)
    if kind is FailureKind.REJECTED_BY_BRAZE:
        assert retry == []
    else:
        assert [(b["action_id"], b["value"]) for b in retry] == [(ids.RETRY, request.id)]


@pytest.mark.parametrize("kind", [k for k in FailureKind if k is not FailureKind.REJECTED_BY_BRAZE])
def test_retry_asks_for_confirmation_only_when_braze_may_have_created_it(
    kind: FailureKind,
) -> None:
    request = decided(S.FAILED, failure_kind=kind)
    (retry,) = buttons(replies.failed_reply(t, request, None)[1])
    may_exist = kind in (FailureKind.OUTCOME_UNKNOWN, FailureKind.UNEXPECTED)
    assert ("confirm" in retry) is may_exist
    if may_exist:
        assert "may already have created" in retry["confirm"]["text"]["text"]


def test_a_failed_reply_without_a_kind_is_treated_as_unexpected() -> None:
    request = decided(S.FAILED, failure_kind=None)
    text, reply = replies.failed_reply(t, request, None)
    assert "*Status unknown.*" in text and "not created" not in text
    assert "confirm" in buttons(reply)[0]


def test_a_failed_reply_quotes_brazes_refusal_escaped_and_clipped() -> None:
    message = "<!channel> bad campaign & more " + "x" * 600
    request = decided(S.FAILED, failure_kind=FailureKind.REJECTED_BY_BRAZE, failure_message=message)
    _, reply = replies.failed_reply(t, request, None)
    (section,) = mrkdwn_texts(reply)
    assert ">Braze said: &lt;!channel&gt; bad campaign &amp; more x" in section
    assert section.count("x") <= 400


@pytest.mark.parametrize("kind", [k for k in FailureKind if k.needs_admin])
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_setup_failure_reply_names_the_admins_in_plain_words_and_no_setting(
    kind: FailureKind, language: str
) -> None:
    tr = Translator(language)
    request = decided(S.FAILED, failure_kind=kind, failure_message="key abc123 bad")
    people = replies.Addressees(retrier="<@U0BEA>", admins="<!subteam^S0ADMINS>")
    text, reply = replies.failed_reply(tr, request, None, people)
    shown = text + flat(reply)
    assert f"<@{REQUESTER}>" in text and "<!subteam^S0ADMINS>" in text
    assert "<@U0BEA>" not in shown  # approvers cannot help here
    assert not re.search(r"BRAZE_|SENDID_|sends\.id\.create|abc123", shown)
    assert [b["action_id"] for b in buttons(reply)] == [ids.RETRY]  # the admins', on click
    assert f"<!date^{int(request.expires_at.timestamp())}^" in text  # when it expires unretried


def test_a_quota_failure_says_when_the_quota_resets_and_offers_no_retry_until_then() -> None:
    request = decided(S.FAILED, failure_kind=FailureKind.QUOTA)
    people = replies.Addressees(retrier="<@U0BEA>", quota_back_at=RESET_AT)
    text, reply = replies.failed_reply(t, request, QUOTA, people)
    assert (
        f"It resets {md.date(RESET_AT)}. Then I post here again and <@U0BEA> "
        "(or any other approver) can retry" in text
    )
    assert buttons(reply) == []
    # Once the quota is back (a reply posted late), the approvers can retry.
    _, later = replies.failed_reply(t, request, QUOTA, replies.Addressees(retrier="<@U0BEA>"))
    assert [b["action_id"] for b in buttons(later)] == [ids.RETRY]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_unknown_outcome_is_headed_status_unknown_and_says_what_a_retry_costs(
    language: str,
) -> None:
    tr = Translator(language)
    request = decided(S.FAILED, failure_kind=FailureKind.OUTCOME_UNKNOWN)
    people = replies.Addressees(retrier="<@U0BEA>")
    text, reply = replies.failed_reply(tr, request, None, people)
    head = {"en": "*Status unknown.*", "de": "*Status unbekannt.*"}[language]
    cost = {"en": "at most one unit of today's quota", "de": "höchstens eine Einheit"}[language]
    assert head in flat(reply) and cost in flat(reply) and "<@U0BEA>" in text
    (retry,) = buttons(reply)
    assert "confirm" in retry


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_unknown_outcome_of_a_generated_send_id_says_a_retry_makes_a_different_one(
    language: str,
) -> None:
    tr = Translator(language)
    request = decided(S.FAILED, send_id=None, failure_kind=FailureKind.OUTCOME_UNKNOWN)
    _, reply = replies.failed_reply(tr, request, None, replies.Addressees(retrier="<@U0BEA>"))
    for block in reply:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    different = {"en": "a new, different one", "de": "eine neue, andere"}[language]
    same = {"en": "same send ID", "de": "dieser Sende-ID"}[language]
    assert different in flat(reply) and same not in flat(reply)
    (retry,) = buttons(reply)
    asks = {"en": "a new, different one", "de": "eine neue, andere"}[language]
    assert asks in retry["confirm"]["text"]["text"]


def test_the_rejected_reply_names_rejecter_requester_and_escaped_reason() -> None:
    reply = replies.rejected_reply(t, decided(S.REJECTED, reject_reason="<!here> no & no"))
    assert reply == (
        f":no_entry_sign: <@{APPROVER}> rejected this request, <@{REQUESTER}>. "
        "Reason: &lt;!here&gt; no &amp; no"
    )


def test_the_expired_reply_points_the_requester_to_the_cards_request_again() -> None:
    # Issue 27, item 8: the card offers Request again; the reply no longer says "/sendid".
    reply = replies.expired_reply(t, make_request(state=S.EXPIRED))
    assert f"<@{REQUESTER}>" in reply and "*Request again*" in reply and "/sendid" not in reply


# ---- ephemeral answers ------------------------------------------------------------------------


def test_not_permitted_text_links_every_permitted_channel() -> None:
    text = texts.not_permitted_text(t, [CHANNEL, PRIVATE_CHANNEL])
    assert f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>" in text


def test_history_text_lists_each_request_with_its_state() -> None:
    created = decided(S.CREATED, created_send_id="gen-1", send_id=None, id="r2")
    text = texts.history_text(t, [make_request(), created])
    lines = text.splitlines()
    assert lines[0] == "*Recent send ID requests in this channel:*"
    assert len(lines) == 3
    assert lines[1].endswith("`wave1`: *pending*")
    assert lines[2].endswith("`gen-1`: *created*")
    assert md.date(CREATED_AT, "{date_short} {time}") in lines[1]
    # Issue 27, item 8: the campaign by name in a list line; its ID only on the card.
    assert "Spring Sale &lt;VIP&gt; &amp; friends → `wave1`" in lines[1]
    assert CAMPAIGN not in text
    unnamed = texts.history_text(t, [make_request(campaign_name=None)])
    assert f"`{CAMPAIGN[:8]}…` → `wave1`" in unnamed


def test_history_text_says_when_there_is_nothing() -> None:
    assert texts.history_text(t, []) == "No send ID requests in this channel yet."


def test_quota_text_says_used_up_only_while_exhausted() -> None:
    empty = dataclasses.replace(QUOTA, remaining=0)
    assert "*Used up.*" in texts.quota_text(t, empty, RESET_AT - timedelta(seconds=1))
    assert "*Used up.*" not in texts.quota_text(t, empty, RESET_AT)
    assert "*Used up.*" not in texts.quota_text(t, QUOTA, CREATED_AT)
    assert "Nothing is known yet" in texts.quota_text(t, None, CREATED_AT)


def test_quota_text_names_the_channels_braze_workspace_where_given() -> None:
    assert texts.quota_text(t, QUOTA, CREATED_AT, "eu").startswith(
        "Braze workspace *eu*: Quota left today: 99 of 100"
    )
    assert texts.quota_text(t, None, CREATED_AT, "eu").startswith(
        "Braze workspace *eu*: Nothing is known yet"
    )
    assert not texts.quota_text(t, QUOTA, CREATED_AT).startswith("Braze workspace")
    german = Translator("de")
    assert texts.quota_text(german, QUOTA, CREATED_AT, "eu").startswith("Braze-Workspace *eu*: ")


def test_the_home_tab_shows_one_quota_bar_per_braze_workspace_each_named() -> None:
    used_up = dataclasses.replace(QUOTA, remaining=0)
    view = home.home_view(
        t,
        channels=[CHANNEL],
        mine=[],
        to_decide=None,
        quotas=[("default", QUOTA), ("eu", used_up), ("apac", None)],
    )
    View(**view).validate_json()
    (quota_block,) = [b for b in view["blocks"] if "quota" in str(b.get("text", {})).lower()]
    lines = quota_block["text"]["text"].split("\n")
    assert lines[0] == "*Today's Braze send ID quota*"
    assert lines[1].startswith("Braze workspace *default*: `") and "1 used, 99 left" in lines[1]
    assert lines[2].startswith("Braze workspace *eu*: `") and "100 used, 0 left" in lines[2]
    assert lines[3].startswith("Braze workspace *apac*: Not known yet")


def test_the_home_tab_with_one_braze_workspace_shows_one_unnamed_bar() -> None:
    view = home.home_view(t, channels=[CHANNEL], mine=[], to_decide=None, quotas=[(None, QUOTA)])
    View(**view).validate_json()
    text = flat(view)
    assert "Braze workspace" not in text and "1 used, 99 left of 100" in text


# ---- modals -----------------------------------------------------------------------------------


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


META = "sealed-elsewhere"  # the views pass private_metadata on as given


def test_an_empty_request_modal_has_no_initial_values() -> None:
    view = modals.request_modal(t, CHANNEL, private_metadata=META)
    fields = inputs(view)
    assert set(fields) == {ids.CAMPAIGN_BLOCK, ids.SEND_ID_BLOCK, ids.PURPOSE_BLOCK}
    assert all("initial_value" not in element for element in fields.values())
    assert view["callback_id"] == ids.REQUEST_MODAL


def test_the_request_modal_is_prefilled_as_typed() -> None:
    fields = inputs(modals.request_modal(t, CHANNEL, CAMPAIGN, "wave1", private_metadata=META))
    assert fields[ids.CAMPAIGN_BLOCK]["initial_value"] == CAMPAIGN
    assert fields[ids.SEND_ID_BLOCK]["initial_value"] == "wave1"


def test_plain_text_initial_values_are_not_escaped() -> None:
    fields = inputs(modals.request_modal(t, CHANNEL, "a&b", "x<y>&z", private_metadata=META))
    assert fields[ids.CAMPAIGN_BLOCK]["initial_value"] == "a&b"
    assert fields[ids.SEND_ID_BLOCK]["initial_value"] == "x<y>&z"


def test_a_very_long_prefill_is_cut_to_what_slack_accepts() -> None:
    fields = inputs(modals.request_modal(t, CHANNEL, "c" * 400, "s" * 400, private_metadata=META))
    assert fields[ids.CAMPAIGN_BLOCK]["initial_value"] == "c" * 150
    assert fields[ids.SEND_ID_BLOCK]["initial_value"] == "s" * 150


def test_each_request_form_carries_its_own_metadata_and_the_same_form_otherwise() -> None:
    first = modals.request_modal(t, CHANNEL, CAMPAIGN, private_metadata="sealed-for-one")
    second = modals.request_modal(t, CHANNEL, CAMPAIGN, private_metadata="sealed-for-two")
    assert (first["private_metadata"], second["private_metadata"]) == (
        "sealed-for-one",
        "sealed-for-two",
    )
    assert {**first, "private_metadata": ""} == {**second, "private_metadata": ""}
    first["title"] = plain_text("changed")  # a copy: the next form is as built
    assert (
        modals.request_modal(t, CHANNEL, CAMPAIGN, private_metadata=META)["title"]
        == second["title"]
    )
    german = modals.request_modal(Translator("de"), CHANNEL, CAMPAIGN, private_metadata=META)
    assert german["title"] != second["title"]


def test_the_request_modal_names_its_channel_and_carries_the_metadata_as_given() -> None:
    view = modals.request_modal(t, PRIVATE_CHANNEL, private_metadata=META)
    assert view["private_metadata"] == META
    assert f"<#{PRIVATE_CHANNEL}>" in flat(view)


def test_the_reject_modal_carries_the_metadata_as_given() -> None:
    view = modals.reject_modal(t, make_request(), private_metadata=META)
    assert view["private_metadata"] == META
    assert view["callback_id"] == ids.REJECT_MODAL
    reason = inputs(view)[ids.REASON_BLOCK]
    assert reason["max_length"] == modals.REASON_MAX


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_reject_modal_says_which_request_it_rejects(language: str) -> None:
    # Issue 27, item 1: before, the form said only "Reason (optional)".
    tr = Translator(language)
    request = make_request(purpose="Second wave <!here>")
    view = modals.reject_modal(tr, request, private_metadata=META)
    View(**view).validate_json()
    what = view["blocks"][0]["text"]["text"]
    for shown in (f"<@{REQUESTER}>", labels.campaign_label(request), "`wave1`", f"<#{CHANNEL}>"):
        assert shown in what
    assert "Second wave &lt;!here&gt;" in what


# ---- nothing user-supplied can mention, link or ping ------------------------------------------

KNOWN_USERS = (REQUESTER, APPROVER)
any_text = st.text(max_size=120)
send_ids = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=64)


def bot_tokens(tr: Translator, *moments: datetime) -> list[str]:
    """Every `<…>` token the bot itself may legitimately write for these requests."""
    tokens = [md.user(u) for u in KNOWN_USERS] + [md.channel(CHANNEL)]
    for moment in moments:
        tokens += [labels.date(tr, moment), labels.date(tr, moment, short=True)]
    return tokens


def without_bot_tokens(text: str, tokens: list[str]) -> str:
    for token in tokens:
        text = text.replace(token, "")
    return text


@settings(max_examples=120, deadline=None)
@given(
    send_id=st.none() | send_ids | any_text,
    created_send_id=send_ids | any_text,
    campaign_name=st.none() | any_text,
    reason=st.none() | st.text(max_size=500),
    failure_message=st.none() | st.text(max_size=500),
    state=st.sampled_from(RequestState),
    kind=st.sampled_from(FailureKind),
    language=st.sampled_from(SUPPORTED_LANGUAGES),
)
def test_no_user_or_braze_text_can_form_a_mention_link_or_ping(
    send_id: str | None,
    created_send_id: str,
    campaign_name: str | None,
    reason: str | None,
    failure_message: str | None,
    state: RequestState,
    kind: FailureKind,
    language: str,
) -> None:
    tr = Translator(language)
    request = decided(
        state,
        send_id=send_id or None,
        created_send_id=created_send_id or None,
        campaign_name=campaign_name,
        reject_reason=reason,
        failure_kind=kind,
        failure_message=failure_message,
    )
    quota = dataclasses.replace(QUOTA, remaining=0)
    strings = [card.card_text(tr, request), *mrkdwn_texts(card.approval_card(tr, request))]
    if request.created_send_id:
        text, reply = replies.created_reply(tr, request, quota)
        strings += [text, *mrkdwn_texts(reply)]
    text, reply = replies.failed_reply(tr, request, quota)
    strings += [text, *mrkdwn_texts(reply)]
    home_tab = home.home_view(
        tr,
        channels=[CHANNEL],
        mine=[request],
        to_decide=[request],
        quotas=[(None, quota), ("eu", None)],
    )
    strings += [
        replies.rejected_reply(tr, request),
        replies.expired_reply(tr, request),
        replies.cancelled_reply(tr, request),
        replies.reminder_reply(tr, request, [APPROVER], []),
        texts.history_text(tr, [request, make_request()]),
        texts.quota_text(tr, quota, CREATED_AT),
        *mrkdwn_texts(home_tab),
    ]
    tokens = bot_tokens(tr, CREATED_AT, request.expires_at, DECIDED_AT, RESET_AT, OBSERVED_AT)
    for string in strings:
        rest = without_bot_tokens(string, tokens)
        assert "<" not in rest, (string, rest)
    if campaign_name:
        shown = md.inert(campaign_name, card.TEXT_CAMPAIGN_MAX)
        assert shown in card.card_text(tr, request)  # shown, not dropped


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("msg", list(Msg), ids=str)
def test_no_catalogue_text_has_a_raw_angle_bracket_or_ampersand(language: str, msg: Msg) -> None:
    # Catalogue texts are trusted mrkdwn, sent as they are: `<` or `&` in one is parsed by Slack.
    # Regression: the help showed `/sendid <campaign_id> [send_id]`, which Slack made a link.
    text = CATALOGUES[language].get(msg, "")
    assert "<" not in text
    assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", text, flags=re.DOTALL)


# ---- per-person limits (inline form errors: plain text) --------------------------------------


HOSTILE_NAME = "Sale\n*fake line*\u202eevil\u200b <!channel> " + "x" * 80


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_pending_cap_error_names_the_pending_requests_in_one_safe_plain_line(
    language: str,
) -> None:
    tr = Translator(language)
    pending = (
        make_request(id="r1", campaign_name=HOSTILE_NAME, send_id="a<b>&c"),
        make_request(id="r2", campaign_name=None, send_id=None),
    )
    text = texts.problem_text(tr, problems.too_many_pending(list(pending), 2))
    assert "\n" not in text and "\u202e" not in text and "\u200b" not in text
    assert "Sale *fake line* evil <!channel> xxx" in text  # folded, clipped, not escaped
    assert "x" * 80 not in text
    assert "/ a<b>&c" in text and f"{CAMPAIGN} / " in text
    assert ("Cancel request" if language == "en" else "Anfrage zurückziehen") in text
    assert "2" in text


def test_the_pending_cap_error_names_at_most_five_requests() -> None:
    pending = [make_request(id=f"r{n}", send_id=f"wave{n}") for n in range(8)]
    text = texts.problem_text(t, problems.too_many_pending(pending, 8))
    assert "wave4" in text and "wave5" not in text and "…" in text


def test_submitting_too_fast_says_when_to_try_again() -> None:
    assert "in 42 s" in texts.problem_text(t, problems.too_fast(42))
    assert "in 42 s" in texts.problem_text(Translator("de"), problems.too_fast(42))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_home_tab_offers_cancel_for_ones_own_pending_requests_only(language: str) -> None:
    tr = Translator(language)
    mine = [make_request(id="rpending"), decided(S.REJECTED, id="rrejected")]
    view = home.home_view(tr, channels=[CHANNEL], mine=mine, to_decide=None, quotas=[(None, QUOTA)])
    View(**view).validate_json()
    cancels = [b for b in buttons(view) if b["action_id"] == ids.CANCEL]
    assert [b["value"] for b in cancels] == ["rpending"]
    assert cancels[0]["confirm"]["title"]["type"] == "plain_text"


@pytest.mark.parametrize(
    ("language", "people", "shown"),
    [
        ("en", [], "someone"),
        ("en", ["<@U1>"], "<@U1>"),
        ("en", ["<@U1>", "<@U2>", "<!subteam^S1>"], "<@U1>, <@U2> or <!subteam^S1>"),
        ("de", ["<@U1>", "<@U2>"], "<@U1> oder <@U2>"),
        ("de", [], "jemand"),
    ],
)
def test_people_any_of_whom_may_act_read_as_one_subject(
    language: str, people: list[str], shown: str
) -> None:
    # Issue 27, item 7: "Erneut versuchen kann es: @A @B" became "@A oder @B kann es …".
    assert labels.either(Translator(language), people) == shown


def test_the_german_reminder_says_who_can_decide_not_who_waits() -> None:
    request = make_request(expires_at=RESET_AT)
    text = replies.reminder_reply(Translator("de"), request, ["U0A", "U0B"], ["S0G"])
    assert "<@U0A>, <@U0B> oder <!subteam^S0G> kann sie freigeben oder ablehnen" in text
