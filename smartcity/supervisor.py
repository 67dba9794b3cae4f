"""Run the four processes as children, wait until each is ready, stop them all cleanly."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import shlex
import signal
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

import httpx
from setproctitle import setproctitle

from services.common.runtime import starting, tune_collector
from services.common.server import import_app, serve, serve_command
from services.common.settings import Settings, get_settings

from .lifetime import die_with
from .processes import PROCESSES, ProcessSpec

# A crashed process is started again after 1, 2, 4 ... seconds, at most 30; a minute up resets the count.
BACKOFF_CAP, STABLE_AFTER = 30.0, 60.0

# What all four processes import, loaded once before they are forked: each then imports only its own
# modules (0.4-1.1 s of CPU instead of 2.2-2.9 s), and the four no longer queue for two cores at start.
SHARED = ("services.common.app", "services.common.server", "services.common.documents.endpoints",
          "services.common.events", "services.common.audit", "services.common.labels", "services.common.revocations",
          "uvicorn.main", "uvicorn.loops.auto", "uvicorn.lifespan.on")


def preload() -> None:
    with starting():
        for name in SHARED:
            importlib.import_module(name)
    # Set aside from the cyclic collector: no child's collection walks (and so copies) what it inherits.
    tune_collector()


def _serve_forked(spec: ProcessSpec, host: str, port: int, env: dict[str, str], parent: int,
                  close: list[int], released: Event) -> None:
    """In the forked child: what `smartcity serve NAME` does, on the modules already imported. Its own modules
    are imported at once, while the supervisor migrates and seeds; it serves once `released` is set."""
    die_with(parent)()
    # Before the environment changes: setproctitle finds the memory of the command line beside the environment's.
    setproctitle(shlex.join(serve_command(spec.name, port, host)))
    os.setsid()  # own session: Ctrl-C reaches only the supervisor, which stops the children in order
    for fd in close:
        os.close(fd)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    import_app(spec.app)
    released.wait()
    serve(spec.app, get_settings(), host, port)


class Supervisor:
    def __init__(self, settings: Settings, database_url: str, close_in_children: list[int] | None = None):
        self.settings = settings
        self.env = {**os.environ, "DATABASE_URL": database_url,
                    "SMARTCITY_DATA_DIR": str(settings.data_dir.resolve())}
        self.close_in_children = close_in_children or []
        self.children: dict[str, BaseProcess] = {}
        self.restarts: dict[str, int] = {}
        self.started_at: dict[str, float] = {}
        self.due: dict[str, float] = {}  # when a crashed process is to be started again
        self.released = multiprocessing.get_context("fork").Event()

    def url(self, spec: ProcessSpec) -> str:
        return f"http://{self.settings.host}:{getattr(self.settings, spec.port_setting)}"

    def start(self) -> None:
        """Forks the processes (after `preload`, they share what it imported); each imports its own modules at
        once and serves on `release`."""
        for spec in PROCESSES:
            self._spawn(spec)

    def release(self) -> None:
        """The database is migrated and seeded: the processes may serve (one started again serves at once)."""
        self.released.set()

    def _spawn(self, spec: ProcessSpec) -> None:
        port = getattr(self.settings, spec.port_setting)
        proc = multiprocessing.get_context("fork").Process(
            target=_serve_forked, name=spec.name,
            args=(spec, self.settings.host, port, self.env, os.getpid(), self.close_in_children, self.released))
        proc.start()
        self.children[spec.name] = proc
        self.started_at[spec.name] = time.monotonic()

    def restart_crashed(self, say: Callable[[str], None]) -> None:
        now = time.monotonic()
        for spec in PROCESSES:
            proc = self.children[spec.name]
            if proc.exitcode is None:
                if now - self.started_at[spec.name] > STABLE_AFTER:
                    self.restarts[spec.name] = 0
                continue
            if spec.name not in self.due:
                n = self.restarts.get(spec.name, 0)
                delay = min(BACKOFF_CAP, 2.0 ** n)
                self.due[spec.name] = now + delay
                say(f"{spec.name} exited with code {proc.exitcode}; starting it again in {delay:.0f}s "
                    f"(restart {n + 1})")
            elif now >= self.due[spec.name]:
                del self.due[spec.name]
                self.restarts[spec.name] = self.restarts.get(spec.name, 0) + 1
                self._spawn(spec)
                say(f"{spec.name} started again (pid {self.children[spec.name].pid})")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(PROCESSES)
        with httpx.Client(timeout=1.0) as client:
            while pending:
                for spec in list(pending):
                    proc = self.children[spec.name]
                    if proc.exitcode is not None:
                        raise RuntimeError(f"{spec.name} exited with code {proc.exitcode} while starting")
                    try:
                        if client.get(self.url(spec) + "/readyz").status_code == 200:
                            pending.remove(spec)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(s.name for s in pending)}")
                if pending:
                    time.sleep(0.05)

    def stop(self) -> None:
        # Gateway first, so nothing new arrives while the services finish what is in flight (drain_seconds).
        for name in reversed(list(self.children)):
            proc = self.children[name]
            if proc.exitcode is None:
                proc.terminate()  # SIGTERM
        deadline = time.monotonic() + self.settings.drain_seconds + 5
        for proc in self.children.values():
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
