"""The real image and real containers, through the ``docker`` command line.

Tests that need Docker call :func:`require_docker`: without a working daemon they skip with the
reason, unless ``SENDID_REQUIRE_DOCKER=1`` (CI, after ``../shared/tools/docker-sandbox``), which
turns the skip into a failure. Builds use the classic builder on the host network (what the
sandbox supports: pip inside the build reaches the package index the way the host does), and
containers run on the host network so that they reach the loopback stand-ins.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.support.prerequisites import skip_unless_required
from tests.support.processes import answers_200, free_port
from tests.support.waits import wait_until

T = TypeVar("T")

REQUIRE_DOCKER_ENV = "SENDID_REQUIRE_DOCKER"
LABEL = "sendid-bot-test"  # every container a test starts carries it (cleanup by hand: filter)


def docker(*args: str, timeout: float = 60, check: bool = True) -> str:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


@functools.cache
def unavailable_reason() -> str | None:
    """None when the docker command reaches a daemon; otherwise why not (checked once)."""
    if shutil.which("docker") is None:
        return "docker is not installed (on these machines: ../shared/tools/docker-sandbox)"
    result = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        return f"no Docker daemon answers: {(result.stderr or result.stdout).strip()}"
    return None


def require_docker() -> None:
    reason = unavailable_reason()
    if reason is not None:
        skip_unless_required(reason, REQUIRE_DOCKER_ENV)


@dataclass(frozen=True)
class Image:
    id: str  # containers run by ID, so a concurrent build elsewhere re-tagging cannot swap it
    tag: str
    size: int  # bytes
    build_seconds: float

    def inspect(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(docker("image", "inspect", self.id))[0]
        return data


def image_size(reference: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", reference))


def build(context: Path, tag: str, tmp_path: Path, dockerfile: str | None = None) -> Image:
    """``docker build`` the context with its own Dockerfile, or with ``dockerfile``'s text."""
    iidfile = tmp_path / f"iid-{secrets.token_hex(4)}"
    args = ["docker", "build", "--network", "host", "--iidfile", str(iidfile), "-t", tag]
    if dockerfile is not None:
        args += ["-f", "-"]
    started = time.monotonic()
    result = subprocess.run(
        [*args, str(context)],
        input=dockerfile,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise AssertionError(f"docker build failed:\n{result.stdout[-6000:]}{result.stderr}")
    image_id = iidfile.read_text().strip()
    return Image(image_id, tag, image_size(image_id), seconds)


class Container:
    """One ``docker run -d`` of the image on the host network, its HTTP on a free port (``PORT``);
    :meth:`remove` removes it with its logs."""

    def __init__(self, image: Image, env: dict[str, str], directory: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env_file = directory / f"container-{secrets.token_hex(4)}.env"
        variables = {**env, "PORT": str(self.port)}
        env_file.write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
        self.id = docker(
            "run", "-d", "--network", "host", "--label", LABEL, "--env-file", str(env_file),
            *options, image.id,
        )  # fmt: skip

    def remove(self) -> None:
        docker("rm", "--force", "--volumes", self.id, check=False)

    def inspect(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(docker("container", "inspect", self.id))[0]
        return data

    def logs(self) -> str:
        result = subprocess.run(
            ["docker", "logs", self.id], capture_output=True, text=True, timeout=30, check=False
        )
        return result.stdout + result.stderr

    def wait_ready(self, path: str = "/readyz", timeout: float = 30) -> Container:
        """Wait until `path` answers 200; the container must not exit meanwhile."""

        def ready() -> bool:
            state = self.inspect()["State"]
            if not state["Running"]:
                raise AssertionError(f"the container exited ({state['ExitCode']})")
            return answers_200(self.port, path)

        self._wait(ready, timeout, f"{path} never answered 200")
        return self

    def wait_for_health(self, status: str, timeout: float = 30) -> dict[str, Any]:
        """The container's health record once Docker reports ``status`` (healthy, unhealthy)."""

        def health() -> dict[str, Any] | None:
            record: dict[str, Any] = self.inspect()["State"].get("Health") or {}
            return record if record.get("Status") == status else None

        return self._wait(health, timeout, f"health never became {status}")

    def _wait(self, condition: Callable[[], T | None], timeout: float, failure: str) -> T:
        try:
            return wait_until(condition, timeout, every=0.1)
        except AssertionError as error:
            raise AssertionError(f"{failure}: {error}\n{self.logs()}") from None

    def stop(self, grace_seconds: int) -> tuple[int, float]:
        """``docker stop`` (SIGTERM, SIGKILL after the grace period): exit code and seconds."""
        started = time.monotonic()
        docker("stop", "--time", str(grace_seconds), self.id, timeout=grace_seconds + 30)
        seconds = time.monotonic() - started
        return int(self.inspect()["State"]["ExitCode"]), seconds

    def main_process_status(self) -> dict[str, str]:
        """``/proc/<pid>/status`` of the container's PID 1, as the host kernel sees it."""
        pid = self.inspect()["State"]["Pid"]
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        return dict(line.split(":\t", 1) for line in lines if ":\t" in line)

    def main_process_command(self) -> list[str]:
        pid = self.inspect()["State"]["Pid"]
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")


class Containers:
    """The containers of one test, of `image`, their settings written to `directory`;
    :meth:`close` removes every one."""

    def __init__(self, image: Image, directory: Path) -> None:
        self.image = image
        self.directory = directory
        self._started: list[Container] = []

    def run(self, env: dict[str, str], *options: str) -> Container:
        """``docker run`` the image with `env` (and PORT) and `options`, once it is ready."""
        container = Container(self.image, env, self.directory, *options)
        self._started.append(container)
        return container.wait_ready()

    def close(self) -> None:
        for container in reversed(self._started):
            container.remove()
