"""The Slack surface: Block Kit builders, listeners and the Bolt app factory."""
