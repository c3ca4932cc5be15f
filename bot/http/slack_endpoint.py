"""`POST /slack/events` before Bolt: verify the signature, refuse replays, refuse what is not a
well-formed Slack request.

:class:`SlackEndpoint` replaces Bolt's WSGI adapter (see :mod:`bot.http.slack_payloads` for
why). In this order, so that nothing unverified is ever remembered or parsed:

1. the signature headers: ``v0=`` and exactly 64 hex digits, a timestamp of digits; else 401;
2. the HMAC over the raw body and the timestamp window (``slack_sdk``'s ``SignatureVerifier``,
   what Bolt itself uses): 401 unless valid; Bolt is built not to check it a second time;
3. the body: 415 for a content type Slack never sends, 400 if malformed (a body that is not
   UTF-8 even before 2: Slack signs UTF-8 text, its verifier checks nothing else);
4. replays: a signature already answered is refused (409). Only verified signatures are
   remembered, before Bolt sees the request, in the database every replica shares
   (:mod:`bot.http.replays`), so a replay is refused by any replica and after restarts; one
   answered 5xx is forgotten (Slack retries); the rest to Bolt. When the database cannot take
   the signature, nothing has run: the ``unavailable`` answer (a 200 telling the person so,
   :mod:`bot.slack.unreachable`) goes back, else 503.

Why replays matter inside Slack's five-minute window: the state transitions are conditional, so
a replayed click cannot decide twice, but a replayed form submission with a blank send ID would
store a second request, and a replayed Retry click on a failed request would call Braze again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.http.replays import SignatureLedger
from bot.http.slack_payloads import check_shape, parse

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("bot.web")

# Slack sends nothing else.
_CONTENT_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "application/json"})
_SIGNATURE: Final = re.compile(r"v0=([0-9a-fA-F]{64})")
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _send(
    start_response: StartResponse, status: int, headers: Mapping[str, Sequence[str]], body: str
) -> Iterable[bytes]:
    data = body.encode("utf-8")
    fields = [(name, value) for name, values in headers.items() for value in values]
    fields = [f for f in fields if f[0].lower() != "content-length"]
    start_response(
        f"{status} {HTTPStatus(status).phrase}", [*fields, ("Content-Length", str(len(data)))]
    )
    return [data]


def _answer(start_response: StartResponse, status: int, body: str) -> Iterable[bytes]:
    return _send(
        start_response, status, {"Content-Type": ["text/plain; charset=utf-8"]}, body + "\n"
    )


class SlackEndpoint:
    """WSGI app for `POST /slack/events`: unsigned or forged → 401, replay → 409, malformed →
    400/415, the rest → Bolt."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        replays: SignatureLedger,
        on_refused: Callable[[str], None] = lambda reason: None,
        unavailable: Callable[[dict[str, Any]], BoltResponse | None] = lambda body: None,
    ) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)
        self._replays = replays
        # Told why each refused request was refused (unsigned, forged, replayed, malformed).
        self._on_refused = on_refused
        # What to answer a request the replay memory could not take (the database is down).
        self._unavailable = unavailable

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = _SIGNATURE.fullmatch(headers.get("x-slack-signature") or "")
        if signature is None or not _TIMESTAMP.fullmatch(timestamp):
            self._on_refused("unsigned")
            return _answer(start_response, 401, "invalid request")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            # Slack signs UTF-8 text; its verifier cannot check anything else.
            text = (environ["wsgi.input"].read(length) if length > 0 else b"").decode("utf-8")
        except UnicodeDecodeError:
            self._on_refused("malformed")
            return _answer(start_response, 400, "malformed request")
        if not self._verifier.is_valid(text, timestamp, signature.group(0)):
            self._on_refused("forged")
            return _answer(start_response, 401, "invalid request")

        content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in _CONTENT_TYPES:
            self._on_refused("malformed")
            return _answer(start_response, 415, "unsupported content type")
        try:
            body = parse(text, content_type)
            check_shape(body)
        except (ValueError, RecursionError):  # Malformed, JSON and Unicode errors among them
            self._on_refused("malformed")
            return _answer(start_response, 400, "malformed request")

        digest = signature.group(1).lower()
        try:
            first = self._replays.remember_signature(digest, int(timestamp))
        except Exception:  # the database: nothing of the request has run
            log.exception("replay memory unavailable")
            unreachable = self._unavailable(body)
            if unreachable is None:
                return _answer(start_response, 503, "try again")
            return _send(start_response, unreachable.status, unreachable.headers, unreachable.body)
        if not first:
            self._on_refused("replayed")
            return _answer(start_response, 409, "replayed request")
        try:
            response = self._dispatch(environ, headers, body)
        except BaseException:
            self._forget(digest)
            raise
        if response.status >= 500:
            self._forget(digest)  # not answered: Slack's retry must get through
        answered = response.headers or {"Content-Type": ["text/plain; charset=utf-8"]}
        return _send(start_response, response.status, answered, response.body)

    def _dispatch(
        self, environ: WSGIEnvironment, headers: dict[str, str], body: dict[str, Any]
    ) -> BoltResponse:
        # Bolt takes an already parsed body only as a Socket Mode request (BoltRequest's
        # documented `mode`): our parse, by field name, instead of Bolt's `parse_body`, which
        # reads any form body containing the word "payload" as an interaction (bot.http.
        # slack_payloads). The signature was verified above; nothing else differs for Bolt.
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
        request = BoltRequest(
            body=body,
            query=environ.get("QUERY_STRING", ""),
            headers=bolt_headers,
            mode="socket_mode",
        )
        response = self._app.dispatch(request)
        return response

    def _forget(self, digest: str) -> None:
        try:
            self._replays.forget_signature(digest)
        except Exception:
            log.exception("replay memory unavailable")
