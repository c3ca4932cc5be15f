"""HTTP responses whose headers are read without the email package.

`http.client` parses every response's headers with the email package's feed parser and looks
each one up through its header policy: ~0.1 ms of CPU per Slack call, about a quarter of what a
`views.open` over a kept connection costs the bot (BENCHMARKS.md). :class:`LightResponse` is
http.client's own response — its `begin` is the standard library's code, run with only
`parse_headers` bound to :func:`parse_headers` below — so the status line, chunking, lengths and
keep-alive are read exactly as http.client reads them; only the headers come out as
:class:`ResponseHeaders`, an `HTTPMessage` whose lookups skip the header policy. A header
section with anything but plain `Name: value` lines goes through the email package as before,
so even a malformed answer reads as http.client reads it (the tests compare them).
"""

from __future__ import annotations

import email.parser
import http.client
import re
import types
from typing import Any, BinaryIO, Final

# http.client's own limits on a response's header section.
MAX_LINE: Final = 65536
MAX_HEADERS: Final = 100
# A plain header line: a name (visible characters but the colon), its value on the same line
# (no carriage return inside), the line end. Its value as the email package gives it.
_PLAIN_FIELD: Final = re.compile(rb"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*?)\r?\n")


class ResponseHeaders(http.client.HTTPMessage):
    """The header fields of a response, in order, where `HTTPMessage` keeps them (so every
    inherited method, a change included, works on them); the lookups a response needs compare
    names without going through the email package's header policy."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__()
        self._headers = fields

    def get(self, name: str, failobj: Any = None) -> Any:
        wanted = name.lower()
        for field, value in self._headers:
            if field.lower() == wanted:
                return value
        return failobj

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def get_all(self, name: str, failobj: Any = None) -> Any:
        wanted = name.lower()
        values = [value for field, value in self._headers if field.lower() == wanted]
        return values or failobj

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def keys(self) -> list[str]:
        return [field for field, _ in self._headers]

    def values(self) -> list[str]:
        return [value for _, value in self._headers]

    def items(self) -> list[tuple[str, str]]:
        return list(self._headers)


def parse_headers(fp: BinaryIO, _class: object = None) -> http.client.HTTPMessage:
    """Read a response's header section from `fp` (as http.client's `parse_headers` does,
    with its limits), up to and including the blank line. Plain `Name: value` lines (all a
    Slack answer has) are read here; a section with anything else in it (folded lines, bare
    carriage returns, lines without a name) goes to the email package, as in http.client."""
    lines: list[bytes] = []
    while True:
        raw = fp.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        if raw in (b"\r\n", b"\n", b""):
            break
        lines.append(raw)
        if len(lines) > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
    fields: list[tuple[str, str]] = []
    for raw in lines:
        field = _PLAIN_FIELD.fullmatch(raw)
        if field is None:
            text = b"".join(lines).decode("iso-8859-1")
            return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)
        name, value = field.groups()
        fields.append((name.decode("iso-8859-1"), value.decode("iso-8859-1")))
    return ResponseHeaders(fields)


def _standard_begin_reading_headers_with(parse: Any) -> Any:
    """http.client's `HTTPResponse.begin` with `parse_headers` bound to `parse`; http.client's
    own if a Python version's `begin` no longer reads headers through that name."""
    begin = http.client.HTTPResponse.begin
    if "parse_headers" not in begin.__code__.co_names:
        return begin
    namespace = {**vars(http.client), "parse_headers": parse}
    return types.FunctionType(
        begin.__code__, namespace, begin.__name__, begin.__defaults__, begin.__closure__
    )


_begin: Final = _standard_begin_reading_headers_with(parse_headers)


class LightResponse(http.client.HTTPResponse):
    """An `http.client.HTTPResponse` whose headers are :class:`ResponseHeaders`."""

    def begin(self) -> None:
        _begin(self)
