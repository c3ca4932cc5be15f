"""Errors that belong to the domain, whichever adapter raises them."""

from __future__ import annotations

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.ports import GatewayError


class ConfigurationError(Exception):
    """Start-up cannot go on; `problems` holds one line per bad or missing setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class DuplicatePairError(Exception):
    """The campaign/send ID pair is already held by another live request."""

    def __init__(self, existing_request_id: str, existing_state: RequestState) -> None:
        super().__init__(
            f"campaign/send ID pair already held by request {existing_request_id} "
            f"({existing_state.value})"
        )
        self.existing_request_id = existing_request_id
        self.existing_state = existing_state


class PendingLimitError(Exception):
    """The requester already has as many pending requests as one person may have."""

    def __init__(self, pending: list[SendIdRequest]) -> None:
        super().__init__(f"the requester already has {len(pending)} pending requests")
        self.pending = pending


class DuplicateSubmissionError(Exception):
    """The same form submission (Slack view ID) already created a request: a replay."""

    def __init__(self, existing_request_id: str) -> None:
        super().__init__(f"this submission already created request {existing_request_id}")
        self.existing_request_id = existing_request_id


class StorageUnavailable(Exception):
    """The database could not be reached, or could not finish what was asked (the store's
    ``StoreError`` is one). Whether a write in flight took effect is unknown to the caller,
    unless it knows it had written nothing yet."""


class NotCalled(Exception):
    """A claimed approval's Braze call could not start (its start could not be recorded):
    Braze was not called, nothing was created."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"Braze was not called for request {request_id}")
        self.request_id = request_id


class UnrecordedCreation(Exception):
    """Braze created `send_id` for the request, but the database stayed unreachable until the
    bot had to stop, so it is not recorded (it was logged with the request before)."""

    def __init__(self, request_id: str, send_id: str) -> None:
        super().__init__(f"send ID {send_id} of request {request_id} created but not recorded")
        self.request_id = request_id
        self.send_id = send_id


class UnknownWorkspaceError(GatewayError):
    """A request's Braze workspace is not configured (any more): the policy file that named it
    changed since. Braze is not called: sending the request to another workspace would create
    its send ID in the wrong place."""

    failure_kind = FailureKind.WORKSPACE_UNKNOWN

    def __init__(self, workspace: str) -> None:
        self.workspace = workspace
        self.message = f'the Braze workspace "{workspace}" is not configured'
        self.status_code = None
        self.quota = None
        super().__init__(self.message)
