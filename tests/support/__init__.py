"""What tests, the reliability suite and the benchmarks use to run and drive the bot.

* ``constants``: tokens, workspace, campaign, and the bot's own action IDs (imported once).
* ``slack_requests``: Slack-shaped request bodies and their signatures.
* ``driver``: :class:`~tests.support.driver.SlackDriver`, signed Slack requests to a running bot
  (one or several replicas) and the flow's steps, with waits on the Slack stand-in.
* ``bots``: the bot's settings against the stand-ins; the bot in this process or as
  ``python -m bot``.
* ``processes``: the one launcher of child processes (start, stop, kill, ready-wait).
* ``waits``: waiting on the store; ``shown``: reading what the bot posted.
* ``databases``: SQLite files and isolated PostgreSQL schemas.

The loopback stand-ins themselves live in ``tests/standins/``.
"""
