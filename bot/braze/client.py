"""A small synchronous Braze REST client: create send IDs, look up campaign details, read a
send ID's analytics.

It knows nothing of Slack. Every failure is raised as one of the exceptions in
:mod:`bot.braze.errors`; how calls are retried (and when never) is :mod:`bot.braze.http`'s
business: ``POST /sends/id/create`` is never retried once it may have reached Braze, while
``GET /campaigns/details`` and ``GET /sends/data_series`` have no side effect and are retried
like any transient failure.

The client is thread-safe (one ``httpx.Client`` with a connection pool).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Unpack

from bot.braze.analytics import days_from
from bot.braze.deadline import SendGuard, within_deadline
from bot.braze.errors import (
    BrazeError,
    BrazePermissionError,
    BrazeSendStatsPermissionError,
    BrazeUnexpectedResponse,
)
from bot.braze.http import BrazeHttp, HttpOptions
from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS, SendStats
from bot.domain.ports import CampaignDetails, CreatedSendId

CREATE_PATH = "/sends/id/create"
DETAILS_PATH = "/campaigns/details"
# Export send analytics (see bot.braze.analytics for the answer's shape).
DATA_SERIES_PATH = "/sends/data_series"
# Braze's bounds for the `length` parameter ("between 1 and 100 (inclusive)").
_DATA_SERIES_MAX_DAYS = 100


class BrazeClient:
    """Sync client for the Braze endpoints the bot needs: the domain's
    :class:`~bot.domain.ports.BrazeGateway`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        create_deadline: float | None = None,
        **options: Unpack[HttpOptions],
    ) -> None:
        """``options`` (timeouts, retry policy, test seams, the metrics observer): see
        :class:`~bot.braze.http.BrazeHttp`. ``create_deadline``: the longest a create may take
        in all (attempts and pauses), in seconds; None: only the per-read timeouts bound it."""
        if create_deadline is not None and create_deadline <= 0:
            raise ValueError("create_deadline must be positive")
        self._create_deadline = create_deadline
        self._http = BrazeHttp(base_url, api_key, **options)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def create_send_id(
        self,
        campaign_id: str,
        send_id: str | None = None,
        *,
        late: Callable[[CreatedSendId], object] | None = None,
    ) -> CreatedSendId:
        """``POST /sends/id/create``; ``send_id=None`` lets Braze generate one.

        Never retried once the request may have reached Braze without an answer. With a
        ``create_deadline``, no call takes longer: past it, a request that may have left is
        BrazeOutcomeUnknown and a success that still arrives goes to ``late``; one that never
        left is BrazeUnavailable (:mod:`bot.braze.deadline`).
        """
        if self._create_deadline is None:
            return self._create(campaign_id, send_id, None)
        return within_deadline(
            lambda guard: self._create(campaign_id, send_id, guard),
            self._create_deadline,
            late=late,
            path=CREATE_PATH,
            redact=self._http.secrets,
        )

    def _create(
        self, campaign_id: str, send_id: str | None, guard: SendGuard | None
    ) -> CreatedSendId:
        body: dict[str, str] = {"campaign_id": campaign_id}
        if send_id is not None:
            body["send_id"] = send_id
        response, quota, attempts = self._http.call(
            "POST",
            CREATE_PATH,
            json_body=body,
            idempotent=False,
            time_box=None,
            with_quota=True,
            guard=guard,
        )
        try:
            payload = self._http.success_payload(response, quota, CREATE_PATH)
        except BrazeError as error:
            error.attempts = attempts
            raise
        returned = payload.get("send_id")
        if isinstance(returned, str) and returned:
            return CreatedSendId(send_id=returned, quota=quota, attempts=attempts)
        if send_id is not None and "send_id" not in payload:
            # Braze said "success" for the ID we chose but did not echo it back.
            return CreatedSendId(send_id=send_id, quota=quota, attempts=attempts)
        unusable = BrazeUnexpectedResponse(
            'Braze said "success" but returned no usable send_id',
            status_code=response.status_code,
            quota=quota,
            path=CREATE_PATH,
            redact=self._http.secrets,
        )
        unusable.attempts = attempts
        raise unusable

    def campaign_details(
        self, campaign_id: str, *, timeout: float | None = None
    ) -> CampaignDetails:
        """``GET /campaigns/details``. ``timeout`` is a total time box for the whole lookup.

        Inside the box, transient failures (5xx, refused connections, timeouts — the call has
        no side effect) are retried per the retry policy; no attempt or pause starts past it.
        Each attempt's httpx timeouts (connect, write, read, pool) are set to the time left, so
        only a server that trickles its answer byte by byte could overrun the box.

        400 → BrazeRequestRejected (Braze does not know the campaign);
        403 → BrazePermissionError (the key lacks ``campaigns.details``).
        """
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        response, _, _ = self._http.call(
            "GET",
            DETAILS_PATH,
            params={"campaign_id": campaign_id},
            idempotent=True,
            time_box=timeout,
            with_quota=False,
        )
        payload = self._http.success_payload(response, None, DETAILS_PATH)
        name = payload.get("name")
        return CampaignDetails(
            campaign_id=campaign_id,
            name=name if isinstance(name, str) and name.strip() else None,
            archived=payload.get("archived") is True,
            draft=payload.get("draft") is True,
        )

    def send_data_series(
        self,
        campaign_id: str,
        send_id: str,
        *,
        days: int = SEND_ANALYTICS_RETENTION_DAYS,
        ending_at: datetime | None = None,
        timeout: float | None = None,
    ) -> SendStats:
        """``GET /sends/data_series``: daily analytics of one send ID, the last ``days`` days
        (1-100) up to ``ending_at`` (aware; default: Braze's now).

        Retried like :meth:`campaign_details` (no side effect), within the optional total time
        box ``timeout``. 400 → BrazeRequestRejected (unknown campaign/send ID pair);
        403 → BrazeSendStatsPermissionError (the key lacks ``sends.data_series``); 429 →
        BrazeQuotaExceeded (the endpoint's hourly limit, not the send-ID quota).
        """
        if not 1 <= days <= _DATA_SERIES_MAX_DAYS:
            raise ValueError(f"days must be between 1 and {_DATA_SERIES_MAX_DAYS}")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        params = {"campaign_id": campaign_id, "send_id": send_id, "length": str(days)}
        if ending_at is not None:
            if ending_at.tzinfo is None or ending_at.utcoffset() is None:
                raise ValueError("ending_at must be timezone-aware")
            params["ending_at"] = ending_at.astimezone(UTC).isoformat(timespec="seconds")
        try:
            response, _, _ = self._http.call(
                "GET",
                DATA_SERIES_PATH,
                params=params,
                idempotent=True,
                time_box=timeout,
                with_quota=False,
            )
        except BrazePermissionError as error:
            raise BrazeSendStatsPermissionError(
                error.message,
                status_code=error.status_code,
                path=error.path,
                redact=self._http.secrets,
            ) from error
        payload = self._http.success_payload(response, None, DATA_SERIES_PATH)
        data = payload.get("data")
        if data is None:
            data = []
        if not isinstance(data, list):
            raise self._http.error(
                BrazeUnexpectedResponse,
                f'"data" is a {type(data).__name__}, not a list of days',
                DATA_SERIES_PATH,
                status=response.status_code,
            )
        return SendStats(
            campaign_id=campaign_id,
            send_id=send_id,
            days=days_from(data),
            length=days,
            ending_at=None if ending_at is None else ending_at.astimezone(UTC),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BrazeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        workspace = "" if self._http.workspace is None else f"workspace={self._http.workspace!r}, "
        return f"BrazeClient({workspace}base_url={self.base_url!r}, retry={self._http.retry!r})"


class BrazeClients(Mapping[str, BrazeClient]):
    """One client per Braze workspace, by workspace name (each with its own endpoint, key and
    connection pool); :meth:`close` closes them all."""

    def __init__(self, clients: Mapping[str, BrazeClient]) -> None:
        self._clients = dict(clients)

    def __getitem__(self, workspace: str) -> BrazeClient:
        return self._clients[workspace]

    def __iter__(self) -> Iterator[str]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __repr__(self) -> str:
        return f"BrazeClients({list(self._clients.values())!r})"
