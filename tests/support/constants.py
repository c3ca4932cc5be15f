"""The names tests, the reliability suite and the benchmarks share: secrets, workspace, IDs.

The bot's own action and callback IDs are imported here, and only here: a test clicks
``APPROVE`` because that is what the bot puts on its button, and when the bot moves those IDs
to another module, the import line follows it.
"""

from __future__ import annotations

from bot.slack import blocks as bot_ids  # the one import of the bot's own IDs

# What the bot puts on its buttons (action_id) and forms (callback_id).
APPROVE = bot_ids.APPROVE
REJECT = bot_ids.REJECT
RETRY = bot_ids.RETRY
REPOST = bot_ids.REPOST
CANCEL = bot_ids.CANCEL
RESULTS = bot_ids.RESULTS
REQUEST_MODAL = bot_ids.REQUEST_MODAL
REJECT_MODAL = bot_ids.REJECT_MODAL

# Loopback-only values; the secrets watch of the reliability suite searches for them.
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BRAZE_KEY = "test-braze-key"
SECRETS = {
    "BRAZE_API_KEY": BRAZE_KEY,
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SLACK_APP_TOKEN": APP_TOKEN,
}

CHANNEL = "C0CAMPAIGNS"
PRIVATE_CHANNEL = "G0PRIVATE"
OTHER_CHANNEL = "C0RANDOM"  # not permitted
REQUESTER = "U0MARKETER"
APPROVER = "U0APPROVER"
GROUP_APPROVER = "U0LEAD"  # an approver through APPROVER_GROUP
APPROVER_GROUP = "S0APPROVERS"
OUTSIDER = "U0OUTSIDER"
CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"
CAMPAIGN_NAME = "Spring Sale <VIP> & friends"
UNKNOWN_CAMPAIGN = "00000000-0000-4000-8000-000000000000"
