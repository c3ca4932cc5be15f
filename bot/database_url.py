"""The credentials a database URL (``SENDID_DATABASE_URL``) may hold, and the URL without them.

A password can sit in the user part (``postgresql://user:secret@host/db``) or in the query
string, where libpq reads connection parameters (``?password=secret``, ``?sslpassword=…``; a
``passfile`` or ``sslkey`` names a file that holds one). :func:`url_secrets` gives every such
value for the log scrubber; :func:`masked` shows the URL with each of them as ``***``, for any
message that names the database.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

MASK: Final = "***"
# libpq connection parameters (and their file names) that are, or lead to, a secret.
CREDENTIAL_KEYS: Final = frozenset({"password", "sslpassword", "passfile", "sslkey"})


def url_secrets(url: str) -> list[str]:
    """Every credential `url` holds, as written and percent-decoded (the scrubber replaces
    both spellings). Never raises: a URL it cannot read gives what it could find."""
    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
        found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if _credential(k)]
        raw_password = parts.netloc.rpartition("@")[0].partition(":")[2]
        raw_query = [pair.partition("=")[2] for pair in parts.query.split("&") if _credential(pair)]
    except ValueError:
        return []
    values = [*found, unquote(found[0]), raw_password, *raw_query, *map(unquote, raw_query)]
    return list(dict.fromkeys(v for v in values if v))


def masked(url: str) -> str:
    """`url` with its password and every credential query value replaced by ``***``."""
    if not url_secrets(url) and "password=" not in url.lower():
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.partition(':')[0]}:{MASK}@{host}"
        pairs = []
        for pair in parts.query.split("&"):
            key = pair.partition("=")[0]
            pairs.append(f"{key}={MASK}" if _credential(key) else pair)
        query = "&".join(pairs)
    except ValueError:
        return MASK
    shown = (
        f"{parts.scheme}://{netloc}{parts.path}"
        if "://" in url
        else urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    )
    return shown + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _credential(key_or_pair: str) -> bool:
    return unquote(key_or_pair.partition("=")[0]).strip().lower() in CREDENTIAL_KEYS
