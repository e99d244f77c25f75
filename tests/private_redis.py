"""A redis-server of the test's own, on a free port, that a test may kill and restart.

The shared Redis (``conftest.redis_url``) must stay up for everyone; a fault test needs one
it can take down. Data persists in an append-only file fsynced on every write, so a
``kill -9`` loses nothing and the queue is still there after the restart.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import _service_missing


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """``start()``, ``kill()`` (SIGKILL), ``start()`` again on the same port and data."""

    def __init__(self, data_dir: Path, *, persistent: bool = True) -> None:
        binary = shutil.which("redis-server")
        if binary is None:  # fails with CI=true, skips elsewhere (conftest's policy)
            _service_missing("redis-server (apt-get install redis-server)",
                             FileNotFoundError("not on PATH"))
        self.binary, self.dir, self.port = binary, data_dir, free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.persistent = persistent  # False: a restart comes back empty
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis:// URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--save", "", "--appendonly", "yes" if self.persistent else "no",
             "--appendfsync", "always",
             "--protected-mode", "no", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on {self.port} did not start: "
                                   + (self.dir / "redis.log").read_text(errors="replace"))
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-traffic, connections reset."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False
