"""A PostgreSQL server of a test's own, for outages: started from PostgreSQL's server programs
as an unprivileged user on a free port, stopped and started again at will, removed at the
end. The machine's shared server is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

OWNER = "postgres"  # initdb and postgres refuse to run as root


def _programs() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivatePostgres:
    def __init__(self, programs: Path, root: Path) -> None:
        self.programs = programs
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{OWNER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", OWNER, "--", str(self.programs / args[0]), *args[1:]]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", OWNER, "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        # With a log file the server holds none of our pipes open after pg_ctl returns.
        log = str(self.data.parent / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private server; skipped where PostgreSQL's server programs are missing."""
    programs = _programs()
    if programs is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="ft-private-pg-"))
    (root / "sockets").mkdir()
    shutil.chown(root, OWNER)
    shutil.chown(root / "sockets", OWNER)
    os.chmod(root, 0o755)
    server = PrivatePostgres(programs, root)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
