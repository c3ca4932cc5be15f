"""What a workflow step is told (issue 28), in English and German: the outputs, one sentence
per ending naming who and why with foreign text inert, and the card's workflow note."""

from __future__ import annotations

import pytest

from bot.domain import problems
from bot.domain.models import FailureKind, RequestState
from bot.domain.workflow_steps import StepVerdict, verdict
from bot.i18n import SUPPORTED_LANGUAGES, Translator
from bot.slack.views import card, steps
from tests.support.constants import APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.shown import valid_blocks
from tests.unit.slack.test_blocks import decided, make_request

S = RequestState


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_card_of_a_workflow_request_says_so_and_stays_valid_block_kit(language: str) -> None:
    t = Translator(language)
    facts = card.CardFacts(approver_ids=[APPROVER], via_workflow=True)
    for request in (make_request(), decided(S.REJECTED)):
        blocks = valid_blocks(card.approval_card(t, request, facts))
        notes = [b for b in blocks if b["type"] == "context"]
        assert any(f"<@{REQUESTER}>" in str(n) and ":zap:" in str(n) for n in notes)
    plain = valid_blocks(card.approval_card(t, make_request(), card.CardFacts()))
    assert ":zap:" not in str(plain)


@pytest.mark.parametrize(
    ("state", "kind", "ends"),
    [
        (S.PENDING, None, None),
        (S.APPROVED, None, None),
        (S.CREATED, None, StepVerdict.COMPLETE),
        (S.REJECTED, None, StepVerdict.FAIL),
        (S.EXPIRED, None, StepVerdict.FAIL),
        (S.CANCELLED, None, StepVerdict.FAIL),
        (S.FAILED, FailureKind.UNAVAILABLE, None),
        (S.FAILED, FailureKind.OUTCOME_UNKNOWN, None),
        (S.FAILED, FailureKind.QUOTA, None),
        (S.FAILED, FailureKind.REJECTED_BY_BRAZE, StepVerdict.FAIL),
        (S.FAILED, FailureKind.AUTH, StepVerdict.FAIL),
        (S.FAILED, FailureKind.WORKSPACE_UNKNOWN, StepVerdict.FAIL),
    ],
)
def test_a_step_ends_only_when_no_retry_can_change_the_outcome(
    state: RequestState, kind: FailureKind | None, ends: StepVerdict | None
) -> None:
    assert verdict(decided(state, failure_kind=kind)) is ends


def test_the_outputs_of_a_created_request() -> None:
    request = decided(S.CREATED, created_send_id="made_1")
    assert steps.step_outputs(request, "https://x/p1") == {
        "send_id": "made_1",
        "campaign_id": CAMPAIGN,
        "approver_id": APPROVER,
        "request_link": "https://x/p1",
    }
    assert "request_link" not in steps.step_outputs(request, None)
    assert steps.created_metadata(request)["event_payload"]["send_id"] == "made_1"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_ending_is_one_sentence_naming_who_with_foreign_text_inert(language: str) -> None:
    t = Translator(language)
    endings = [
        decided(S.REJECTED, reject_reason="see <https://evil.example|here> @channel"),
        make_request(state=S.CANCELLED, decided_by=REQUESTER),
        make_request(state=S.EXPIRED),
        decided(S.FAILED, failure_kind=FailureKind.REJECTED_BY_BRAZE, failure_message="<!here> x"),
        decided(S.FAILED, failure_kind=FailureKind.PERMISSION),
    ]
    for request in endings:
        error = steps.step_error(t, request)
        assert "\n" not in error and f"`{CAMPAIGN}`" in error
        assert "<https://" not in error and "<!here>" not in error and "@channel" not in error
        if request.state is not S.EXPIRED:
            assert f"<@{request.decided_by}>" in error


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_refusals_name_the_channel_and_the_forms_reason(language: str) -> None:
    t = Translator(language)
    named = steps.not_permitted_error(t, "C0GROWTH", "growth", [CHANNEL])
    assert "#growth" in named and f"<#{CHANNEL}>" in named
    assert "<#C0GROWTH>" in steps.not_permitted_error(t, "C0GROWTH", None, [CHANNEL])
    assert "#gr&lt;owth" in steps.not_permitted_error(t, "C0GROWTH", "gr<owth", [CHANNEL])
    refused = steps.refused_error(t, "bad", problems.Problem(problems.CAMPAIGN_MALFORMED))
    assert "`bad`" in refused
