"""Read a Dockerfile into instructions, and replay a build and start without Docker.

There is no Docker daemon where the tests run, so :class:`Replay` does what the image does,
instruction by instruction, on the host: the container's directories (its ``WORKDIR``\\ s and
``$VIRTUAL_ENV``) become directories under a temporary root, ``COPY`` copies from the build
context, ``RUN`` runs with ``/bin/sh -c`` and the ``ENV`` built so far, and ``CMD`` /
``HEALTHCHECK`` give the commands to start and probe the bot. The base image's ``python`` is
the interpreter running the tests.

Deliberate differences, each small: pip may use the host's download cache (``PIP_NO_CACHE_DIR``
is dropped) so the test stays fast; ``USER`` is not switched (the tests are not root); in the
final stage only user creation may be ``RUN``, and it is skipped.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    keyword: str  # upper case
    flags: dict[str, str]  # --from=build → {"from": "build"}
    args: str  # the rest, continuation lines joined
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def parse(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append((start, buffer + stripped))
        buffer = ""
    for number, text in logical:
        keyword, _, rest = text.partition(" ")
        flags: dict[str, str] = {}
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.strip()
        instruction = Instruction(keyword.upper(), flags, rest, number)
        if instruction.keyword == "FROM":
            parts = rest.split()
            alias = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(parts[0], alias))
        else:
            assert stages, f"line {number}: {keyword} before FROM"
            stages[-1].instructions.append(instruction)
    return stages


def env_pairs(args: str) -> list[tuple[str, str]]:
    """``ENV a=1 b="x y"`` → [("a", "1"), ("b", "x y")] (the legacy ``ENV a 1`` form too)."""
    words = shlex.split(args, posix=True)
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(name, value) for name, _, value in (word.partition("=") for word in words)]


def exec_form(args: str) -> list[str]:
    """``CMD ["python", "-m", "bot"]`` → the list (exec form is required here)."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def healthcheck_command(stage: Stage) -> list[str]:
    instruction = stage.last("HEALTHCHECK")
    assert instruction is not None, "the image has no HEALTHCHECK"
    keyword, _, rest = instruction.args.partition(" ")
    assert keyword.upper() == "CMD", instruction.args
    return exec_form(rest.strip())


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), value)


def ignored(context: Path, path: Path, patterns: list[str]) -> bool:
    """``.dockerignore`` semantics for the patterns used here (last match wins, ``!`` keeps)."""
    relative = path.relative_to(context).as_posix()
    result = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        candidates = [relative] + [
            "/".join(relative.split("/")[:i]) for i in range(1, relative.count("/") + 1)
        ]
        hit = any(
            fnmatch.fnmatchcase(c, pattern)
            or (pattern.startswith("**/") and fnmatch.fnmatchcase(c.split("/")[-1], pattern[3:]))
            for c in candidates
        )
        if hit:
            result = not keep
    return result


def dockerignore_patterns(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.exists():
        return []
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


class Replay:
    """Replays the Dockerfile's stages on the host, under ``root``."""

    def __init__(self, dockerfile: Path, root: Path, python: str | None = None) -> None:
        self.context = dockerfile.parent
        self.stages = parse(dockerfile)
        self.root = root
        self.patterns = dockerignore_patterns(self.context)
        # The base image's `python` and `pip`: a shim directory first on PATH.
        shims = root / "base-image-bin"
        shims.mkdir(parents=True)
        base_python = python or str(getattr(sys, "_base_executable", sys.executable))
        (shims / "python").symlink_to(base_python)
        pip = shims / "pip"
        pip.write_text(f'#!/bin/sh\nexec "{base_python}" -m pip "$@"\n')
        pip.chmod(0o755)
        host = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "BRAZE_", "SENDID_", "VIRTUAL_ENV", "PYTHON"))
        }
        host["PATH"] = f"{shims}{os.pathsep}{os.environ.get('PATH', '')}"
        self._host_env = host
        self.container_paths = self._container_paths()

    # -- paths -------------------------------------------------------------------------------

    def _container_paths(self) -> list[str]:
        paths = set()
        for stage in self.stages:
            for instruction in stage.instructions:
                if instruction.keyword == "WORKDIR":
                    paths.add(instruction.args.strip())
                if instruction.keyword == "ENV":
                    for name, value in env_pairs(instruction.args):
                        if name == "VIRTUAL_ENV":
                            paths.add(value)
        assert all(p.startswith("/") for p in paths), paths
        return sorted(paths, key=len, reverse=True)

    def host_path(self, container_path: str) -> Path:
        return self.root / container_path.lstrip("/")

    def map_paths(self, text: str) -> str:
        for path in self.container_paths:
            text = re.sub(
                rf"(?<![\w./-]){re.escape(path)}(?=[/\s\"':]|$)", str(self.host_path(path)), text
            )
        return text

    # -- stages ------------------------------------------------------------------------------

    def build(self) -> tuple[dict[str, str], Path]:
        """Run every stage; return the final stage's environment and working directory."""
        env: dict[str, str] = {}
        workdir = self.root
        for index, stage in enumerate(self.stages):
            final = index == len(self.stages) - 1
            env = dict(self._host_env)
            workdir = self.root
            for instruction in stage.instructions:
                args = self.map_paths(instruction.args)
                keyword = instruction.keyword
                if keyword == "ENV":
                    for name, value in env_pairs(args):
                        env[name] = _expand(value, env)
                    env.pop("PIP_NO_CACHE_DIR", None)  # reuse the host's pip cache (speed)
                elif keyword == "WORKDIR":
                    workdir = Path(args.strip())
                    workdir.mkdir(parents=True, exist_ok=True)
                elif keyword == "COPY":
                    self._copy(instruction, args, workdir)
                elif keyword == "RUN":
                    if final:
                        assert args.split()[0] in ("useradd", "groupadd"), (
                            f"line {instruction.line}: the replay only knows user creation in "
                            f"the final stage: {args}"
                        )
                        continue
                    subprocess.run(
                        ["/bin/sh", "-c", args], cwd=workdir, env=env, check=True, timeout=600
                    )
        return env, workdir

    def _copy(self, instruction: Instruction, args: str, workdir: Path) -> None:
        *sources, destination = shlex.split(args)
        target = Path(destination) if destination.startswith("/") else workdir / destination
        if "from" in instruction.flags:
            # Same host root for every stage: copying a stage's directory onto itself is a no-op.
            assert all(Path(s) == target for s in sources), instruction
            return
        for source in sources:
            path = self.context / source
            assert path.exists(), f"line {instruction.line}: {source} is not in the context"
            assert not ignored(self.context, path, self.patterns), (
                f"line {instruction.line}: {source} is excluded by .dockerignore"
            )
            if path.is_dir():
                # Docker copies a directory's contents, not the directory itself.
                shutil.copytree(
                    path,
                    target,
                    ignore=lambda directory, names: [
                        n
                        for n in names
                        if ignored(self.context, Path(directory) / n, self.patterns)
                    ],
                    dirs_exist_ok=True,
                )
            elif destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
