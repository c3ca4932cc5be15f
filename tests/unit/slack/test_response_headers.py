"""A Slack response read without the email package reads exactly as http.client reads it."""

from __future__ import annotations

import http.client
import io
from typing import Any

import pytest

from bot.slack.response_headers import MAX_HEADERS, LightResponse

JSON_BODY = b'{"ok": true}'

RESPONSES = {
    "json with a length": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
        b"Content-Length: 12\r\nX-Slack-Req-Id: abc\r\n\r\n" + JSON_BODY
    ),
    "chunked": (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"ok"\r\n7\r\n: true}\r\n0\r\n\r\n'
    ),
    "closing": (
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nConnection: close\r\n"
        b"Content-Length: 12\r\n\r\n" + JSON_BODY
    ),
    "repeated and folded fields": (
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Folded: one\r\n"
        b"  two\r\nContent-Length:   12  \r\n\r\n" + JSON_BODY
    ),
    "a line without a colon": (
        b"HTTP/1.1 200 OK\r\nnot a header\r\nContent-Length: 12\r\n\r\n" + JSON_BODY
    ),
    "a name with a space": (
        b"HTTP/1.1 200 OK\r\nX-Ok: 1\r\nBad Name: 2\r\nContent-Length: 12\r\n\r\n" + JSON_BODY
    ),
    "a bare carriage return": (
        b"HTTP/1.1 200 OK\r\nX-A: v\rX-B: w\r\nContent-Length: 12\r\n\r\n" + JSON_BODY
    ),
    "a from line": b"HTTP/1.1 200 OK\r\nFrom x\r\nContent-Length: 12\r\n\r\n" + JSON_BODY,
    "a first line folded": (
        b"HTTP/1.1 200 OK\r\n  stray\r\nContent-Length: 12\r\n\r\n" + JSON_BODY
    ),
    "an empty name": b"HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 12\r\n\r\n" + JSON_BODY,
    "a fold after a bare newline": (
        b"HTTP/1.1 200 OK\nX-Folded: one\n two\nContent-Length: 12\n\n" + JSON_BODY
    ),
    "http/1.0 without a length": b"HTTP/1.0 503 Service Unavailable\r\nServer: x\r\n\r\nbusy",
    "no content": b"HTTP/1.1 204 No Content\r\nX-Empty:\r\n\r\n",
    "bare newlines": b"HTTP/1.1 200 OK\nContent-Length: 12\n\n" + JSON_BODY,
}


class _Socket:
    """What an HTTPResponse needs of a socket: the bytes that arrived."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(io.BytesIO(self._raw))


def _read(response_class: type[http.client.HTTPResponse], raw: bytes) -> dict[str, Any]:
    response = response_class(_Socket(raw), method="POST")  # type: ignore[arg-type]
    response.begin()
    headers = response.msg
    return {
        "status": (response.status, response.reason, response.version),
        "items": list(headers.items()),
        "dict": dict(headers),
        "lookups": [
            (headers.get(name), headers.get_all(name), name in headers, response.getheader(name))
            for name in ("content-type", "CONTENT-LENGTH", "set-cookie", "x-folded", "missing")
        ],
        "keys": (list(headers.keys()), list(headers.values()), len(headers)),
        "connection": (response.will_close, response.chunked, response.length),
        "body": response.read(),
    }


@pytest.mark.parametrize("name", RESPONSES)
def test_a_response_reads_exactly_as_http_client_reads_it(name: str) -> None:
    raw = RESPONSES[name]
    assert _read(LightResponse, raw) == _read(http.client.HTTPResponse, raw)


def test_the_body_of_a_plain_json_answer_is_read_in_full() -> None:
    read = _read(LightResponse, RESPONSES["json with a length"])
    assert read["body"] == JSON_BODY
    assert read["lookups"][0][0] == "application/json; charset=utf-8"
    assert read["connection"] == (False, False, 12)


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n",
    ],
    ids=["a header line too long", "too many headers"],
)
def test_a_header_section_over_http_clients_limits_is_refused_as_http_client_refuses_it(
    raw: bytes,
) -> None:
    with pytest.raises(http.client.HTTPException) as ours:
        _read(LightResponse, raw)
    with pytest.raises(http.client.HTTPException) as theirs:
        _read(http.client.HTTPResponse, raw)
    assert type(ours.value) is type(theirs.value)


def test_headers_changed_after_reading_behave_as_http_clients_own_do() -> None:
    ours = _read_headers(LightResponse)
    theirs = _read_headers(http.client.HTTPResponse)
    for headers in (ours, theirs):
        headers["X-Added"] = "1"
        del headers["Content-Length"]
        headers.replace_header("X-Slack-Req-Id", "changed")
    assert ours.items() == theirs.items()
    assert [ours.get(n) for n in ("x-added", "content-length", "x-slack-req-id")] == [
        "1",
        None,
        "changed",
    ]


def _read_headers(response_class: type[http.client.HTTPResponse]) -> http.client.HTTPMessage:
    response = response_class(_Socket(RESPONSES["json with a length"]), method="POST")  # type: ignore[arg-type]
    response.begin()
    return response.msg
