"""bot.slack.form_metadata: a form's private_metadata opens only as the bot sealed it, for the
same form and the same person."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.form_metadata import FormSeal, ModalMetadata
from bot.slack.views import ids
from tests.support.constants import (
    APP_TOKEN,
    APPROVER,
    CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
    SIGNING_SECRET,
)

SEAL = FormSeal(SIGNING_SECRET)
FORM = ids.REQUEST_MODAL


def sealed(meta: ModalMetadata, form: str = FORM, user: str = REQUESTER) -> str:
    return SEAL.seal(meta, form=form, user_id=user)


def edited(raw: str, **changes: object) -> str:
    data = json.loads(raw)
    data.update(changes)
    return json.dumps(data)


@given(channel_id=st.text(), request_id=st.none() | st.text(), user=st.text())
def test_a_seal_opens_to_what_was_sealed(
    channel_id: str, request_id: str | None, user: str
) -> None:
    meta = ModalMetadata(channel_id, request_id)
    raw = SEAL.seal(meta, form=FORM, user_id=user)
    assert SEAL.open(raw, form=FORM, user_id=user) == meta


def test_a_form_moved_to_another_channel_does_not_open() -> None:
    raw = sealed(ModalMetadata(CHANNEL))
    assert SEAL.open(edited(raw, channel_id=PRIVATE_CHANNEL), form=FORM, user_id=REQUESTER) is None


def test_a_reject_form_moved_to_another_request_does_not_open() -> None:
    raw = sealed(ModalMetadata(CHANNEL, "r000000000001"), form=ids.REJECT_MODAL, user=APPROVER)
    moved = edited(raw, request_id="r000000000002")
    assert SEAL.open(moved, form=ids.REJECT_MODAL, user_id=APPROVER) is None
    assert SEAL.open(edited(raw, request_id=None), form=ids.REJECT_MODAL, user_id=APPROVER) is None


def test_a_seal_for_another_form_or_person_does_not_open() -> None:
    raw = sealed(ModalMetadata(CHANNEL, "r000000000001"), form=ids.REJECT_MODAL, user=APPROVER)
    assert SEAL.open(raw, form=ids.REQUEST_MODAL, user_id=APPROVER) is None
    assert SEAL.open(raw, form=ids.REJECT_MODAL, user_id=REQUESTER) is None


def test_a_seal_made_with_another_secret_does_not_open() -> None:
    other = FormSeal(APP_TOKEN).seal(ModalMetadata(CHANNEL), form=FORM, user_id=REQUESTER)
    assert SEAL.open(other, form=FORM, user_id=REQUESTER) is None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        5,
        "",
        "not json",
        "null",
        "[]",
        "[" * 3000,
        '{"channel_id": "C0CAMPAIGNS"}',  # unsealed, as earlier versions wrote it
        '{"channel_id": "C0CAMPAIGNS", "mac": 5}',
        '{"channel_id": 5, "mac": "00"}',
        '{"channel_id": "C0CAMPAIGNS", "request_id": 7, "mac": "00"}',
        '{"channel_id": "C0CAMPAIGNS", "mac": "' + "0" * 64 + '"}',
        '{"channel_id": "C0CAMPAIGNS", "mac": "\\u00e9"}',
    ],
)
def test_garbage_and_unsealed_metadata_do_not_open(raw: object) -> None:
    assert SEAL.open(raw, form=FORM, user_id=REQUESTER) is None


def test_metadata_longer_than_slack_allows_does_not_open() -> None:
    raw = sealed(ModalMetadata("C" * 3000))
    assert SEAL.open(raw, form=FORM, user_id=REQUESTER) is None


def test_the_seal_shows_neither_secret_nor_key() -> None:
    raw = sealed(ModalMetadata(CHANNEL))
    assert SIGNING_SECRET not in raw + repr(SEAL) + str(SEAL)
    assert repr(SEAL) == "FormSeal(<key hidden>)"


def test_a_seal_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        FormSeal("")
