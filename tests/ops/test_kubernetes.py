"""deploy/kubernetes: every manifest valid for Kubernetes, every overlay rendered by kustomize,
and the settings that matter (security, probes, secrets, policy, shutdown, sizing) asserted on
what would be applied, so that a regression fails here rather than in a cluster."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.ops import docker
from tests.ops.kubernetes import (
    KUBERNETES,
    ROOT,
    Manifest,
    container_environment,
    docker_run_options,
    load_files,
    named,
    one,
    pod_container,
    render,
    schema_problems,
)
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support.constants import SECRETS
from tests.support.processes import answers_200

PRODUCTION = KUBERNETES / "overlays" / "production"
SOCKET_MODE = KUBERNETES / "overlays" / "socket-mode"
OVERLAYS = [pytest.param(PRODUCTION, id="production"), pytest.param(SOCKET_MODE, id="socket-mode")]
IMAGE_UID = 10001  # the Dockerfile's `useradd --uid`
SECRET_NAMES = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL")
COMPONENT_LINES = "# components:\n#   - ../../components/prometheus-operator\n"
WORKSPACE_KEYS_LINE = "  # - path: braze-workspace-keys.yaml\n"
PATCHES = ("prometheus-annotations.yaml", "socket-mode.yaml", "braze-workspace-keys.yaml")


def deployment_of(overlay: Path) -> Manifest:
    return one(render(overlay), "Deployment")


def pod_spec(overlay: Path) -> dict[str, Any]:
    return deployment_of(overlay)["spec"]["template"]["spec"]


def env_of(overlay: Path) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in pod_container(deployment_of(overlay))["env"]}


def uncommented(tmp_path: Path, lines: str) -> Path:
    """A copy of deploy/kubernetes whose production kustomization has `lines` uncommented, as
    a user enables what it offers; the copy's production overlay."""
    copy = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES, copy)
    kustomization = copy / "overlays" / "production" / "kustomization.yaml"
    text = kustomization.read_text()
    assert lines in text, "the overlay no longer offers this as documented"
    kustomization.write_text(text.replace(lines, lines.replace("# ", "")))
    return copy / "overlays" / "production"


def with_prometheus_operator(tmp_path: Path) -> Path:
    """The production overlay as a user edits it for the Prometheus Operator (a copy)."""
    return uncommented(tmp_path, COMPONENT_LINES)


# -- valid Kubernetes objects ----------------------------------------------------------------


def test_every_file_in_the_base_and_overlays_is_a_valid_kubernetes_object() -> None:
    """Strictly against the 1.25 and the newest schemas; needs no kubectl (fresh clones)."""
    files = [
        path
        for path in sorted(KUBERNETES.rglob("*.yaml"))
        if path.name != "kustomization.yaml"
        and "components" not in path.parts  # the ServiceMonitor is a CRD: checked below
        and path.name not in PATCHES
    ]
    manifests = load_files(*files)
    kinds = sorted(m["kind"] for m in manifests)
    assert kinds == ["Deployment", "Ingress", "Namespace", "PodDisruptionBudget", "Service"]
    for manifest in manifests:
        assert schema_problems(manifest) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_renders_into_valid_kubernetes_objects_in_one_namespace(
    overlay: Path,
) -> None:
    manifests = render(overlay)
    for manifest in manifests:
        assert schema_problems(manifest) == []
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == "sendid", manifest["metadata"]
    assert not [m for m in manifests if m["kind"] == "Secret"]  # secrets never live here


def test_a_broken_manifest_is_caught_by_the_schema_check() -> None:
    """The check itself can fail: a typo'd key and a wrong type are each reported."""
    typo = deployment_of(PRODUCTION)
    pod_container(typo)["securityContext"]["readOnlyRootFileSystem"] = True
    assert "'readOnlyRootFileSystem' was unexpected" in " ".join(schema_problems(typo))
    wrong_type = deployment_of(PRODUCTION)
    pod_container(wrong_type)["ports"][0]["containerPort"] = "3000"
    assert "'3000' is not of type 'integer'" in " ".join(schema_problems(wrong_type))


