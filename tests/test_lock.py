"""The lock against pyproject.toml, and the installs that use it.

uv.lock holds every package at one version with the sha256 of each of its files on PyPI;
requirements/<extra>.txt are exported from it by ./scripts/lock, and pip installs them with hashes
required: scripts/_venv.sh (the developer's .venv, CI) and the Dockerfile (the image, from
requirements/postgres.txt). These checks read the files only (no resolver, no network), so a
change to pyproject.toml's dependencies without ./scripts/lock fails here, in the quick loop.
`./scripts/lock --check` asks uv itself the same.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from tests.ops import dockerfile

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "uv.lock"
REQUIREMENTS = ROOT / "requirements"
PYPI = "https://pypi.org/simple"
PYPI_FILES = "https://files.pythonhosted.org/packages/"
REFRESH = "run ./scripts/lock and commit what it changes"
# The image's platform: CPython 3.11 on Debian bookworm (glibc 2.36), on either architecture.
ARCHITECTURES = ("x86_64", "aarch64")
GLIBC_MINOR = 36


@cache
def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


def extras() -> list[str]:
    return list(project()["optional-dependencies"])


def direct(extra: str | None) -> list[Requirement]:
    """pyproject.toml's requirements: the bot's own (None) or an extra's."""
    lines = (
        project()["dependencies"] if extra is None else project()["optional-dependencies"][extra]
    )
    return [Requirement(line) for line in lines]


@cache
def lock() -> dict[str, Any]:
    return tomllib.loads(LOCK.read_text())


def locked() -> list[dict[str, Any]]:
    """Every package in uv.lock but the bot itself."""
    return [p for p in lock()["package"] if p["name"] != project()["name"]]


def root() -> dict[str, Any]:
    (package,) = [p for p in lock()["package"] if p["name"] == project()["name"]]
    return package


def versions(name: str) -> list[Version]:
    """The locked versions of a package (more than one where the lock forks by a marker)."""
    wanted = canonicalize_name(name)
    return [Version(p["version"]) for p in locked() if canonicalize_name(p["name"]) == wanted]


def package(name: str, version: str | None) -> dict[str, Any]:
    found = [
        p
        for p in locked()
        if canonicalize_name(p["name"]) == canonicalize_name(name)
        and (version is None or p["version"] == version)
    ]
    assert len(found) == 1, f"uv.lock: {name} {version or ''} is locked {len(found)} times"
    return found[0]


def key(requirement: Requirement) -> str:
    """A requirement's meaning, however it is written (order, quotes, spaces)."""
    specifiers = ",".join(sorted(str(s) for s in requirement.specifier))
    extras = ",".join(sorted(requirement.extras))
    marker = str(requirement.marker) if requirement.marker else ""
    return f"{canonicalize_name(requirement.name)}[{extras}]{specifiers};{marker}"


def closure(extra: str) -> set[tuple[NormalizedName, str]]:
    """What uv.lock says the bot plus an extra needs, following every dependency (with extras)
    whatever its marker: (name, version) pairs."""
    entries = [*root()["dependencies"], *root()["optional-dependencies"][extra]]
    seen: set[tuple[NormalizedName, str, tuple[str, ...]]] = set()
    while entries:
        entry = entries.pop()
        target = package(entry["name"], entry.get("version"))
        wanted = tuple(sorted(entry.get("extra", [])))
        if (canonicalize_name(target["name"]), target["version"], wanted) in seen:
            continue
        seen.add((canonicalize_name(target["name"]), target["version"], wanted))
        entries += target.get("dependencies", [])
        for name in wanted:
            entries += target.get("optional-dependencies", {}).get(name, [])
    return {(name, version) for name, version, _ in seen}


class Pin:
    def __init__(self, line: str) -> None:
        requirement, *hashes = line.split(" --hash=")
        self.requirement = Requirement(requirement)
        self.hashes = set(hashes)
        (specifier,) = self.requirement.specifier
        assert specifier.operator == "==", line
        self.name = canonicalize_name(self.requirement.name)
        self.version = specifier.version


