"""Send ID bot: Braze send IDs created from Slack with an approver's sign-off."""
