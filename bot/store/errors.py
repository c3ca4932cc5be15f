"""What the store raises, and the one place driver failures become :class:`StoreError`.

A refused duplicate (pair or submission) is the domain's business: the store raises
:class:`~bot.domain.errors.DuplicatePairError` and ``DuplicateSubmissionError`` for those.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy import exc

from bot.domain.errors import StorageUnavailable

_P = ParamSpec("_P")
_T = TypeVar("_T")


class StoreError(StorageUnavailable):
    """The database could not do what was asked (unreachable, locked, schema too new, …)."""


class UnknownRequestError(StoreError, LookupError):
    """No request with this ID."""


@contextmanager
def driver_errors_as_store_errors() -> Iterator[None]:
    """Surface driver failures (unreachable, locked, …) as StoreError, keeping the cause."""
    try:
        yield
    except exc.DBAPIError as error:
        raise StoreError(f"database error: {error.orig!r}") from error
    except exc.TimeoutError as error:  # every pooled connection busy for pool_timeout
        raise StoreError(f"database busy: {error}") from error


def translate_errors(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """Decorate a store method so that its driver failures surface as StoreError."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with driver_errors_as_store_errors():
            return method(*args, **kwargs)

    return wrapper
