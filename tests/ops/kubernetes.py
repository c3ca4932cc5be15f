"""deploy/kubernetes rendered by the real kustomize, validated against Kubernetes' schemas.

Rendering uses ``kubectl kustomize`` (kustomize built into kubectl; on these machines kubectl
is part of the machine image). Without kubectl the rendering tests skip with the reason,
unless ``SENDID_REQUIRE_KUSTOMIZE=1`` (CI), which fails them. Schema validation uses
kubernetes-validate (test extra), which bundles the OpenAPI schemas of every Kubernetes
release and works offline.
"""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.support.prerequisites import skip_unless_required

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
REQUIRE_KUSTOMIZE_ENV = "SENDID_REQUIRE_KUSTOMIZE"
# The oldest release the manifests are meant for (docs/operations.md) and the newest schemas
# bundled.
KUBERNETES_VERSIONS = ("1.25.0", kubernetes_validate.utils.latest_version())

Manifest = dict[str, Any]


def require_kustomize() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        return kubectl
    skip_unless_required(
        "kubectl (with its built-in kustomize) is not installed", REQUIRE_KUSTOMIZE_ENV
    )


@functools.cache
def _render(directory: Path) -> tuple[Manifest, ...]:
    result = subprocess.run(
        [require_kustomize(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize {directory} failed:\n{result.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(directory: Path) -> list[Manifest]:
    """What ``kubectl apply -k directory`` would send (a fresh copy each call)."""
    return copy.deepcopy(list(_render(directory)))


def load_files(*paths: Path) -> list[Manifest]:
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]


def schema_problems(manifest: Manifest) -> list[str]:
    """Strict validation (unknown fields are errors: a typo'd key never passes silently)."""
    problems = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{version} {manifest['kind']} {path}: {error.message}")
    return problems


def one(manifests: list[Manifest], kind: str) -> Manifest:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def named(items: list[dict[str, Any]], name: str, where: str | None = None) -> dict[str, Any]:
    """The one item called ``name`` (its ``where`` mapping's name, e.g. "metadata")."""
    (found,) = [i for i in items if (i[where] if where else i).get("name") == name]
    return found


def pod_container(deployment: Manifest) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def container_environment(
    deployment: Manifest, config_maps: list[Manifest], secrets: dict[str, str]
) -> dict[str, str]:
    """The environment Kubernetes would give the bot: literal values, the ConfigMaps named in
    envFrom, and each secretKeyRef looked up in ``secrets`` (key → value)."""
    container = pod_container(deployment)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(named(config_maps, source["configMapRef"]["name"], "metadata")["data"])
    for variable in container["env"]:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            env[variable["name"]] = secrets[variable["valueFrom"]["secretKeyRef"]["key"]]
    return env


def docker_run_options(
    deployment: Manifest, config_maps: list[Manifest], folder: Path
) -> list[str]:
    """``docker run`` flags that give a container what the Deployment's pod gets: its user,
    read-only root, dropped capabilities, no privilege escalation, emptyDir volumes as tmpfs
    and ConfigMap volumes as read-only bind mounts of their files (written under ``folder``)."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod_container(deployment)
    security = {**pod["securityContext"], **container["securityContext"]}
    options = ["--user", f"{security['runAsUser']}:{security['runAsGroup']}"]
    if security.get("readOnlyRootFilesystem"):
        options.append("--read-only")
    if security.get("allowPrivilegeEscalation") is False:
        options += ["--security-opt", "no-new-privileges"]
    options += [f"--cap-drop={capability}" for capability in security["capabilities"]["drop"]]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            options += ["--tmpfs", f"{mount['mountPath']}:rw,uid={security['runAsUser']}"]
            continue
        data = named(config_maps, volume["configMap"]["name"], "metadata")["data"]
        items = volume["configMap"].get("items") or [{"key": k, "path": k} for k in data]
        source = folder / mount["name"]
        source.mkdir()
        source.chmod(0o755)
        for item in items:
            (source / item["path"]).write_text(data[item["key"]])
            (source / item["path"]).chmod(0o644)
        options += ["-v", f"{source}:{mount['mountPath']}:ro"]
    return options
