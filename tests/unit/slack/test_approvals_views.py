"""What the two-person rule shows (issue 25): progress on the card, in the App Home, the history,
the reminder, the Approve dialog and private answers, in English and German, valid Block Kit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.domain.models import RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack.views import card, home, ids, notices, replies, texts
from tests.support.constants import APPROVER, CHANNEL, GROUP_APPROVER
from tests.support.records import pending_request
from tests.support.shown import all_text, buttons, valid_blocks

CREATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
S = RequestState
EN, DE = Translator("en"), Translator("de")


def request(**changes: Any) -> SendIdRequest:
    return pending_request(**{"campaign_name": None, "approvals_required": 2, **changes})


def approve_confirm(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    (approve,) = [b for b in buttons(blocks) if b["action_id"] == ids.APPROVE]
    return dict(approve["confirm"])


@pytest.mark.parametrize(
    ("t", "progress", "waiting"),
    [
        (EN, f"1 of 2 approvals: <@{APPROVER}>", "waiting for one more approver"),
        (DE, f"1 von 2 Freigaben: <@{APPROVER}>", "es fehlt noch eine Freigabe"),
    ],
)
def test_the_card_shows_who_approved_and_keeps_waiting_with_its_buttons(
    t: Translator, progress: str, waiting: str
) -> None:
    blocks = valid_blocks(card.approval_card(t, request(approvals=(APPROVER,))))
    assert blocks[0]["text"]["text"] == t(Msg.CARD_HEADER_PENDING)
    assert progress in all_text(blocks) and waiting in all_text(blocks)
    assert {b["action_id"] for b in buttons(blocks)} >= {ids.APPROVE, ids.REJECT}


def test_one_approval_needed_shows_no_progress_as_before() -> None:
    blocks = valid_blocks(card.approval_card(EN, request(approvals_required=1)))
    assert "approvals" not in all_text(blocks)
    assert "Waiting for an approver" in all_text(blocks)


def test_the_approve_dialog_says_braze_waits_unless_this_is_the_last_approval() -> None:
    first = approve_confirm(card.approval_card(EN, request(approvals_required=3)))
    assert first["title"]["text"] == "Approve this request?"
    assert "Yours is approval 1 of 3. Braze is not called yet" in first["text"]["text"]
    second = approve_confirm(
        card.approval_card(DE, request(approvals_required=3, approvals=("U1",)))
    )
    assert "Das ist Freigabe 2 von 3" in second["text"]["text"]
    last = approve_confirm(card.approval_card(EN, request(approvals=(APPROVER,))))
    assert last["title"]["text"] == "Create this send ID?"
    assert "Braze is called once" in last["text"]["text"]


def test_many_missing_approvals_are_counted_in_words() -> None:
    three = request(approvals_required=3)
    assert "0 of 3 approvals; waiting for 3 more approvers" in card.status_line(EN, three)
    assert "0 von 3 Freigaben; es fehlen noch 3 Freigaben" in card.status_line(DE, three)


def test_every_approver_is_named_once_it_is_created() -> None:
    created = request(
        state=S.CREATED,
        decided_by=GROUP_APPROVER,
        decided_at=CREATED_AT,
        approvals=(APPROVER, GROUP_APPROVER),
        created_send_id="wave1",
    )
    line = card.status_line(EN, created)
    assert f"<@{APPROVER}>, <@{GROUP_APPROVER}>" in line
    valid_blocks(card.approval_card(DE, created))


def test_home_history_and_private_answers_show_the_approvals_so_far() -> None:
    counted = request(approvals=(APPROVER,))
    for t in (EN, DE):
        view = home.home_view(t, channels=[CHANNEL], mine=[counted], to_decide=[counted], quotas=[])
        View(**view).validate_json()
        assert f"<@{APPROVER}>" in all_text(view["blocks"])
    # Who approved keeps Reject in their App Home, and has no Approve that would count nothing.
    view = home.home_view(EN, channels=[], mine=[], to_decide=[counted], quotas=[], viewer=APPROVER)
    assert [b["action_id"] for b in buttons(view["blocks"])] == [ids.REJECT]
    other = home.home_view(EN, channels=[], mine=[], to_decide=[counted], quotas=[], viewer="U0B")
    assert [b["action_id"] for b in buttons(other["blocks"])] == [ids.APPROVE, ids.REJECT]
    assert "*pending, 1 of 2 approvals: <@U0APPROVER>*" in texts.history_text(EN, [counted])
    assert "*wartet, 1 von 2 Freigaben" in texts.history_text(DE, [counted])
    assert texts.approval_counted_text(EN, counted).startswith(
        ":ballot_box_with_check: Your approval is counted (1 of 2 approvals: <@U0APPROVER>); "
        "waiting for one more approver."
    )
    assert texts.already_counted_text(DE, counted).startswith(
        "Du hast diese Anfrage schon freigegeben (1 von 2 Freigaben: <@U0APPROVER>); "
        "es fehlt noch eine Freigabe."
    )
    assert "(1 of 2 approvals: <@U0APPROVER>)" in texts.already_decided_text(EN, counted)


def test_the_reminder_names_only_who_has_not_approved_yet() -> None:
    counted = request(approvals=(APPROVER,))
    text = replies.reminder_reply(EN, counted, [GROUP_APPROVER], ["S0LEADS"])
    assert text.startswith(
        f":bell: 1 of 2 approvals; waiting for one more approver: "
        f"<@{GROUP_APPROVER}> or <!subteam^S0LEADS>."
    )
    assert f"<@{APPROVER}>" not in text  # done their part: not pinged again
    assert "Diese Anfrage läuft" in replies.reminder_reply(DE, counted, [GROUP_APPROVER], [])


def test_a_claim_undone_with_every_approval_in_says_the_next_approve_calls_braze() -> None:
    undone = request(approvals=(APPROVER, GROUP_APPROVER))
    line = card.status_line(EN, undone)
    assert f"2 of 2 approvals: <@{APPROVER}>, <@{GROUP_APPROVER}>; the next Approve" in line
    assert "die nächste Freigabe ruft Braze auf" in card.status_line(DE, undone)
    assert approve_confirm(card.approval_card(EN, undone))["title"]["text"] == (
        "Create this send ID?"
    )


def test_a_late_click_hears_every_approver_of_a_request_that_needed_several() -> None:
    approved = request(
        state=S.APPROVED,
        decided_by=GROUP_APPROVER,
        decided_at=CREATED_AT,
        approvals=(APPROVER, GROUP_APPROVER),
    )
    text = texts.already_decided_text(EN, approved)
    assert text.startswith(f"Already approved by <@{APPROVER}>, <@{GROUP_APPROVER}> ")


def test_a_request_that_expired_with_some_approvals_never_says_nobody_decided() -> None:
    expired = request(state=S.EXPIRED, approvals=(APPROVER,))
    for t in (EN, DE):
        blocks = valid_blocks(card.approval_card(t, expired))
        reply = replies.expired_reply(t, expired)
        # Named on the card (an update pings nobody), counted in the reply (a reply would).
        assert f"<@{APPROVER}>" in all_text(blocks) and f"<@{APPROVER}>" not in reply
    assert "Expired with 1 of 2 approvals" in card.status_line(EN, expired)
    assert "nobody decided" not in replies.expired_reply(EN, expired)
    assert "Niemand hat" not in replies.expired_reply(DE, expired)
    # None approved: as before.
    assert "nobody decided" in replies.expired_reply(EN, request(state=S.EXPIRED))


def test_an_approvers_dm_says_how_many_approvals_it_takes() -> None:
    for t, words in ((EN, "0 of 2 approvals"), (DE, "0 von 2 Freigaben")):
        _, blocks = notices.approver_dm(t, request(), "https://example.slack.com/archives/C1/p1")
        assert words in all_text(valid_blocks(blocks))
        assert {b["action_id"] for b in buttons(blocks)} == {ids.APPROVE, ids.REJECT}
