"""The container image, built once per test session, and its figures in pytest's summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.ops import docker, dockerfile

ROOT = Path(__file__).resolve().parents[2]
_built: list[docker.Image] = []


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> docker.Image:
    """The image, built from the Dockerfile as shipped (Docker's layer cache makes a rebuild
    with unchanged dependencies take seconds). Skips, or fails in CI, without Docker. A test
    that uses it is marked `docker` and `process`."""
    docker.require_docker()
    built = docker.build(ROOT, "sendid-bot:test", tmp_path_factory.mktemp("image"))
    _built.append(built)
    return built


@pytest.fixture
def containers(image: docker.Image, tmp_path: Path) -> Iterator[docker.Containers]:
    """Containers of the image, removed when the test ends."""
    with closing(docker.Containers(image, tmp_path)) as started:
        yield started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for built in _built:
        base = docker.image_size(dockerfile.parse(ROOT / "Dockerfile")[-1].base)
        terminalreporter.write_line(
            f"container image {built.tag} ({built.id[7:19]}): {built.size / 1e6:.0f} MB, "
            f"{(built.size - base) / 1e6:.0f} MB over its base; built in "
            f"{built.build_seconds:.1f} s"
        )
