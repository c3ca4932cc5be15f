"""The domain core: request lifecycle, input rules and policy. Knows nothing of Slack or HTTP."""