# -- what the pods run with ------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_bot_runs_as_the_images_user_read_only_without_capabilities(overlay: Path) -> None:
    pod = pod_spec(overlay)
    (container,) = pod["containers"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": IMAGE_UID,
        "runAsGroup": IMAGE_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert pod["automountServiceAccountToken"] is False
    # The only writable place is a small in-memory /tmp.
    volumes = {v["name"]: v for v in pod["volumes"]}
    writable = [m for m in container["volumeMounts"] if not m.get("readOnly")]
    assert [(m["mountPath"], volumes[m["name"]]["emptyDir"]) for m in writable] == [
        ("/tmp", {"medium": "Memory", "sizeLimit": "16Mi"})
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_readiness_asks_readyz_and_liveness_asks_healthz_on_the_bots_port(overlay: Path) -> None:
    container = pod_container(deployment_of(overlay))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 3000, "metrics": 9090}
    env = env_of(overlay)
    assert env["PORT"]["value"] == str(ports["http"])
    # /metrics on a port of its own, which the Ingress never routes to.
    assert env["SENDID_METRICS_PORT"]["value"] == str(ports["metrics"])
    probes = {
        kind: (container[kind]["httpGet"]["path"], container[kind]["httpGet"]["port"])
        for kind in ("readinessProbe", "livenessProbe", "startupProbe")
    }
    assert probes == {
        "readinessProbe": ("/readyz", "http"),
        "livenessProbe": ("/healthz", "http"),
        "startupProbe": ("/healthz", "http"),
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_stopping_replica_gets_30_s_after_its_pre_stop_pause_before_sigkill(
    overlay: Path,
) -> None:
    pod = pod_spec(overlay)
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    # docs/operations.md: Braze calls are bounded to about 20 s; "give the container 30 s before
    # SIGKILL".
    # The grace period counts from before preStop, so it holds the pause plus those 30 s.
    assert pod["terminationGracePeriodSeconds"] >= 30 + int(pre_stop[1])


def rss_measured_mb() -> float:
    """The bot's peak RSS from the benchmark's targets table in BENCHMARKS.md."""
    table = (ROOT / "BENCHMARKS.md").read_text()
    found = re.search(
        r"\| bot RSS \(idle / after load / peak\) \|[^|]*\| [\d.]+ / [\d.]+ / ([\d.]+) MB", table
    )
    assert found, "BENCHMARKS.md no longer reports the bot's RSS"
    return float(found.group(1))


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1) * 1.048576  # in MB, as the benchmark


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_memory_is_sized_from_the_benchmarks_rss_with_headroom(overlay: Path) -> None:
    resources = pod_container(deployment_of(overlay))["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    peak = rss_measured_mb()
    assert mebibytes(resources["requests"]["memory"]) >= 1.2 * peak
    assert mebibytes(resources["limits"]["memory"]) >= 2 * peak


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_comes_from_the_secret_by_reference_and_no_value_is_in_the_repo(
    overlay: Path,
) -> None:
    env = env_of(overlay)
    secret_like = {name for name in env if SECRET_NAMES.search(name)}
    assert {"SLACK_BOT_TOKEN", "BRAZE_API_KEY", "SENDID_DATABASE_URL"} <= secret_like
    for name in secret_like:
        assert env[name] == {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": "sendid-bot", "key": name}},
        }
    # What comes in through envFrom (the settings ConfigMap) holds nothing secret.
    manifests = render(overlay)
    for source in pod_container(one(manifests, "Deployment"))["envFrom"]:
        settings = named(manifests, source["configMapRef"]["name"], "metadata")
        assert not [name for name in settings["data"] if SECRET_NAMES.search(name)]


def test_a_braze_workspaces_key_comes_from_the_secret_once_its_patch_is_enabled(
    tmp_path: Path,
) -> None:
    production = uncommented(tmp_path, WORKSPACE_KEYS_LINE)
    for overlay in (production, production.parent / "socket-mode"):
        env = env_of(overlay)
        assert env["BRAZE_API_KEY_EU"] == {
            "name": "BRAZE_API_KEY_EU",
            "valueFrom": {"secretKeyRef": {"name": "sendid-bot", "key": "BRAZE_API_KEY_EU"}},
        }
        # Added to the container's variables, not replacing them.
        assert {"SLACK_BOT_TOKEN", "BRAZE_API_KEY", "SENDID_DATABASE_URL"} <= set(env)
        for manifest in render(overlay):
            assert schema_problems(manifest) == []
    # Not enabled by default: the example policy uses no second workspace.
    assert "BRAZE_API_KEY_EU" not in env_of(PRODUCTION)


def test_the_policys_workspace_example_names_the_variable_the_patch_provides() -> None:
    named_in_policy = re.findall(r'api_key_env = "(\w+)"', (PRODUCTION / "policy.toml").read_text())
    patch = load_files(PRODUCTION / "braze-workspace-keys.yaml")[0]
    provided = {v["name"] for v in pod_container(patch)["env"]}
    assert named_in_policy and set(named_in_policy) <= provided


def test_http_mode_needs_the_signing_secret_and_socket_mode_the_app_token() -> None:
    http, socket = env_of(PRODUCTION), env_of(SOCKET_MODE)
    assert "SLACK_SIGNING_SECRET" in http and "SLACK_APP_TOKEN" not in http
    assert "SLACK_APP_TOKEN" in socket and "SLACK_SIGNING_SECRET" not in socket
    # Socket Mode needs no public URL: no Ingress.
    assert [m for m in render(PRODUCTION) if m["kind"] == "Ingress"]
    assert not [m for m in render(SOCKET_MODE) if m["kind"] == "Ingress"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_policy_file_comes_from_a_configmap_mounted_read_only(overlay: Path) -> None:
    manifests = render(overlay)
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    policy_file = Path(env_of(overlay)["SENDID_POLICY_FILE"]["value"])
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(policy_file.parent)]
    assert mount["readOnly"] is True
    volume = named(pod["volumes"], mount["name"])["configMap"]
    config_map = named(manifests, volume["name"], "metadata")
    (item,) = volume["items"]
    assert item["path"] == policy_file.name
    assert config_map["data"][item["key"]] == (PRODUCTION / "policy.toml").read_text()
    # Generated with a content hash in its name: a changed policy rolls the replicas.
    assert re.fullmatch(r"sendid-bot-policy-[a-z0-9]{10}", volume["name"])


# -- availability ----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_two_or_more_replicas_on_different_nodes_and_one_disruption_at_a_time(
    overlay: Path,
) -> None:
    manifests = render(overlay)
    deployment = one(manifests, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    spread = {c["topologyKey"]: c for c in deployment["spec"]["template"]["spec"][
        "topologySpreadConstraints"]}  # fmt: skip
    by_node = spread["kubernetes.io/hostname"]
    assert (by_node["maxSkew"], by_node["whenUnsatisfiable"]) == (1, "DoNotSchedule")
    assert by_node["labelSelector"]["matchLabels"].items() <= labels.items()
    budget = one(manifests, "PodDisruptionBudget")["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    service = one(manifests, "Service")["spec"]
    assert service["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in service["ports"]] == ["http", "metrics"]


def test_the_ingress_routes_only_slack_events_to_the_service_over_tls() -> None:
    manifests = render(PRODUCTION)
    ingress = one(manifests, "Ingress")["spec"]
    (rule,) = ingress["rules"]
    assert rule["host"] in ingress["tls"][0]["hosts"]
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/slack/events", "Exact")
    service = one(manifests, "Service")
    assert path["backend"]["service"] == {
        "name": service["metadata"]["name"],
        "port": {"name": service["spec"]["ports"][0]["name"]},
    }


def test_prometheus_scrapes_each_pods_metrics_by_annotation_or_service_monitor(
    tmp_path: Path,
) -> None:
    deployment = deployment_of(PRODUCTION)
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    ports = {p["name"]: p["containerPort"] for p in pod_container(deployment)["ports"]}
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(ports["metrics"]),
        "prometheus.io/path": "/metrics",
    }
    manifests = render(with_prometheus_operator(tmp_path))
    monitor = one(manifests, "ServiceMonitor")
    service = one(manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics"
    assert endpoint["port"] in [p["name"] for p in service["spec"]["ports"]]
    assert endpoint["path"] == "/metrics"


def test_the_overlay_runs_the_image_it_names() -> None:
    container = pod_container(deployment_of(PRODUCTION))
    assert container["image"] == "registry.example.com/sendid-bot:0.1.0"


# -- the production pod, on the real image ---------------------------------------------------


@pytest.mark.postgres
def test_the_production_pod_settings_and_policy_start_the_real_image(
    containers: docker.Containers, slack: SlackStandIn, braze: BrazeStandIn, tmp_path: Path
) -> None:
    """The rendered Deployment as Docker flags (user, read-only root, capabilities, /tmp,
    the policy ConfigMap mounted read-only) and environment (literal values, the settings
    ConfigMap, test secrets); only the Slack and Braze addresses point at the stand-ins.
    The bot must accept the overlay's settings and policy file and pass the pod's probes."""
    manifests = render(PRODUCTION)
    deployment = one(manifests, "Deployment")
    config_maps = [m for m in manifests if m["kind"] == "ConfigMap"]
    with databases.isolated_postgres_url() as database_url:
        secrets = {**SECRETS, "SENDID_DATABASE_URL": database_url}
        env = container_environment(deployment, config_maps, secrets)
        env.update(SLACK_API_URL=slack.url, BRAZE_REST_ENDPOINT=braze.url)
        container = containers.run(env, *docker_run_options(deployment, config_maps, tmp_path))
        main = pod_container(deployment)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert answers_200(container.port, main[probe]["httpGet"]["path"]), probe
        pre_stop = main["lifecycle"]["preStop"]["exec"]["command"]
        docker.docker("exec", container.id, pre_stop[0], "0")  # the command exists
        assert container.main_process_status()["CapEff"] == "0000000000000000"
        code, _ = container.stop(deployment["spec"]["template"]["spec"][
            "terminationGracePeriodSeconds"])  # fmt: skip
        assert code == 0, container.logs()
