"""A lean loopback load generator: signed Slack requests over raw asyncio HTTP/1.1.

A full HTTP client costs a millisecond or more of CPU per request, on the same two cores as
the servers under test; this one writes a prepared request and reads one response, so the
figures are the server's. Every request opens its own connection (as concurrent requests from
Slack do) and the latency includes the connect: from just before connecting to the last byte of
the answer, on ``time.monotonic()``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.support import slack_requests as sr

Body = bytes

# How long a request may take before it counts as failed (Slack itself gives up after 3 s).
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Result:
    started: float  # time.monotonic() just before connecting
    latency: float  # seconds to the last byte of the answer
    status: int  # HTTP status, or 0 when the request failed (refused, reset, timed out)
    body: bytes


def build_request(port: int, body: Body, signing_secret: str) -> bytes:
    headers = sr.signature_headers(signing_secret, body)
    head = (
        f"POST /slack/events HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {headers['X-Slack-Request-Timestamp']}\r\n"
        f"X-Slack-Signature: {headers['X-Slack-Signature']}\r\n"
        f"Connection: close\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length is not None else await reader.read()
    return status, body


async def send(port: int, request: bytes, timeout: float = TIMEOUT) -> Result:
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, body = await _read_response(reader)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
        return Result(started, time.monotonic() - started, 0, b"")
    finally:
        if writer is not None:
            writer.close()
    return Result(started, time.monotonic() - started, status, body)


async def _burst(port: int, requests: Sequence[bytes], timeout: float) -> list[Result]:
    return list(await asyncio.gather(*(send(port, r, timeout) for r in requests)))


def burst(port: int, requests: Sequence[bytes], timeout: float = TIMEOUT) -> list[Result]:
    """Send all `requests` at once (concurrently), each on its own connection."""
    return asyncio.run(_burst(port, requests, timeout))


def one(port: int, request: bytes, timeout: float = TIMEOUT) -> Result:
    return asyncio.run(send(port, request, timeout))


@dataclass(frozen=True, slots=True)
class RateRun:
    rate: float  # asked for, requests per second
    achieved: float  # sent per second, as the generator managed
    results: list[Result]


async def _sustained(
    port: int, rate: float, duration: float, make: Callable[[int], bytes]
) -> RateRun:
    count = max(1, int(rate * duration))
    prepared = [make(i) for i in range(count)]
    tasks: list[asyncio.Task[Result]] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05
    for i, request in enumerate(prepared):
        due = t0 + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(port, request)))
    sent_for = max(loop.time() - t0, 1e-9)
    results = list(await asyncio.gather(*tasks))
    return RateRun(rate=rate, achieved=count / max(sent_for, count / rate), results=results)


def sustained(port: int, rate: float, duration: float, make: Callable[[int], bytes]) -> RateRun:
    """Open loop: request i goes out at i / rate seconds, whatever the earlier ones are doing."""
    return asyncio.run(_sustained(port, rate, duration, make))
