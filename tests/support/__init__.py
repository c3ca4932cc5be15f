"""What tests, the reliability suite and the benchmarks use to run and drive the bot.

* ``constants``: tokens, workspace, campaign, and the bot's own action IDs.
* ``slack_requests``: Slack-shaped request bodies and their signatures.
* ``driver``: :class:`~tests.support.driver.SlackDriver`, signed Slack requests to a running bot
  (one or several replicas, or straight to its Bolt app) and the flow's steps, with waits on the
  Slack stand-in.
* ``bots``: the bot's settings against the stand-ins; the bot in this process (served over HTTP,
  or only built, for dispatching), as ``python -m bot`` or in a container.
* ``processes``: the one launcher of child processes (start, stop, kill, ready-wait).
* ``waits``: waiting on the store; ``shown``: reading what the bot posted.
* ``databases``: SQLite files and isolated PostgreSQL schemas.
* ``prerequisites``: skip without PostgreSQL, Docker, kubectl or ../shared, or fail where CI
  requires them.

The loopback stand-ins themselves live in ``tests/standins/``; the container image's launcher
(``docker run``) in ``tests/ops/docker.py``.
"""