def pins(path: Path) -> list[Pin]:
    """A requirements file's logical lines (continuations joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [re.sub(r"\s+", " ", line.split(" #")[0]).strip() for line in text.splitlines()]
    return [Pin(line) for line in lines if line and not line.startswith("#")]


def files(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [*([entry["sdist"]] if "sdist" in entry else []), *entry.get("wheels", [])]


def linux_tags(architecture: str) -> set[Tag]:
    platforms = [f"manylinux_2_{minor}_{architecture}" for minor in range(GLIBC_MINOR, 16, -1)]
    platforms += [f"manylinux2014_{architecture}"]
    if architecture == "x86_64":
        platforms += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    return {
        *cpython_tags((3, 11), ["cp311", "abi3", "none"], platforms),
        *compatible_tags((3, 11), "cp311", platforms),
    }


LINUX_CPYTHON_311 = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "sys_platform": "linux",
    "os_name": "posix",
    "platform_system": "Linux",
}


# -- the lock matches pyproject.toml ------------------------------------------------------------


def test_the_lock_was_made_from_pyproject_toml_as_it_is() -> None:
    """uv.lock keeps the requirements it was resolved from: they are pyproject.toml's, every
    range and extra (what `uv lock --check` compares first)."""
    wanted = [key(r) for r in direct(None)]
    for extra in extras():
        for requirement in direct(extra):
            marker = f'extra == "{extra}"'
            if requirement.marker:
                marker = f"({requirement.marker}) and {marker}"
            requirement.marker = Marker(marker)
            wanted.append(key(requirement))
    metadata = root()["metadata"]
    recorded = [
        key(
            Requirement(
                f"{r['name']}[{','.join(r.get('extras', []))}]{r.get('specifier', '')}"
                + (f"; {r['marker']}" if "marker" in r else "")
            )
        )
        for r in metadata["requires-dist"]
    ]
    assert Counter(recorded) == Counter(wanted), f"uv.lock is older than pyproject.toml: {REFRESH}"
    assert metadata.get("provides-extras", []) == extras(), REFRESH
    assert lock()["requires-python"] == project()["requires-python"], REFRESH


@pytest.mark.parametrize("extra", [None, *extras()])
def test_every_direct_dependency_is_locked_at_a_version_inside_its_range(extra: str | None) -> None:
    for requirement in direct(extra):
        found = versions(requirement.name)
        assert found, f"{requirement.name} is not in uv.lock: {REFRESH}"
        for version in found:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"uv.lock has {requirement.name} {version}, outside {requirement}: {REFRESH}"
            )


def test_every_locked_package_and_file_comes_from_pypi_with_its_sha256() -> None:
    assert root()["source"] == {"editable": "."}
    for entry in locked():
        assert entry["source"] == {"registry": PYPI}, entry["name"]
        assert files(entry), f"{entry['name']}: no file"
        for file in files(entry):
            assert file["url"].startswith(PYPI_FILES), file["url"]
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", file["hash"]), file


# -- requirements/*.txt are uv.lock's, for pip -------------------------------------------------


def test_there_is_one_requirements_file_for_each_extra_and_no_other() -> None:
    assert sorted(p.name for p in REQUIREMENTS.iterdir()) == sorted(f"{e}.txt" for e in extras())


@pytest.mark.parametrize("extra", extras())
def test_each_requirements_file_pins_what_uv_lock_has_for_the_bot_and_its_extra(
    extra: str,
) -> None:
    """Every package the bot and the extra need, at uv.lock's version, with the sha256 of each
    of its files there, and nothing else: pip in hash-checking mode installs exactly these."""
    found = pins(REQUIREMENTS / f"{extra}.txt")
    assert {(p.name, p.version) for p in found} == closure(extra), REFRESH
    assert len({p.name for p in found}) == len(found), "a package pinned twice"
    for pin in found:
        recorded = {file["hash"] for file in files(package(pin.name, pin.version))}
        assert pin.hashes == recorded, f"{pin.name}: hashes differ from uv.lock: {REFRESH}"


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_package_the_image_needs_has_a_wheel_for_linux_cpython_3_11(
    architecture: str,
) -> None:
    """The image is built for x86_64 and aarch64 and has no compiler: each package there
    (requirements/postgres.txt, markers for Linux) has a wheel that pip takes there."""
    compatible = linux_tags(architecture)
    environment = {**LINUX_CPYTHON_311, "platform_machine": architecture}
    for pin in pins(REQUIREMENTS / "postgres.txt"):
        if pin.requirement.marker and not pin.requirement.marker.evaluate(environment):
            continue
        wheels = package(pin.name, pin.version).get("wheels", [])
        tags = {
            tag
            for wheel in wheels
            for tag in parse_wheel_filename(wheel["url"].rsplit("/", 1)[1])[3]
        }
        assert tags & compatible, f"{pin.name} {pin.version}: no wheel for {architecture}"


# -- the installs use the lock, with hashes required ---------------------------------------------


def pip_installs(text: str) -> list[str]:
    return [line for line in re.split(r"&&|;|\n", text) if re.search(r"\bpip\b.*\binstall\b", line)]


def test_the_dockerfile_installs_the_lock_with_hashes_required_then_the_bot_without_deps() -> None:
    build = dockerfile.parse(ROOT / "Dockerfile")[0]
    copies = {
        source: destination
        for copy in build.all("COPY")
        for *sources, destination in [copy.args.split()]
        for source in sources
    }
    assert copies.get("requirements/postgres.txt") == "./requirements.txt"
    installs = [i for run in build.all("RUN") for i in pip_installs(run.args)]
    assert len(installs) == 2, installs
    dependencies, bot = installs
    assert "--require-hashes" in dependencies.split() and "-r requirements.txt" in dependencies
    assert "--no-deps" in bot.split() and bot.split()[-1] == "."
    # The lock's file reaches the build context (.dockerignore lets nothing in by default).
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!requirements/postgres.txt" in ignored


def test_the_venv_script_installs_the_lock_with_hashes_required_then_the_bot_without_deps() -> None:
    installs = pip_installs((ROOT / "scripts" / "_venv.sh").read_text().replace("\\\n", " "))
    assert len(installs) == 2, installs
    dependencies, bot = installs
    assert "--require-hashes" in dependencies and '"${INSTALL[@]}"' in dependencies
    assert "--no-deps -e" in bot
