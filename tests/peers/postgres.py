"""A throwaway PostgreSQL server on loopback (Debian's postgresql), started and stopped by the tests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.peers import processes


def postgres_bin() -> Path | None:
    """Debian installs the server binaries under /usr/lib/postgresql/<version>/bin."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def postgres_available() -> str | None:
    if postgres_bin() is None:
        return "PostgreSQL server missing (apt: postgresql)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "system user 'postgres' missing (apt: postgresql creates it)"
    return None


@dataclass
class PostgresServer:
    base_dir: Path
    port: int = field(default_factory=processes.free_port)
    process: subprocess.Popen | None = None

    def _run_as_postgres(self, args: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root.
        return ["runuser", "-u", "postgres", "--"] + args if os.geteuid() == 0 else args

    def start(self) -> "PostgresServer":
        bin_dir = postgres_bin()
        assert bin_dir is not None, postgres_available()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        data = self.base_dir / "pgdata"
        if os.geteuid() == 0:
            shutil.chown(self.base_dir, "postgres", "postgres")
        subprocess.run(
            self._run_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                   "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True,
        )
        cmd = self._run_as_postgres([str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port),
                                     "-k", str(self.base_dir), "-c", "listen_addresses=127.0.0.1",
                                     "-c", "fsync=off", "-c", "max_connections=200"])
        self.process = processes.start(cmd, self.base_dir.parent / f"postgres-{self.port}.log")
        processes.wait_for_port(self.port, timeout_s=30)
        return self

    def create_database(self) -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process, timeout_s=20)
            self.process = None
