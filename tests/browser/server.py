"""A real `followthrough serve` process for browser tests, on a free localhost port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[str]:
    """Start `serve` with `env` (which names PORT), wait until /readyz answers, yield its base
    URL, and stop it afterwards."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
