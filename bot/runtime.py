"""The running bot, wired: store, a Braze client per workspace, service, Bolt app, HTTP server or
Socket Mode, housekeeping (see :mod:`bot.housekeeping`)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import httpx

from bot.braze import BrazeClient, BrazeClients, RetryPolicy
from bot.configuration import Configuration
from bot.domain.errors import ConfigurationError
from bot.domain.limits import PersonLimits, SubmissionRateLimit
from bot.domain.service import SendIdService
from bot.housekeeping import (
    LOST_CARD_AFTER,
    LOST_REPLY_AFTER,
    Scheduler,
    housekeeping_jobs,
    interval_for,
)
from bot.http.replays import REPLAY_WINDOW_SECONDS
from bot.http.routes import WebApp, metrics_app
from bot.http.server import HttpServer
from bot.http.slack_endpoint import SlackEndpoint
from bot.metrics import Metrics
from bot.slack.app import build_app
from bot.slack.setup_check import check_setup, log_setup
from bot.slack.unreachable import DatabaseUnreachable
from bot.socket_mode import AppTokenRefused, SocketModeConnection, SocketModeTiming
from bot.store import Store

log = logging.getLogger("bot.runtime")

# Kept this much past Slack's window: replicas' clocks may differ a little.
SIGNATURE_CLOCK_MARGIN_SECONDS = 60


class BotRuntime:
    def __init__(
        self,
        configuration: Configuration,
        *,
        braze_timeout: httpx.Timeout | None = None,
        braze_retry: RetryPolicy | None = None,
        lost_reply_after: timedelta = LOST_REPLY_AFTER,
        lost_card_after: timedelta = LOST_CARD_AFTER,
        sweep_every: float | None = None,
        socket_mode_timing: SocketModeTiming | None = None,
        check_setup_at_start: bool = True,
    ) -> None:
        # Checked before (bot.configuration.load_configuration): nothing here refuses it.
        self.settings = settings = configuration.settings
        self.policy_file = configuration.policy_file
        configuration.log_warnings()
        self.socket_mode_timing = socket_mode_timing or SocketModeTiming()
        self.check_setup_at_start = check_setup_at_start
        self.store = Store(settings.sendid_database_url)
        self.metrics = Metrics(self.store, list(configuration.workspaces))
        # One client per Braze workspace: its own endpoint, key, connection pool and metrics.
        self.braze = BrazeClients(
            {
                workspace.name: BrazeClient(
                    workspace.rest_endpoint,
                    workspace.api_key.get_secret_value(),
                    timeout=braze_timeout,
                    retry=braze_retry or RetryPolicy(),
                    create_deadline=settings.sendid_braze_create_deadline_seconds,
                    observer=self.metrics.braze.observer_for(workspace.name),
                    workspace=workspace.name,
                )
                for workspace in configuration.workspaces.values()
            }
        )
        ttl = timedelta(hours=settings.sendid_request_ttl_hours)
        self.service = SendIdService(
            self.store,
            self.braze,
            ttl=ttl,
            rules_for=self.policy_file.rules_for,
            limits=PersonLimits(
                max_pending=settings.sendid_max_pending_per_user,
                rate=SubmissionRateLimit(settings.sendid_submissions_per_minute),
            ),
        )
        self.app, self.ctx = build_app(
            settings,
            self.service,
            policy_file=self.policy_file,
            # What the bot passes on to people is scrubbed of every secret, every workspace's
            # Braze key included, like its logs (bot.__main__).
            secrets=configuration.secret_values(),
            key_variables={w.name: w.key_variable for w in configuration.workspaces.values()},
        )
        self.ctx.count_reply_failure = self.metrics.replies.count
        self.ctx.count_refused_request = self.metrics.refused_requests.count
        # What a Slack request hears when the database cannot even remember it.
        self.unreachable = DatabaseUnreachable(self.ctx.messenger, self.ctx.languages)
        jobs = housekeeping_jobs(
            self.ctx,
            stale_claim=timedelta(seconds=settings.sendid_stale_claim_seconds),
            lost_reply_after=lost_reply_after,
            lost_card_after=lost_card_after,
            forget_old_signatures=None if settings.socket_mode else self._forget_old_signatures,
            retention=(
                None
                if settings.sendid_retention_days is None
                else timedelta(days=settings.sendid_retention_days)
            ),
        )
        self.housekeeping = Scheduler(jobs, sweep_every or interval_for(ttl))
        self.http: HttpServer | None = None
        self.metrics_http: HttpServer | None = None  # SENDID_METRICS_PORT set
        self.socket_mode: SocketModeConnection | None = None

    def start(self, host: str = "0.0.0.0", port: int | None = None) -> BotRuntime:  # noqa: S104
        """Connect (Socket Mode) and serve HTTP on PORT (Slack events only in HTTP mode; health
        in both). Raises ConfigurationError if Slack refuses the app token."""
        # Before taking clicks: settle what a crash left in flight, expire what is overdue.
        self.housekeeping.run_once()
        app_token = self.settings.slack_app_token  # set: Socket Mode; unset: HTTP mode
        if app_token is not None:
            self.socket_mode = self._connect_socket_mode(app_token.get_secret_value())
        metrics_port = self.settings.sendid_metrics_port
        web = WebApp(
            self._slack_endpoint() if app_token is None else None,
            not_ready=self.not_ready,
            metrics=self.metrics.render if metrics_port is None else None,
        )
        self.http = HttpServer(web, host, self.settings.port if port is None else port).start()
        if metrics_port is not None:
            # A scrape every few seconds: two threads and a few connections are plenty.
            self.metrics_http = HttpServer(
                metrics_app(self.metrics.render), host, metrics_port, threads=2, connection_limit=50
            ).start()
        self.housekeeping.start()
        log.info("started in %s mode", "HTTP" if app_token is None else "Socket")
        if self.check_setup_at_start:
            # After start-up, so that a slow Slack delays nothing: the summary comes when it can.
            threading.Thread(target=self.check_setup, name="setup-check", daemon=True).start()
        return self

    def check_setup(self) -> None:
        """Log what Slack says of the permitted channels, approvers and admins
        (bot.slack.setup_check)."""
        approvers = {
            channel: self.policy_file.rules_for(channel).approvers or self.settings.sendid_approvers
            for channel in self.settings.sendid_allowed_channels
        }
        log_setup(check_setup(self.app.client, approvers, self.settings.sendid_admins))

    def _forget_old_signatures(self) -> int:
        # A signature matters while Slack's window lets its request through (any clock within
        # a minute of ours); after that, Bolt's timestamp check refuses the replay anyway.
        cutoff = time.time() - REPLAY_WINDOW_SECONDS - SIGNATURE_CLOCK_MARGIN_SECONDS
        return self.store.forget_signatures_before(int(cutoff))

    def _slack_endpoint(self) -> SlackEndpoint:
        secret = self.settings.slack_signing_secret  # HTTP mode: settings insist on one
        if secret is None:
            raise ConfigurationError(["SLACK_SIGNING_SECRET: required in HTTP mode"])
        # Answered signatures in the database: a replay is refused by every replica.
        return SlackEndpoint(
            self.app,
            secret.get_secret_value(),
            self.store,
            on_refused=self.metrics.refused_requests.count,
            unavailable=self.unreachable.answer,
        )

    def _connect_socket_mode(self, app_token: str) -> SocketModeConnection:
        connection = SocketModeConnection(
            self.app,
            app_token,
            # apps.connections.open must go to SLACK_API_URL too (GovSlack, tests).
            self.settings.slack_api_url,
            self.socket_mode_timing,
        )
        try:
            connection.open()
        except AppTokenRefused as refused:
            connection.close()
            raise ConfigurationError(
                [
                    f"SLACK_APP_TOKEN: {refused}; use a valid app-level token (xapp-…) with "
                    "the connections:write scope (Basic Information → App-Level Tokens)"
                ]
            ) from None
        except BaseException:  # Slack unreachable: the process exits, its supervisor restarts it
            connection.close()
            raise
        self.metrics.watch_socket_mode(connection.status)
        return connection

    def not_ready(self) -> str | None:
        """Why this bot cannot serve now (GET /readyz), or None: the database must answer and,
        in Socket Mode, a connection to Slack be open."""
        if not self.store.ping():
            return "database unreachable"
        return self.socket_mode.not_ready() if self.socket_mode is not None else None

    @property
    def port(self) -> int:
        if self.http is None:
            raise RuntimeError("the bot serves no HTTP yet: start() it first")
        return self.http.port

    @property
    def metrics_port(self) -> int | None:
        """The port of GET /metrics when SENDID_METRICS_PORT gave it one (else it is `port`)."""
        return None if self.metrics_http is None else self.metrics_http.port

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.close()
        if self.http is not None:
            self.http.stop()
        if self.metrics_http is not None:
            self.metrics_http.stop()
        self.housekeeping.stop()
        # Recording Braze's answers stops waiting for an unreachable database (and says so).
        self.service.stop()
        # Let clicks already being handled (a Braze call in flight) finish and record their outcome.
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        # ...and what those listeners handed over (clicks, Braze calls, results).
        self.ctx.work.close()
        self.unreachable.close()
        self.braze.close()
        self.store.close()
        log.info("stopped")
