"""The real processes: `smartcity up` brings the stack up and down cleanly; a dead service is a quick 503."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from smartcity.embedded_s3 import PORTS
from tests.kit import ROOT, free_block, free_ports, seeded_database, serve, smartcity_command, wait_for_line, wait_ready


@pytest.fixture(scope="module")
def stack_env(pg_server, tmp_path_factory):
    url = seeded_database(pg_server, "smartcity_processes")
    gateway, regions, assessment, masterplan = free_ports(4)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path_factory.mktemp("stack")),
           "SMARTCITY_GATEWAY_PORT": str(gateway), "SMARTCITY_REGIONS_PORT": str(regions),
           "SMARTCITY_ASSESSMENT_PORT": str(assessment), "SMARTCITY_MASTERPLAN_PORT": str(masterplan),
           "SMARTCITY_S3_PORT": str(free_block(PORTS, start=19300)), "PYTHONUNBUFFERED": "1"}
    return env


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what a shell does to a command it starts in the background


def test_up_serves_through_the_gateway_and_stops_without_leftovers(stack_env):
    proc = subprocess.Popen(smartcity_command("up"), env=stack_env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, preexec_fn=_ignore_sigint)
    try:
        wait_for_line(proc, "is ready", timeout=90)
        second = subprocess.run(smartcity_command("up"), env=stack_env, cwd=ROOT, capture_output=True, text=True,
                                timeout=30)
        assert second.returncode == 2 and "is in use by a running stack" in second.stdout
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert len(tree) >= 4
        token = subprocess.run(smartcity_command("dev-token", "kominfo_officer"), env=stack_env, cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        base = f"http://127.0.0.1:{stack_env['SMARTCITY_GATEWAY_PORT']}"
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        r = httpx.post(f"{base}/api/v1/regions/lookup", json={"codes": ["21.72"]},
                       headers={"Authorization": f"Bearer {token}", "X-Request-ID": "process-test-1"})
        assert r.status_code == 200 and "server" not in r.headers  # nothing said of what runs behind
        assert r.json()["found"][0]["name"] == "Kota Tanjung Pinang"
        assert r.headers["x-request-id"] == "process-test-1"

        regions = next(p for p in tree if "regions" in " ".join(p.cmdline()))
        regions.kill()
        wait_for_line(proc, "regions exited with code", timeout=10)
        wait_for_line(proc, "regions started again", timeout=10)
        deadline = time.monotonic() + 30
        with httpx.Client() as client:  # one for every poll: each new client loads the CA bundle
            while client.get(f"{base}/api/v1/regions/21.72").status_code != 200:
                assert time.monotonic() < deadline, "regions did not come back"
                time.sleep(0.2)
        tree = psutil.Process(proc.pid).children(recursive=True)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    leftovers = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert leftovers == []


def test_a_killed_service_is_a_quick_503_and_comes_back(stack_env):
    from gateway.keys import ensure_dev_keys
    from services.common.settings import Settings

    ensure_dev_keys(Settings(data_dir=Path(stack_env["SMARTCITY_DATA_DIR"])))
    gw_url = f"http://127.0.0.1:{stack_env['SMARTCITY_GATEWAY_PORT']}"
    regions_port = int(stack_env["SMARTCITY_REGIONS_PORT"])
    regions = serve("regions", regions_port, stack_env)
    gateway = serve("gateway", int(stack_env["SMARTCITY_GATEWAY_PORT"]), stack_env)
    try:
        wait_ready(regions_port)
        wait_ready(int(stack_env["SMARTCITY_GATEWAY_PORT"]))
        assert httpx.get(f"{gw_url}/api/v1/regions/16.03").status_code == 200
        regions.kill()
        regions.wait()
        started = time.monotonic()
        r = httpx.get(f"{gw_url}/api/v1/regions/16.03", timeout=5)
        elapsed = time.monotonic() - started
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert "regions" in r.json()["detail"]
        assert elapsed < 1.0
        regions = serve("regions", regions_port, stack_env)
        wait_ready(regions_port)
        assert httpx.get(f"{gw_url}/api/v1/regions/16.03").json()["name"] == "Kabupaten Muara Enim"
    finally:
        for p in (regions, gateway):
            p.terminate()
            p.wait(timeout=10)


def _start_up(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`smartcity up` in a process group of its own, as `make run` is in a shell's job."""
    with log.open("a") as sink:
        proc = subprocess.Popen(smartcity_command("up"), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=sink,
                                text=True, start_new_session=True)
    wait_for_line(proc, "is ready", timeout=90)
    return proc


def _gone(processes: list[psutil.Process], log: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"left running: {[' '.join(p.cmdline()[-3:]) for p in alive]}\n"
                         f"{log.read_text()[-3000:]}")


@pytest.mark.parametrize("signum,times", [(signal.SIGTERM, 1), (signal.SIGTERM, 3), (signal.SIGKILL, 1)],
                         ids=["SIGTERM to the group", "SIGTERM three times to the group", "SIGKILL to up alone"])
def test_nothing_is_left_behind_however_the_stack_is_stopped(stack_env, tmp_path, signum, times):
    log = tmp_path / "up.log"
    proc = _start_up(stack_env, log)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) == 5  # the four processes and the embedded S3 server
    if signum == signal.SIGKILL:  # an OOM kill: the children go with it
        proc.kill()
    else:
        for _ in range(times):  # what systemd, `kill -- -PGID` and make passing its own on do
            os.killpg(proc.pid, signum)
            time.sleep(0.05)
    proc.wait(timeout=30)
    _gone(children, log)
    if signum == signal.SIGKILL:  # and the next start finds its ports free; three Ctrl-C stop it cleanly
        again = _start_up(stack_env, log)
        children = psutil.Process(again.pid).children(recursive=True)
        for _ in range(3):
            os.killpg(again.pid, signal.SIGINT)
            time.sleep(0.05)
        assert again.wait(timeout=30) == 0
        _gone(children, log)
