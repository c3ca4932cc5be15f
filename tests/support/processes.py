"""Child processes next to a test or a benchmark: `python -m bot`, the baseline app, the image's
command, a racing script. Their output goes to a log file the test can read.

:class:`ChildProcess` is the only place in tests/ and benchmarks/ that starts a process that runs
alongside its parent. :class:`ServerProcess` adds a port on 127.0.0.1 and waits until an HTTP
path answers 200. Tests get them from :class:`Processes` (the ``processes`` fixture), which
stops whatever is still running when the test ends and marks the test ``process``.
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self, TypeVar


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_200(port: int, path: str) -> bool:
    """One GET on 127.0.0.1; cheap (no HTTP client), so it can poll a starting server often."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class ChildProcess:
    """A process with stdout and stderr appended to `log`; stop (SIGTERM), kill (SIGKILL)."""

    # Get SIGTERM when the parent dies. Only where no other thread runs while children start
    # (the benchmark harness): see _die_with_parent.
    die_with_parent = False

    def __init__(self, argv: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd  # a scratch directory: no stray .env is read
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        return self

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError(f"{self.argv} was never started")
        return self._process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit in time (then None). Its exit code."""
        if self._process is None:
            return None
        if self._process.poll() is not None:
            return self._process.returncode
        self._process.send_signal(signal.SIGTERM)
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.running:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_text(self, last: int | None = None) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return text if last is None else text[-last:]


class ServerProcess(ChildProcess):
    """A child serving HTTP on 127.0.0.1:`port` (given as ``PORT``), ready once `ready_path`
    answers 200. A restart keeps the port, the environment and the log."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        ready_path: str = "/readyz",
        env: dict[str, str],
        cwd: Path,
        log: Path,
    ) -> None:
        self.port = free_port()
        super().__init__(argv, env={**env, "PORT": str(self.port)}, cwd=cwd, log=log)
        self.ready_path = ready_path
        self.startup_seconds = 0.0  # from start to the first 200 on ready_path
        self._started_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0, poll: float = 0.05, *, wait: bool = True) -> Self:
        """Start; unless not `wait`, wait until ready (several servers start together by
        starting each without waiting, then waiting for each)."""
        self._started_at = time.monotonic()
        super().start()
        return self.wait_ready(timeout, poll) if wait else self

    def wait_ready(self, timeout: float = 30.0, poll: float = 0.05) -> Self:
        while time.monotonic() - self._started_at < timeout:
            if answers_200(self.port, self.ready_path):
                self.startup_seconds = time.monotonic() - self._started_at
                return self
            if not self.running:
                raise AssertionError(f"{self.argv} exited early:\n{self.log_text(3000)}")
            time.sleep(poll)
        self.kill()
        raise AssertionError(f"{self.argv} never became ready:\n{self.log_text(3000)}")

    def restart(self, timeout: float = 30.0) -> Self:
        """Stop (SIGTERM) and start again on the same port."""
        self.stop()
        return self.start(timeout)


P = TypeVar("P", bound=ChildProcess)


class Processes:
    """The child processes of one test, run in `directory` (no stray .env) and logging there;
    :meth:`close` stops every one still running. `on_log` sees each log file (the reliability
    suite's secrets watch)."""

    def __init__(self, directory: Path, on_log: Callable[[Path], object] | None = None) -> None:
        self.directory = directory
        self.on_log = on_log
        self._started: list[ChildProcess] = []

    def child(self, argv: Sequence[str], env: dict[str, str], name: str) -> ChildProcess:
        """A process (not yet started) logging to `<name>.log`."""
        return self._track(ChildProcess(argv, env=env, cwd=self.directory, log=self._log(name)))

    def server(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        name: str,
        *,
        ready_path: str = "/readyz",
        cwd: Path | None = None,
    ) -> ServerProcess:
        """A server (not yet started) on a free port, logging to `<name>.log`; it runs in `cwd`
        if given."""
        return self._track(
            ServerProcess(
                argv,
                env=env,
                cwd=cwd or self.directory,
                log=self._log(name),
                ready_path=ready_path,
            )
        )

    def bot(self, env: dict[str, str], name: str = "bot") -> ServerProcess:
        """`python -m bot` (not yet started)."""
        return self.server([sys.executable, "-m", "bot"], env, name)

    def run(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        timeout: float = 60,
        *,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """A command run to its end (in `cwd` if given): its exit code and output."""
        return subprocess.run(
            list(argv),
            cwd=cwd or self.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def run_bot(
        self, *args: str, env: dict[str, str], timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """`python -m bot [args]` to its end (a start-up that must fail, the audit command)."""
        return self.run([sys.executable, "-m", "bot", *args], env, timeout)

    def close(self) -> None:
        for process in reversed(self._started):
            process.stop(timeout=10)

    def _log(self, name: str) -> Path:
        log = self.directory / f"{name}.log"
        if self.on_log is not None:
            self.on_log(log)
        return log

    def _track(self, process: P) -> P:
        self._started.append(process)
        return process


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the parent dies (no stray servers).

    Not safe while other threads run in the parent (fork copies one thread; a lock another held
    stays locked in the child), hence opt-in."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)
