"""What Braze said in an answer, in its own words, for error messages and logs."""

from __future__ import annotations

import json

import httpx

from bot.braze.errors import clip


def braze_text(response: httpx.Response) -> str:
    """Braze's own words from an answer: its message plus its errors, if any."""
    fallback = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    try:
        body = response.json()
    except ValueError:
        return fallback
    if not isinstance(body, dict):
        return fallback
    parts: list[str] = []
    message = body.get("message")
    if isinstance(message, str) and message.strip():
        parts.append(message.strip())
    errors = body.get("errors")
    if isinstance(errors, list | tuple) and errors:
        rendered = [
            e if isinstance(e, str) else json.dumps(e, ensure_ascii=False, default=str)
            for e in errors
        ]
        parts.append("; ".join(rendered))
    elif isinstance(errors, str) and errors.strip():
        parts.append(errors.strip())
    return clip(": ".join(parts)) if parts else fallback


def describe_transport(exc: httpx.HTTPError) -> str:
    """What went wrong on the way to Braze, in words (no answer to quote)."""
    kinds: list[tuple[type[httpx.HTTPError], str]] = [
        (httpx.ConnectTimeout, "timed out connecting to Braze"),
        (httpx.PoolTimeout, "no free connection to Braze in time"),
        (httpx.ConnectError, "could not connect to Braze"),
        (httpx.ReadTimeout, "timed out waiting for Braze's answer"),
        (httpx.WriteTimeout, "timed out sending the request to Braze"),
        (httpx.RemoteProtocolError, "Braze closed the connection without a proper answer"),
        (httpx.ReadError, "the connection to Braze broke while reading the answer"),
        (httpx.WriteError, "the connection to Braze broke while sending the request"),
        (httpx.UnsupportedProtocol, "the Braze REST endpoint URL is not usable"),
    ]
    for kind, text in kinds:
        if isinstance(exc, kind):
            return text
    return "the request to Braze failed"
