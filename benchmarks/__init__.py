"""Benchmarks: the bot against a bare Bolt baseline, under Slack's time limits.

Run everything with one command (it sets up ``.venv`` with the ``bench`` extra first)::

    ./scripts/bench            # the full run (a few minutes); writes BENCHMARKS.md
    ./scripts/bench --quick    # the smoke variant CI runs (about half a minute); writes nothing
    ./scripts/bench --help     # latencies, output paths, baseline pool size, …

Why: Slack gives a bot 3 s to acknowledge a request, and a ``trigger_id`` that dies 3 s after
the slash command; a busy launch day brings bursts. The bot must stay far inside those limits and
add almost nothing to what Bolt itself costs.

What one run starts (all on 127.0.0.1):

* the Slack Web API and Braze stand-ins (``tests/standins/``) in a process of their own
  (``benchmarks/standins.py``), each answering after an injected latency (50 ms by default);
* the bot, ``python -m bot`` in HTTP mode with SQLite, in its own process;
* bare Bolt, ``benchmarks/baseline_app.py``: the smallest Bolt app that acknowledges
  ``/sendid`` and opens a static modal, with the bot's listener pool size, once on each candidate
  server (``--floor``; by default waitress with ``connection_limit=1000``, cheroot and gunicorn's
  ``gthread`` worker), each in its own process. The fastest of them in the /sendid bursts is
  *the floor*, the baseline every ratio is taken against;
* the load generator in the harness process (``benchmarks/loadgen.py``: raw asyncio HTTP/1.1,
  one new connection per request, so that its own CPU cost stays out of the figures).

All servers get the same signed requests, in turns (who goes first rotates). The machine is
shared, so the bursts' rounds come in blocks and the p99 compared is the median of the blocks'
p99. What is measured (section numbers as in BENCHMARKS.md):

1. acknowledgement latency of ``/sendid`` (p50/p95/p99) for bursts of 1, 10, 50 and 100
   concurrent requests, and the bot/floor ratio (the floor table: bare Bolt on every server);
2. time from sending ``/sendid`` to the Slack stand-in receiving ``views.open``;
3. acknowledgement latency of the modal submission, with Braze answering normally and with the
   campaign-details lookup answering only after 5 s (the bot must time-box it);
4. from an Approve click to the thread reply reaching the stand-in, minus the injected latencies
   of the calls made on the way (the bot's own overhead); the stand-ins' own processing time is
   measured too (``served`` in ``standins.py``) and shown separately;
5. the highest sustained ``/sendid`` rate at which the acknowledgement p99 stays under 1 s (open
   loop, doubling then bisecting);
6. start-up time to ``GET /readyz`` = 200, and RSS idle, after the load and at its peak.

It prints the figures, checks them against the targets (``report.py``), and writes BENCHMARKS.md
(plus ``--json`` for machines). The note at the end of BENCHMARKS.md comes from
``benchmarks/NOTES.md``: what is measured, how to read it, and the targets.

The code: ``harness.py`` runs it all (``python -m benchmarks``), ``servers.py`` starts the
servers (through the tests' process launcher, ``tests/support/processes.py``), ``scenarios.py``
holds the phases above, ``results.py`` the typed figures (what ``--json`` writes and
``--from-json`` reads), ``report.py`` the targets and BENCHMARKS.md. Request bodies, signatures,
tokens and the bot's action IDs come from ``tests/support``, as in the tests.

Figures depend on the machine and on what else runs on it: the report gives the load average
before and after the run. Benchmarks are not timed tests; ``tests/test_benchmark_smoke.py`` only
checks, with ``--quick``, that the harness runs and produces every figure.
"""
