"""Where the numbers come from: one description of the machine for every
benchmark and evaluation report (figures are only comparable with it)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path


def _first(path: str, prefix: str) -> str | None:
    """The value of the first ``prefix`` line of a /proc file, if readable."""
    try:
        for line in Path(path).read_text(encoding="ascii").splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def version(dist: str) -> str:
    """The installed version of distribution ``dist``, or ``?``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def machine(*, packages: tuple[str, ...] = ()) -> dict[str, str]:
    """Platform, CPU model, cores, memory, Python, and the versions of ``packages``."""
    memory = _first("/proc/meminfo", "MemTotal")
    info = {
        "platform": platform.platform(),
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": str(os.cpu_count() or "?"),
        "memory": f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "?",
        "python": sys.version.split()[0],
    }
    info.update({name: version(name) for name in packages})
    return info
