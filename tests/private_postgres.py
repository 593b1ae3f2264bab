"""A PostgreSQL server of a test's own, on a free port in a temporary directory, that the test
may stop and start again, or freeze (SIGSTOP) and thaw: the shared server at
TEST_DATABASE_URL is never touched. Tests run as root and PostgreSQL refuses to, so its
programs run as the `postgres` user then."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

SERVER_PROGRAMS = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
RUN_AS = "postgres"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivatePostgres:
    """One initdb'd cluster; `url` reaches its `postgres` database while it runs."""

    def __init__(self) -> None:
        if not SERVER_PROGRAMS:
            pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
        self.bin = Path(SERVER_PROGRAMS[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="ft-private-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_user = ["runuser", "-u", RUN_AS, "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, RUN_AS, RUN_AS)
        self._frozen: list[int] = []

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        # With a log file the server holds none of our pipes open after pg_ctl returns.
        log = str(self.dir / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """An outage: the server goes away (it can be started again)."""
        self.thaw()
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def _processes(self) -> list[int]:
        """The postmaster and every process it started (the backends, the writers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == postmaster:
                children.append(int(Path(stat).parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """Stop every process of the server: connections open, nothing answers."""
        self._frozen = self._processes()
        for pid in self._frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._frozen = []


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private server, removed at the end; skipped without PostgreSQL's programs."""
    server = PrivatePostgres()
    try:
        server.create()
        server.start()
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # the test may have stopped it
            server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
