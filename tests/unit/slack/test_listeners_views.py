"""bot.slack.listeners.views, in-process: form submissions answered in the acknowledgement,
with inline errors or by closing the form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from bot.slack.form_metadata import ModalMetadata
from bot.slack.views import ids
from tests.support.constants import (
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.support.driver import ACKNOWLEDGED, Ack, SlackDriver
from tests.support.shown import form_problems
from tests.support.waits import stored, wait_for_state

t = Translator("en")


def form(callback_id: str, metadata: str) -> dict[str, Any]:
    return {"callback_id": callback_id, "private_metadata": metadata}


def sealed_form(
    bot_app: SlackDriver, callback_id: str, meta: ModalMetadata, user: str = REQUESTER
) -> dict[str, Any]:
    """A form as the bot opened it for `user`: its metadata sealed by the bot's own seal."""
    raw = bot_app.runtime.ctx.forms.seal(meta, form=callback_id, user_id=user)
    return form(callback_id, raw)


def errors(under: dict[str, str]) -> Ack:
    """An acknowledgement that keeps the form open with these errors under its fields."""
    return Ack(200, {"response_action": "errors", "errors": under})


def test_a_valid_request_closes_the_form_and_posts_its_card(bot_app: SlackDriver) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")  # asserts the form closed (an empty ack)
    assert (request.channel_id, request.campaign_id, request.state) == (
        CHANNEL,
        CAMPAIGN,
        RequestState.PENDING,
    )


@pytest.mark.parametrize("channel", [OTHER_CHANNEL, "D0DM"])
def test_a_form_sealed_for_a_channel_that_is_not_permitted_stores_nothing(
    bot_app: SlackDriver, channel: str
) -> None:
    values = {ids.CAMPAIGN_BLOCK: CAMPAIGN, ids.SEND_ID_BLOCK: "wave1"}
    answer = bot_app.submit(sealed_form(bot_app, ids.REQUEST_MODAL, ModalMetadata(channel)), values)
    # Not about one field: at the top of the form, which stays open.
    assert form_problems(answer.json()) == [f":warning: {t(Msg.FORM_WRONG_CHANNEL)}"]
    assert bot_app.store.recent_in_channel(channel, 5) == []
    bot_app.slack.assert_no_call("chat.postMessage", within=0.05)


@pytest.mark.parametrize(
    "metadata",
    ["", "[]", '{"channel_id": "C0CAMPAIGNS"}', '{"channel_id": "G0PRIVATE", "mac": "00"}'],
)
def test_a_form_without_the_bots_seal_stores_nothing(bot_app: SlackDriver, metadata: str) -> None:
    values = {ids.CAMPAIGN_BLOCK: CAMPAIGN, ids.SEND_ID_BLOCK: "wave1"}
    answer = bot_app.submit(form(ids.REQUEST_MODAL, metadata), values)
    assert answer.ack == errors({ids.CAMPAIGN_BLOCK: t(Msg.FORM_NOT_VERIFIED)})
    assert bot_app.store.recent_in_channel(CHANNEL, 5) == []
    bot_app.slack.assert_no_call("chat.postMessage", within=0.05)


def test_a_form_moved_to_another_permitted_channel_stores_nothing(bot_app: SlackDriver) -> None:
    view = bot_app.open_form(channel=CHANNEL)
    moved = json.loads(view["private_metadata"]) | {"channel_id": PRIVATE_CHANNEL}
    view["private_metadata"] = json.dumps(moved)
    answer = bot_app.submit(view, {ids.CAMPAIGN_BLOCK: CAMPAIGN, ids.SEND_ID_BLOCK: "moved"})
    assert answer.ack == errors({ids.CAMPAIGN_BLOCK: t(Msg.FORM_NOT_VERIFIED)})
    assert bot_app.store.recent_in_channel(PRIVATE_CHANNEL, 5) == []
    assert bot_app.store.recent_in_channel(CHANNEL, 5) == []
    bot_app.slack.assert_no_call("chat.postMessage", within=0.05)


def test_a_malformed_campaign_id_is_shown_under_its_field(bot_app: SlackDriver) -> None:
    values = {ids.CAMPAIGN_BLOCK: "not a campaign", ids.SEND_ID_BLOCK: None}
    answer = bot_app.submit(sealed_form(bot_app, ids.REQUEST_MODAL, ModalMetadata(CHANNEL)), values)
    assert answer.json()["response_action"] == "errors"
    assert list(answer.json()["errors"]) == [ids.CAMPAIGN_BLOCK]
    assert bot_app.store.recent_in_channel(CHANNEL, 5) == []


def reject_form(bot_app: SlackDriver, request_id: str, user: str) -> dict[str, Any]:
    return sealed_form(bot_app, ids.REJECT_MODAL, ModalMetadata(CHANNEL, request_id), user)


def test_a_rejection_with_a_reason_closes_the_form_and_records_it(
    bot_app: SlackDriver,
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    answer = bot_app.submit(
        reject_form(bot_app, request.id, APPROVER), {ids.REASON_BLOCK: " no "}, user=APPROVER
    )
    assert answer.ack == ACKNOWLEDGED
    rejected = wait_for_state(bot_app.store, request.id, RequestState.REJECTED)
    assert (rejected.decided_by, rejected.reject_reason) == (APPROVER, "no")


def test_a_non_approver_submitting_a_reject_form_is_refused_in_the_form(
    bot_app: SlackDriver,
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    answer = bot_app.submit(
        reject_form(bot_app, request.id, OUTSIDER), {ids.REASON_BLOCK: None}, user=OUTSIDER
    )
    assert answer.ack == errors({ids.REASON_BLOCK: t(Msg.REFUSAL_NOT_APPROVER)})
    assert stored(bot_app.store, request.id).state is RequestState.PENDING


def test_a_reject_form_for_an_unknown_request_says_so(bot_app: SlackDriver) -> None:
    answer = bot_app.submit(reject_form(bot_app, "r0000000000000", APPROVER), {}, user=APPROVER)
    assert answer.ack == errors({ids.REASON_BLOCK: t(Msg.FORM_UNKNOWN_REQUEST)})


def test_a_reject_form_moved_to_another_request_or_opened_for_another_person_rejects_nothing(
    bot_app: SlackDriver,
) -> None:
    opened_for = bot_app.request(CAMPAIGN, "wave1")
    target = bot_app.request(CAMPAIGN, "wave2")
    moved = reject_form(bot_app, opened_for.id, APPROVER)
    raw = json.loads(moved["private_metadata"]) | {"request_id": target.id}
    moved["private_metadata"] = json.dumps(raw)
    someone_elses = reject_form(bot_app, target.id, OUTSIDER)
    for view in (moved, someone_elses):
        answer = bot_app.submit(view, {ids.REASON_BLOCK: None}, user=APPROVER)
        assert answer.ack == errors({ids.REASON_BLOCK: t(Msg.FORM_NOT_VERIFIED)})
    assert stored(bot_app.store, target.id).state is RequestState.PENDING


def test_a_reject_form_under_the_reject_buttons_id_is_not_taken_for_one(
    bot_app: SlackDriver,
) -> None:
    # Earlier versions opened the reason form under the Reject button's ID. Such a form, still
    # open during a deploy, reaches no listener (Slack shows an error; it is opened again).
    request = bot_app.request(CAMPAIGN, "wave1")
    old = sealed_form(bot_app, ids.REJECT, ModalMetadata(CHANNEL, request.id), APPROVER)
    assert bot_app.submit(old, {ids.REASON_BLOCK: None}, user=APPROVER).status == 404
    assert stored(bot_app.store, request.id).state is RequestState.PENDING
