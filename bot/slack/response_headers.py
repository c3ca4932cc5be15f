"""HTTP responses whose headers are read without the email package.

`http.client` parses every response's headers with the email package's feed parser and looks
each one up through its header policy: ~0.1 ms of CPU per Slack call, about a quarter of what a
`views.open` over a kept connection costs the bot (BENCHMARKS.md). :class:`LightResponse` is
http.client's own response — its `begin` is the standard library's code, run with only
`parse_headers` bound to :func:`parse_headers` below — so the status line, chunking, lengths and
keep-alive are read exactly as http.client reads them; only the headers come out as
:class:`ResponseHeaders`, an `HTTPMessage` whose lookups are dictionary lookups.
"""

from __future__ import annotations

import http.client
import re
import types
from typing import Any, BinaryIO, Final

# http.client's own limits on a response's header section.
MAX_LINE: Final = 65536
MAX_HEADERS: Final = 100
# A field name as the email package recognises one (visible characters but the colon).
_FIELD_NAME: Final = re.compile(r"[\x21-\x39\x3b-\x7e]*")


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


def parse_headers(fp: BinaryIO, _class: object = None) -> ResponseHeaders:
    """Read a response's header section from `fp` (as http.client's `parse_headers` does,
    with its limits), up to and including the blank line."""
    lines: list[str] = []
    while True:
        raw = fp.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        if raw in (b"\r\n", b"\n", b""):
            break
        lines.append(raw.decode("iso-8859-1"))
        if len(lines) > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
    fields: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and fields:
            # A folded line continues the field before it (kept as the email package keeps it).
            name, value = fields[-1]
            fields[-1] = (name, value + "\r\n" + line.rstrip("\r\n"))
            continue
        name, colon, value = line.partition(":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            break  # to the email package the header section ends there
        fields.append((name, value.lstrip(" \t").rstrip("\r\n")))
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
