"""RSS and CPU time of another process: psutil when installed (``bench`` extra), else /proc.

The /proc fallback keeps the CI smoke test free of an extra dependency (CI runs on Linux).
With psutil, a server's children count too (gunicorn serves from a worker process it forks).
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - depends on the installed extras
    psutil = None

MB = 2**20
# What asking about a process that has just exited raises (besides OSError).
GONE: tuple[type[Exception], ...] = (psutil.Error,) if psutil is not None else ()


def _family(pid: int) -> list[psutil.Process]:
    process = psutil.Process(pid)
    return [process, *process.children(recursive=True)]


def rss_mb(pid: int) -> float:
    if psutil is not None:
        return sum(float(p.memory_info().rss) for p in _family(pid)) / MB
    return _status_kb(pid, "VmRSS") * 1024 / MB


def peak_rss_mb(pid: int) -> float | None:
    """The kernel's high-water mark of the RSS (Linux), or None where it is not known."""
    try:
        peak = _status_kb(pid, "VmHWM")
        if psutil is not None:
            peak += sum(_status_kb(p.pid, "VmHWM") for p in _family(pid)[1:])
        return peak * 1024 / MB
    except (OSError, KeyError, ValueError, RuntimeError):
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far."""
    if psutil is not None:
        return sum(float(t.user + t.system) for t in (p.cpu_times() for p in _family(pid)))
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_gb() -> float:
    if psutil is not None:
        return round(float(psutil.virtual_memory().total) / 2**30, 1)
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return float("nan")
    return round(pages / 2**30, 1)


def _status_kb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return float(value.split()[0])
    raise KeyError(key)
