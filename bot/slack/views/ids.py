"""Every ID the bot puts on a Slack surface and reads back.

Buttons live on in messages posted long ago, so a button's action ID, once posted, must keep
reaching its listener in every later version. A modal lives for minutes, so a callback ID may
change between versions (a form open during a deploy then fails visibly and is opened again).
"""

from __future__ import annotations

from typing import Final

# ---- buttons (action_id; the value is the request ID) -------------------------------------------
APPROVE: Final = "sendid_approve"
REJECT: Final = "sendid_reject"
RETRY: Final = "sendid_retry"
REPOST: Final = "sendid_repost"
CANCEL: Final = "sendid_cancel"
RESULTS: Final = "sendid_results"
# The card's "Request again" (rejected, expired, cancelled, failed for good): the form, pre-filled.
REQUEST_AGAIN: Final = "sendid_request_again"
# The card's overflow menu with "Cancel my request": the requester's, refused to anyone else.
# (Cards before it had a CANCEL button everyone saw; those still work.)
CANCEL_MENU: Final = "sendid_cancel_menu"

# ---- modals (callback_id) -----------------------------------------------------------------------
REQUEST_MODAL: Final = "sendid_request"
# Was "sendid_reject", the Reject button's action ID, in earlier versions: one name, two things.
REJECT_MODAL: Final = "sendid_reject_reason"

# ---- form inputs (block_id; the input element inside each is INPUT_ACTION) ---------------------
CAMPAIGN_BLOCK: Final = "campaign_id"
SEND_ID_BLOCK: Final = "send_id"
PURPOSE_BLOCK: Final = "purpose"
REASON_BLOCK: Final = "reason"
INPUT_ACTION: Final = "value"

# ---- rows of buttons (block_id "<row>:<request ID>", unique per message) ------------------------
DECISION_ROW: Final = "decide"
HOME_DECISION_ROW: Final = "home"
HOME_MINE_ROW: Final = "home_mine"
RESULTS_ROW: Final = "results"
RETRY_ROW: Final = "retry"
AGAIN_ROW: Final = "again"


def row_id(row: str, request_id: str) -> str:
    return f"{row}:{request_id}"
