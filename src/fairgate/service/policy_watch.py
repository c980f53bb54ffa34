"""Policy reload without dropping requests: each worker checks the policy
file's modification time on its feed tick and, when it changed and the new
file is valid, switches between two screen calls. An invalid file is logged
and the policy in force stays."""

from __future__ import annotations

import logging
from pathlib import Path

from fairgate.engine import Engine
from fairgate.errors import PolicyError
from fairgate.policy import load_policy

log = logging.getLogger("fairgate.service")


class PolicyWatch:
    def __init__(self, engine: Engine, path: Path | None) -> None:
        self._engine = engine
        self._path = path
        self._mtime = self._stat()
        self.last_error: str | None = None

    @property
    def path(self) -> Path | None:
        return self._path

    def _stat(self) -> float | None:
        if self._path is None:
            return None
        try:
            return self._path.stat().st_mtime
        except OSError:
            return None

    def check(self) -> bool:
        """Reload if the file changed; True if a new policy is now in force."""
        mtime = self._stat()
        if mtime is None or mtime == self._mtime or self._path is None:
            return False
        self._mtime = mtime
        try:
            policy = load_policy(self._path)
        except PolicyError as exc:
            self.last_error = str(exc)
            log.error("policy not reloaded, keeping the one in force: %s", exc)
            return False
        self._engine.use_policy(policy)
        self.last_error = None
        log.info("policy reloaded from %s", self._path)
        return True
