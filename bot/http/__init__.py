"""The HTTP side of the process: `routes` (which path answers what: the Slack endpoint, health,
readiness, metrics), `slack_endpoint` (what reaches Bolt: malformed requests and replays are
refused before it; `slack_payloads` checks the shapes) and `server` (cheroot in a thread)."""
