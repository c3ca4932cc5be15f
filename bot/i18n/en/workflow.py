"""English: what a Workflow Builder step is told (its error, in one sentence a workflow owner
understands) and the card's note that a workflow asked."""

from __future__ import annotations

from bot.i18n.keys import Msg

WORKFLOW: dict[Msg, str] = {
    Msg.CARD_VIA_WORKFLOW: ":zap: Requested through a workflow for {requester}.",
    Msg.STEP_NOT_PERMITTED: (
        "{channel} is not a channel where send IDs may be requested; these are: {channels}."
    ),
    Msg.STEP_INPUT_MISSING: "The step's input “{name}” is missing or not valid.",
    Msg.STEP_REFUSED: "No send ID was requested for campaign {campaign}: {problem}",
    Msg.STEP_DATABASE_DOWN: (
        "The Send ID bot can't reach its database, so nothing was requested. Run the workflow "
        "again later."
    ),
    Msg.STEP_NOT_TAKEN: (
        "The Send ID bot could not take the request (its log says why), so nothing was "
        "requested. Run the workflow again later."
    ),
    Msg.STEP_REJECTED: "{who} rejected the send ID request for campaign {campaign}.{reason}",
    Msg.STEP_EXPIRED: (
        "Nobody decided the send ID request for campaign {campaign} in time, so it expired "
        "and no send ID was created."
    ),
    Msg.STEP_CANCELLED: "{who} cancelled the send ID request for campaign {campaign}.",
    Msg.STEP_BRAZE_REFUSED: (
        "Braze refused to create the send ID for campaign {campaign} that {who} approved: {message}"
    ),
    Msg.STEP_SETUP_FAILED: (
        "No send ID was created for campaign {campaign} that {who} approved: Braze refused the "
        "bot's connection, which an admin must fix (the admins have been told)."
    ),
}
