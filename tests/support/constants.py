"""The names tests, the reliability suite and the benchmarks share: secrets, workspace, IDs.

The action and callback IDs are the bot's own (``bot.slack.views.ids``): a test clicks
``APPROVE`` because that is what the bot puts on its button. Tests that play Slack take them from
here; the unit tests of ``bot.slack`` read ``ids`` itself, the module they test.
"""

from __future__ import annotations

from bot.domain.models import FailureKind
from bot.slack.views import ids

# What the bot puts on its buttons (action_id) and forms (callback_id).
APPROVE = ids.APPROVE
REJECT = ids.REJECT
RETRY = ids.RETRY
REPOST = ids.REPOST
CANCEL = ids.CANCEL
RESULTS = ids.RESULTS
CANCEL_MENU = ids.CANCEL_MENU
REQUEST_AGAIN = ids.REQUEST_AGAIN
REQUEST_MODAL = ids.REQUEST_MODAL
REJECT_MODAL = ids.REJECT_MODAL

# Loopback-only values; the secrets watch of the reliability suite searches for them.
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BRAZE_KEY = "test-braze-key"
# The key of a second Braze workspace ("eu"), read from BRAZE_API_KEY_EU as the policy names it.
BRAZE_KEY_EU = "test-braze-key-eu-workspace"
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

# Braze refusing the bot's setup: the status, the failure it is, and a setting the admins are
# told to check (never the channel).
SETUP_FAILURES = [
    (401, FailureKind.AUTH, "BRAZE_API_KEY"),
    (403, FailureKind.PERMISSION, "sends.id.create"),
    (404, FailureKind.NOT_FOUND, "BRAZE_REST_ENDPOINT"),
]
