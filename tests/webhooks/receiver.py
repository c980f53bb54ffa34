"""A real HTTP receiver for webhook tests: http.server on 127.0.0.1:0 in a thread.

Each path answers with the status set for it (default 200); a path can be made
to hang until released, to stand for a slow endpoint.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, Any]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status: dict[str, int] = {}
        self.hang: dict[str, threading.Event] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                    receiver.arrived.notify_all()
                gate = receiver.hang.get(self.path)
                if gate is not None:
                    gate.wait(120)
                self.send_response(receiver.status.get(self.path, 200))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Until at least ``count`` requests have arrived (False if they did not)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        for gate in self.hang.values():
            gate.set()
        self.server.shutdown()
        self.server.server_close()
