"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary directory, run as a
non-root user when the tests run as root, listening on 127.0.0.1 and a private unix socket."""

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
from pathlib import Path

import psycopg

PASSWORD = "s3cret-Pg-pass"  # the agent role's password: tests assert it never shows up anywhere


def find_bindir() -> Path | None:
    """The directory with initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """One cluster; `database()` gives each test its own database and an agent URL for it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="gitops-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "nobody"
            uid = pwd.getpwnam(self.user).pw_uid
            self.root.chmod(0o755)
            self.sockets.mkdir()
            os.chown(self.sockets, uid, -1)
            os.chown(self.root, uid, -1)
        else:
            self.sockets.mkdir()

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60, cwd=self.root)

    def init(self) -> None:
        """initdb, then start."""
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        self.start()
        with self.admin() as db:
            db.execute(f"CREATE ROLE gitops LOGIN PASSWORD '{PASSWORD}'")

    def start(self) -> None:
        """pg_ctl start (waits until it accepts connections)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.sockets}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        """pg_ctl stop -m fast (connections are cut)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection over the unix socket."""
        return psycopg.connect(
            host=str(self.sockets), port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def database(self) -> str:
        """A new empty database owned by the agent role; its URL (with the password)."""
        name = "t_" + uuid.uuid4().hex[:12]
        with self.admin() as db:
            db.execute(f"CREATE DATABASE {name} OWNER gitops")
        return f"postgresql://gitops:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        """Stop and remove everything."""
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
