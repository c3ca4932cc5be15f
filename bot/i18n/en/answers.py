"""English: what one person is answered — forms, answers to /sendid and to clicks, App Home,
form errors."""

from __future__ import annotations

from bot.i18n.keys import Msg

ANSWERS: dict[Msg, str] = {
    Msg.MODAL_REQUEST_TITLE: "Request a send ID",
    Msg.MODAL_REQUEST_SUBMIT: "Request",
    Msg.MODAL_CANCEL: "Cancel",
    Msg.MODAL_BACK: "Back",
    Msg.MODAL_CAMPAIGN_LABEL: "Campaign ID",
    Msg.MODAL_CAMPAIGN_HINT: "The API campaign's identifier, from its page in Braze.",
    Msg.MODAL_SEND_ID_LABEL: "Send ID",
    Msg.MODAL_SEND_ID_PLACEHOLDER: "e.g. spring_sale_2026_wave1",
    Msg.MODAL_SEND_ID_HINT: (
        "Optional. Leave blank and Braze generates one. 1–64 printable ASCII characters, no spaces."
    ),
    Msg.MODAL_SEND_ID_HINT_RULE: (
        "Required here: this channel's send IDs follow a naming rule, for example {example}"
    ),
    Msg.MODAL_PURPOSE_LABEL: "Purpose",
    Msg.MODAL_PURPOSE_HINT: "Optional. What the send is for, shown to the approvers on the card.",
    Msg.MODAL_PURPOSE_PLACEHOLDER: "e.g. second wave of the Black Friday push, EU only",
    Msg.MODAL_REQUEST_CONTEXT: "An approver signs off in {channel} before Braze is called.",
    Msg.MODAL_REJECT_TITLE: "Reject request",
    Msg.MODAL_REJECT_SUBMIT: "Reject",
    Msg.MODAL_REJECT_WHAT: (
        "You are rejecting {requester}'s request for a send ID for {campaign} (send ID "
        "{send_id}) in {channel}. Braze is not called; the requester is told in the card's "
        "thread."
    ),
    Msg.MODAL_REASON_LABEL: "Reason",
    Msg.MODAL_REASON_HINT: "Optional. Shown to the requester in the request's thread.",
    Msg.NOT_PERMITTED: "`/sendid` does not work here. It works in these channels: {channels}.",
    Msg.HELP: (
        "*Send ID bot* creates Braze send IDs after an approver signs off.\n"
        "• `/sendid` opens the request form.\n"
        "• `/sendid &lt;campaign_id&gt; [send_id]` opens it pre-filled.\n"
        "• `/sendid history` shows recent requests in this channel (only to you).\n"
        "• `/sendid quota` shows what is known of today's Braze send ID quota.\n"
        "• `/sendid stats &lt;send_id&gt;` shows a created send ID's results (only to you).\n"
        "• `/sendid help` shows this.\n"
        "Leave the send ID blank and Braze generates one. Approvers click *Approve* on the "
        "card; the result is posted in the card's thread."
    ),
    Msg.UNKNOWN_WORD: (
        "{word} is neither a sub-command nor a campaign ID (campaign IDs look like "
        "`3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60`). Usage: `/sendid`, "
        "`/sendid &lt;campaign_id&gt; [send_id]`, `/sendid history`, `/sendid quota`, "
        "`/sendid stats &lt;send_id&gt;`, `/sendid help`."
    ),
    Msg.TOO_MANY_WORDS: (
        "Too many words. Usage: `/sendid`, `/sendid &lt;campaign_id&gt; [send_id]`, "
        "`/sendid history`, `/sendid quota`, `/sendid stats &lt;send_id&gt;`, `/sendid help`."
    ),
    Msg.COMMAND_FAILED: "Sorry, that failed (an internal error, logged for the admin). Try again.",
    Msg.HISTORY_EMPTY: "No send ID requests in this channel yet.",
    Msg.HISTORY_TITLE: "*Recent send ID requests in this channel:*",
    Msg.HISTORY_LINE: "• {when} {requester} {campaign} → {send_id}: *{state}*",
    Msg.QUOTA_NOTHING_KNOWN: (
        "Nothing is known yet of today's Braze send ID quota (at most 100 per day unless "
        "Braze raised it); it is read from Braze's answers to each creation."
    ),
    Msg.QUOTA_USED_UP: " *Used up.*",
    Msg.QUOTA_REPORT: "{line}{used_up} (as Braze reported {seen})",
    Msg.REFUSAL_CHANNEL: (
        "Send ID requests are not permitted in this channel. They work in: {channels}"
    ),
    Msg.REFUSAL_WRONG_CHANNEL: (
        "That button belongs to a request in another channel; nothing was changed."
    ),
    Msg.REFUSAL_NOT_APPROVER: "Only approvers can decide send ID requests; nothing was changed.",
    Msg.REFUSAL_SELF_APPROVAL: "You made this request, so another approver has to decide it.",
    Msg.REFUSAL_NOT_REQUESTER: "Only the requester can do that.",
    Msg.REFUSAL_NOT_ADMIN: (
        "Only the bot's admins can retry this request: its Braze connection needs fixing "
        "first. Nothing was changed."
    ),
    Msg.REFUSAL_NOT_MEMBER: (
        "This request is in a private channel, and only its members can act on it from outside "
        "the channel; I could not confirm you are one, so nothing was changed. A member of the "
        "channel decides it on its card, or ask to be added to the channel."
    ),
    Msg.REFUSAL_FOREIGN: (
        "This Send ID bot serves only its own Slack workspace, and this came from another "
        "workspace, app or organisation: nothing was changed. For a send ID, a member of the "
        "bot's workspace requests it there with `/sendid`, or your Slack admin installs the bot "
        "for your workspace."
    ),
    Msg.ALREADY_UNKNOWN: "I do not know that request any more; nothing was changed.",
    Msg.ALREADY_APPROVED: "Already approved by {who}{when}; nothing was changed.",
    Msg.ALREADY_REJECTED: "Already rejected by {who}{when}; nothing was changed.",
    Msg.ALREADY_EXPIRED: (
        "This request has expired; nothing was changed. Whoever still needs it can ask again "
        "with *Request again* on the card."
    ),
    Msg.ALREADY_CANCELLED: "This request was cancelled; nothing was changed.",
    Msg.ALREADY_PENDING: "This request is still waiting for an approver.",
    Msg.APPROVERS_UNREADABLE: (
        "I could not check who the approvers are ({error}). Nothing was changed; try again "
        "in a minute."
    ),
    Msg.ACTION_FAILED: (
        "Sorry, {what} failed: an internal error, logged for the admins. The card shows where "
        "the request stands; try again, or ask an admin to check the bot's logs."
    ),
    Msg.DOING_APPROVE: "approving the request",
    Msg.DOING_REJECT: "rejecting the request",
    Msg.DOING_RETRY: "retrying the request",
    Msg.DOING_REPOST: "posting the approval card again",
    Msg.DOING_POST_CARD: "posting the approval card",
    Msg.DOING_OPEN_FORM: "opening the send ID form",
    Msg.QUOTA_WAIT: "{problem} The request stays open until then.",
    Msg.RETRY_TAKEN: "Someone else is already retrying this request, or it cannot be retried.",
    Msg.REPLY_DELAYED: (
        "The Braze call is over: the request is now *{state}*. Slack refused the reply in the "
        "card's thread for now; the bot posts it there as soon as Slack takes it."
    ),
    Msg.REPOST_DONE: "Posted the approval card.",
    Msg.REPOST_UNDER_WAY: (
        "The approval card is being posted already (or just was): look for it in the channel. "
        "Nothing more to do."
    ),
    Msg.NOT_CALLED_TOLD: (
        "Your click did not get as far as Braze (my database was unreachable), so nothing was "
        "created. The request goes back to where it was, at once or within a few minutes if "
        "my database stays away; then try again."
    ),
    Msg.RESULTS_BUSY: (
        "I am still fetching the results you asked for a moment ago; they come here as soon "
        "as Braze answers. Ask again after that."
    ),
    Msg.DATABASE_DOWN: (
        "I can't reach my database right now, so nothing was changed. Try again in a minute."
    ),
    Msg.FORM_DATABASE_DOWN: (
        "I can't reach my database right now, so this request may not be saved. Try again in "
        "a minute (if it was saved after all, its card shows up in the channel)."
    ),
    Msg.DATABASE_LOST: (
        "I lost my database connection while {what}. Whatever was done before that stays "
        "done, and the card shows it once I can reach the database again; if it does not "
        "change, try again in a minute."
    ),
    Msg.UNRECORDED_CREATION: (
        "Braze created send ID {send_id} for this request, but my database stayed unreachable "
        "until I had to stop, so I could not record it, and the card will say *status "
        "unknown*. The send ID exists and can be used; it is in my log for the admins."
    ),
    Msg.CARD_SAVED: "Your send ID request for campaign {campaign} is saved. {fix}",
    Msg.CARD_NOT_IN_CHANNEL: (
        "I am not a member of {channel}, so I could not post the approval card there. "
        "Invite me with `/invite @Send ID bot` in that channel, then click *Post again*."
    ),
    Msg.CARD_SLACK_REFUSED: (
        "Slack refused to post the approval card ({error}). Try *Post again*."
    ),
    Msg.FORM_WRONG_CHANNEL: (
        "This form does not belong to a permitted channel. Close it and run /sendid in a "
        "permitted channel."
    ),
    Msg.FORM_SAVE_FAILED: (
        "The bot could not save this request (an internal error, logged for the admin). "
        "Nothing was created; try again."
    ),
    Msg.FORM_UNKNOWN_REQUEST: "Unknown request.",
    Msg.FORM_APPROVERS_UNREADABLE: "Could not check the approvers; try again.",
    # attack review, part two: sealed forms
    Msg.FORM_NOT_VERIFIED: (
        "This form could not be verified as the one the bot opened here, so nothing was saved. "
        "Close it and start again where you opened it."
    ),
    Msg.HOME_HEADER: "Send ID bot",
    Msg.HOME_INTRO: (
        "Request a Braze send ID with `/sendid` in one of these channels: {channels}. "
        "An approver signs off, then the bot creates it and answers in the card's thread."
    ),
    Msg.HOME_QUOTA_TITLE: "*Today's Braze send ID quota*",
    Msg.HOME_QUOTA_BAR: "`{bar}` {used} used, {remaining} left of {limit}{reset}",
    Msg.HOME_QUOTA_UNKNOWN: (
        "Not known yet: it is read from Braze's answers to each creation (at most 100 per "
        "day unless Braze raised it)."
    ),
    Msg.HOME_MINE_TITLE: "*Your recent requests*",
    Msg.HOME_MINE_EMPTY: "You have not requested a send ID yet.",
    Msg.HOME_MINE_LINE: "{when} in {channel}: {campaign} → {send_id}: *{state}*",
    Msg.HOME_PENDING_TITLE: "*Waiting for your decision*",
    Msg.HOME_PENDING_EMPTY: "Nothing is waiting for you.",
    Msg.HOME_PENDING_LINE: "{requester} in {channel}: {campaign} → {send_id}, requested {when}",
    # attack review, part two: private channels in App Home
    Msg.HOME_PENDING_UNREADABLE: (
        ":lock: {count} more waiting in private channels you are not a member of (or whose "
        "members the bot could not read). Their cards are in those channels."
    ),
    Msg.PROBLEM_CAMPAIGN_MISSING: "Enter the campaign's API identifier.",
    Msg.PROBLEM_CAMPAIGN_MALFORMED: (
        "That is not a Braze campaign ID. Copy the API identifier from the campaign's page "
        "in Braze: 36 characters like 1a2b3c4d-0000-4000-8000-123456789abc."
    ),
    Msg.PROBLEM_SEND_ID_TOO_LONG: (
        "A send ID has at most {maximum} characters; this one has {length}."
    ),
    Msg.PROBLEM_PURPOSE_TOO_LONG: (
        "Keep the purpose to {maximum} characters; this one has {length}."
    ),
    Msg.PROBLEM_SEND_ID_CHARACTERS: (
        "A send ID may only use printable ASCII characters (letters, digits, punctuation) "
        "and no spaces."
    ),
    Msg.PROBLEM_QUOTA_USED_UP: "Today's Braze send ID quota is used up; it resets {reset}.",
    # When something happens, in plain text (an inline form error cannot show a Slack date).
    Msg.IN_MINUTES: "in {minutes} min",
    Msg.IN_HOURS: "in {hours} h {minutes} min",
    Msg.PROBLEM_DUPLICATE_CREATED: "This bot already created this send ID for this campaign.",
    Msg.PROBLEM_DUPLICATE_IN_FLIGHT: (
        "This send ID is already requested for this campaign and waiting or in progress."
    ),
    Msg.PROBLEM_CAMPAIGN_UNKNOWN: (
        "Braze does not know this campaign ID. Check that it is the API identifier of a "
        "campaign in this Braze workspace."
    ),
    Msg.PROBLEM_SEND_ID_PATTERN: (
        "This send ID does not follow this channel's naming rule. Example: {example}"
    ),
    Msg.PROBLEM_SEND_ID_REQUIRED: (
        "This channel needs a send ID that follows its naming rule, for example {example}"
    ),
    Msg.PROBLEM_CAMPAIGN_NOT_ALLOWED: (
        "This campaign is not on this channel's list of campaigns; ask an admin or use "
        "another channel."
    ),
    Msg.PROBLEM_CAMPAIGN_ARCHIVED: (
        "This campaign is archived in Braze; unarchive it or pick another."
    ),
    # attack review, part two: per-person limits (inline form errors: plain text)
    Msg.PROBLEM_TOO_MANY_PENDING_ONE: (
        "You already have a request waiting for an approver, and one is the most one person "
        "may have: {pending}. Cancel it (⋯ → Cancel my request on its card, or Cancel request "
        "in the Home tab of the Send ID bot) or wait for its decision, then try again."
    ),
    Msg.PROBLEM_TOO_MANY_PENDING: (
        "You already have {count} requests waiting for an approver, the most one person may "
        "have ({limit}): {pending}. Cancel one (⋯ → Cancel my request on its card, or Cancel "
        "request in the Home tab of the Send ID bot) or wait for a decision, then try again."
    ),
    Msg.PROBLEM_APPROVALS_IMPOSSIBLE: (
        "This channel needs {required} approvals from different people, but only {others} "
        "approver(s) other than you are set up, so this request could never be approved. Ask "
        "an admin to add approvers to this channel's policy."
    ),
    Msg.FORM_NOT_OPENED: (
        "I did not open the request form, because no request could be accepted now: {why}"
    ),
    Msg.PROBLEM_SUBMITTING_TOO_FAST: (
        "You sent too many request forms in the last minute. Try again in {seconds} s."
    ),
    # the two-person rule (approvals_required)
    Msg.ALREADY_PENDING_PROGRESS: (
        "This request is still waiting for approval ({progress}); {waiting}."
    ),
    Msg.APPROVAL_COUNTED: (
        ":ballot_box_with_check: Your approval is counted ({progress}); {waiting}. Braze is "
        "called once the last approval is in; the card shows how far it is."
    ),
    Msg.APPROVAL_ALREADY_COUNTED: (
        "You already approved this request ({progress}); {waiting}. Nothing was changed."
    ),
}
