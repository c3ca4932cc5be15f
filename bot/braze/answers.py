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
