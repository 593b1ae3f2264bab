"""A real `followthrough serve` (or `demo`) process for browser tests, on a free localhost
port."""

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
def serving(env: dict[str, str], cwd: Path, command: str = "serve") -> Iterator[str]:
    """Start `serve` (or `demo`) with `env` (which names PORT), wait until /readyz answers,
    yield its base URL, and stop it afterwards. Its output goes to <command>.log in `cwd` (a
    pipe nobody reads would fill and stop it)."""
    with (cwd / f"{command}.log").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", command],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
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
