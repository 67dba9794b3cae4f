"""Run the four processes as children, wait until each is ready, stop them all cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass

import httpx

from services.common.server import serve_command
from services.common.settings import Settings


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    app: str
    port_setting: str


PROCESSES = (
    ProcessSpec("regions", "services.regions.main:app", "regions_port"),
    ProcessSpec("assessment", "services.assessment.main:app", "assessment_port"),
    ProcessSpec("masterplan", "services.masterplan.main:app", "masterplan_port"),
    ProcessSpec("gateway", "gateway.main:app", "gateway_port"),
)


class Supervisor:
    def __init__(self, settings: Settings, database_url: str, extra_env: dict[str, str] | None = None):
        self.settings = settings
        self.env = {**os.environ, "DATABASE_URL": database_url,
                    "SMARTCITY_DATA_DIR": str(settings.data_dir.resolve()), **(extra_env or {})}
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, spec: ProcessSpec) -> str:
        return f"http://{self.settings.host}:{getattr(self.settings, spec.port_setting)}"

    def start(self) -> None:
        for spec in PROCESSES:
            port = getattr(self.settings, spec.port_setting)
            # Own session: Ctrl-C reaches only us, and we stop the children in order.
            self.children[spec.name] = subprocess.Popen(serve_command(spec.name, port, self.settings.host),
                                                        env=self.env, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(PROCESSES)
        with httpx.Client(timeout=1.0) as client:
            while pending:
                for spec in list(pending):
                    proc = self.children[spec.name]
                    if proc.poll() is not None:
                        raise RuntimeError(f"{spec.name} exited with code {proc.returncode} while starting")
                    try:
                        if client.get(self.url(spec) + "/readyz").status_code == 200:
                            pending.remove(spec)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(s.name for s in pending)}")
                if pending:
                    time.sleep(0.2)

    def first_exit(self) -> str | None:
        for name, proc in self.children.items():
            if proc.poll() is not None:
                return name
        return None

    def stop(self, grace: float = 10.0) -> None:
        # Gateway first, so nothing new arrives while the services finish.
        for name in reversed(list(self.children)):
            proc = self.children[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
