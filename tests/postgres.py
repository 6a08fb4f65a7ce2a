"""A real PostgreSQL server for the tests, started and stopped by the test session itself.

The server binaries come from the machine's PostgreSQL (Debian's `postgresql` package, which
scripts/setup installs when it can) found on PATH or under /usr/lib/postgresql. PostgreSQL
refuses to run as root, so as root the cluster belongs to the `postgres` system user that the
package creates. The cluster lives in a temporary folder, listens on a free loopback port only,
runs with fsync off (test data is thrown away), and is stopped at the end of the session.
Each test module gets its own fresh database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise Unavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl): scripts/setup installs Debian's "
        "postgresql package when run as root with apt-get; or install it by hand"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin: Path
    folder: Path
    port: int
    user: str | None  # the system user running the server (None: this process's own)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.folder,
        )

    def start(self) -> None:
        if not self.data.exists():
            done = self._run(
                "initdb", "-D", str(self.data), "-U", "immuno", "--auth=trust", "-E", "UTF8",
                "--no-sync", "--no-instructions",
            )  # fmt: skip
            if done.returncode != 0:
                raise Unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[:300]}")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
            "-w", "-t", "30", "start",
        )  # fmt: skip
        if done.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-500:]
            raise Unavailable(f"PostgreSQL did not start: {done.stderr.strip()[:200]} {log}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        """Stop at once (dropping every connection, as a crash or failover would) and start."""
        self.stop("immediate")
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://immuno@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise Unavailable("running as root and there is no postgres or nobody user to run as")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A started server, stopped (and its folder removed) on the way out."""
    binaries = find_binaries()
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="immuno-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(binaries, folder, _free_port(), user)
    try:
        server.start()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
