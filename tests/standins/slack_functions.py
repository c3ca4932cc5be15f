"""The Slack stand-in's workflow step executions: `functions.completeSuccess` and
`functions.completeError`, and the function-scoped token Slack hands with each step."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.standins.slack import SlackCall


class FunctionExecutions:
    """Mixed into SlackStandIn. ``executions``: by execution ID, None while it runs, else how it
    was finished; its function-scoped token is accepted only while it runs (Slack's expires
    when the step finishes)."""

    executions: dict[str, dict[str, Any] | None]
    function_tokens: dict[str, str]  # token -> execution ID
    _lock: threading.RLock
    _changed: threading.Condition
    _calls: list[SlackCall]

    def runs_with(self, token: str | None) -> bool:
        """Whether `token` is the function-scoped token of a step that is still running."""
        with self._lock:
            execution = self.function_tokens.get(token or "")
            return execution is not None and self.executions.get(execution, {}) is None

    def start_execution(self, execution_id: str) -> str:
        """A workflow step starts running (the bot is about to get its function_executed
        event); returns the function-scoped token Slack hands with it."""
        token = f"xwfp-{execution_id}-scoped"
        with self._lock:
            self.executions[execution_id] = None
            self.function_tokens[token] = execution_id
        return token

    def wait_for_finish(self, execution_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """How the execution was finished, once it was: ``{"outputs": …}`` (completeSuccess)
        or ``{"error": …}`` (completeError). :meth:`finish_calls` has every attempt."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.executions.get(execution_id), timeout):
                raise AssertionError(
                    f"execution {execution_id} not finished within {timeout}s; calls:\n"
                    + "\n".join(f"  {c.method} {c.params!r}" for c in self._calls)
                )
            return dict(self.executions[execution_id] or {})

    def finish_calls(self, execution_id: str) -> list[SlackCall]:
        """Every call that tried to finish the execution, in order."""
        with self._lock:
            return [
                call
                for call in self._calls
                if call.method in ("functions.completeSuccess", "functions.completeError")
                and call.params.get("function_execution_id") == execution_id
            ]

    def _finish_execution(self, params: dict[str, Any], how: dict[str, Any]) -> dict[str, Any]:
        execution_id = str(params.get("function_execution_id") or "")
        with self._lock:
            if execution_id not in self.executions:
                return {"ok": False, "error": "function_execution_not_found"}
            if self.executions[execution_id] is not None:
                return {"ok": False, "error": "execution_not_in_running_state"}
            self.executions[execution_id] = how
        return {"ok": True}

    def _functions_complete_success(self, params: dict[str, Any]) -> dict[str, Any]:
        outputs = params.get("outputs")
        if isinstance(outputs, str):  # a form-encoded call sends it as JSON text
            with contextlib.suppress(ValueError):
                outputs = json.loads(outputs)
        if not isinstance(outputs, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return self._finish_execution(params, {"outputs": outputs})

    def _functions_complete_error(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("error"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._finish_execution(params, {"error": params["error"]})
