"""The HTTP side of the process: `routes` (which path answers what: the Slack endpoint, health,
readiness, metrics), `slack_endpoint` (what reaches Bolt: the signature is verified first, then
replays and malformed requests are refused before it; `slack_payloads` checks the shapes) and
`server` (waitress in a thread)."""
