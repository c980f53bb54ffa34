"""Real processes for multi-worker tests: a private Redis server and
``fairgate serve`` workers, each on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """A process and its living descendants (Linux ``/proc``; just ``pid`` elsewhere),
    e.g. ``fairgate serve`` and its uvicorn workers."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # exited meanwhile, or no /proc
    return found


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``check`` until true; the seconds it took (a bound, not a speed test)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout} s")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True

        wait_until(up, 10, "redis-server start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class Worker:
    """One ``fairgate serve`` process."""

    def __init__(
        self,
        db_url: str,
        *,
        redis_url: str | None,
        cwd: Path,
        policy: Path | None = None,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        """``env`` overrides the environment (default: a 0.1 s feed poll, for tests)."""
        self.port = free_port()
        extra = {"FAIRGATE_FEED_POLL_INTERVAL_S": "0.1"} if env is None else env
        env = {**os.environ, **extra, "FAIRGATE_DATABASE_URL": db_url}
        env.pop("FAIRGATE_REDIS_URL", None)
        args = [
            sys.executable,
            "-m",
            "fairgate",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        if redis_url:
            args += ["--redis", redis_url]
        if policy:
            args += ["--policy", str(policy)]
        self.log = (cwd / f"worker-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.client = httpx.Client(base_url=self.base, timeout=10)
        wait_until(
            lambda: self.client.get("/readyz").status_code == 200, 60, f"worker {self.port} ready"
        )

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()
