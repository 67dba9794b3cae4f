"""The services beside their floor, and the gateway hop beside nginx, in one run. Prints tables; asserts nothing
but that the floor answers the same bytes.

    make bench-load          (installs wrk and nginx-light from Debian's packages when missing)

First each service beside the floor (`bench/floor.py`: the same reads on bare Starlette and asyncpg), at 1, 10
and 50 connections, with the ratio of their throughputs and the difference of their p50. Then, for each
endpoint and each number of connections, wrk runs against: the service directly, nginx as a plain reverse
proxy to the same service, the hop's floor (`bench/hop_floor.py`: the least a Python hop on uvicorn does, a token
check and the gateway's upstream client), our gateway, and two gateway processes (two wrk runs at once, half
the connections each, throughputs added). Each point runs BENCH_REPEATS times for
BENCH_SECONDS seconds and the median run is reported. Resident memory of every process is read idle and under
50 connections. Then publication day: 200 readers of the public
results, first fetching, then revalidating with If-None-Match, direct, through nginx and through the gateway.
Rate limits are raised so that none applies; token checks, request IDs, metrics and tracing stay on.
The table's requests say `Cache-Control: no-cache`, so the gateway passes every one to the service (it
would otherwise answer the public region search from its shared cache): it measures the hop itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from harness import ROOT, free_port, port_is_free
from stack import Stack, prepare, seeded_server

from services.common.server import serve_command

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONNECTIONS = tuple(int(c) for c in os.environ.get("BENCH_CONNECTIONS", "1,10,50").split(","))
SERVICES = ("regions", "assessment", "masterplan")


def wait_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while port_is_free(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {port}")
        time.sleep(0.1)


def nginx_conf(prefix: Path, port: int, stack: Stack) -> Path:
    upstreams = "".join(f"upstream {n} {{ server 127.0.0.1:{stack.ports[n]}; keepalive 64; }}\n" for n in SERVICES)
    locations = "".join(f"location /api/v1/{n} {{ proxy_pass http://{n}; proxy_http_version 1.1; "
                        f"proxy_set_header Connection \"\"; proxy_set_header Host $host; }}\n" for n in SERVICES)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""worker_processes 1; daemon off; pid {prefix}/nginx.pid; error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; {upstreams}
server {{ listen 127.0.0.1:{port}; {locations} }} }}
""")
    return conf


class Run:
    def __init__(self, rps: float, p50: float, p99: float, bad: int):
        self.rps, self.p50, self.p99, self.bad = rps, p50, p99, bad


def wrk(url: str, connections: int, headers: dict[str, str]) -> Run:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Run(rps, ms("50"), ms("99"), int(bad.group(1)) if bad else 0)


def pair(urls: list[str], connections: int, headers: dict[str, str]) -> Run:
    """Two wrk at once, one per gateway process: throughput added, latency of the slower."""
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda u: wrk(u, max(1, connections // 2), headers), urls))
    return Run(sum(r.rps for r in runs), max(r.p50 for r in runs), max(r.p99 for r in runs), sum(r.bad for r in runs))


def median(measure, *args) -> Run:
    runs = sorted((measure(*args) for _ in range(REPEATS)), key=lambda r: r.rps)
    return runs[len(runs) // 2]


def cell(r: Run) -> str:
    return f"{r.rps:6.0f} {r.p50:5.2f}/{r.p99:6.2f}{'!' if r.bad else ' '}"


def endpoints(ids: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {"region by code": ("regions", "/api/v1/regions/21.72"),
            "region search": ("regions", "/api/v1/regions?q=tanjung&limit=20"),
            "round results": ("assessment", f"/api/v1/assessment/rounds/{ids['round']}/results"),
            "masterplan roadmap": ("masterplan", f"/api/v1/masterplan/masterplans/{ids['plan']}/roadmap")}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Memory:
    """Resident size of each process: idle, and the most seen while a 50-connection load ran."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.idle = {name: rss_mb(pid) for name, pid in pids.items()}
        self.loaded = dict.fromkeys(pids, 0.0)

    def during(self, run, *args):  # type: ignore[no-untyped-def]
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(run, *args)
            while not future.done():
                for name, pid in self.pids.items():
                    self.loaded[name] = max(self.loaded[name], rss_mb(pid))
                time.sleep(0.25)
            return future.result()

    def print(self) -> None:
        print("\nResident memory (MiB): idle, and the most seen under 50 connections")
        for name in self.pids:
            print(f"{name:<12} {self.idle[name]:7.1f} {self.loaded[name]:7.1f}")


def against_floor(stack: Stack, ids: dict[str, str], floor: str, memory: Memory) -> None:
    auth = {"Authorization": f"Bearer {stack.token('kominfo_officer')}", "Cache-Control": "no-cache"}
    differing = []
    for name, (service, path) in endpoints(ids).items():
        mine, bare = (httpx.get(base + path, headers=auth) for base in (stack.url(service), floor))
        if mine.status_code != 200 or mine.content != bare.content:
            differing.append(f"the floor does not answer {name} as the service does:\n{mine.text}\n{bare.text}")
    if differing:
        raise SystemExit("\n".join(differing))
    print(f"\nService beside its floor (bench/floor.py, the same bytes), wrk -t1, {REPEATS} × {SECONDS} s per point, "
          "median run; req/s and p50/p99 ms")
    print(f"{'endpoint':<19}{'c':>3} {'service':>21} {'floor':>21} {'service/floor':>14} {'+ms p50':>8}")
    for name, (service, path) in endpoints(ids).items():
        for c in CONNECTIONS:
            mine = (memory.during(median, wrk, stack.url(service) + path, c, auth) if c >= 50
                    else median(wrk, stack.url(service) + path, c, auth))
            bare = median(wrk, floor + path, c, auth)
            print(f"{name:<19}{c:>3} {cell(mine)} {cell(bare)} {mine.rps / bare.rps:14.2f} "
                  f"{mine.p50 - bare.p50:+8.2f}", flush=True)


def table(stack: Stack, ids: dict[str, str], nginx: str, hop_floor: str, gateways: list[str],
          memory: Memory) -> None:
    auth = {"Authorization": f"Bearer {stack.token('kominfo_officer')}", "Cache-Control": "no-cache"}
    print(f"\nwrk -t1, {REPEATS} × {SECONDS} s per point, median run; req/s and p50/p99 ms; "
          "'+ms' is the gateway's added p50/p99 over direct, 'floor +ms' the hop floor's added p50")
    print(f"{'endpoint':<19}{'c':>3} {'direct':>21} {'nginx':>21} {'hop floor':>21} {'gateway':>21} "
          f"{'2 gateways':>21} {'gw/nginx':>8} {'floor/nginx':>11} {'+ms p50/p99':>12} {'floor +ms':>9} "
          f"{'2gw/nginx':>9}")
    for name, (service, path) in endpoints(ids).items():
        for c in CONNECTIONS:
            direct = median(wrk, stack.url(service) + path, c, auth)
            via_nginx = median(wrk, nginx + path, c, auth)
            floor = median(wrk, hop_floor + path, c, auth)
            gateway = (memory.during(median, wrk, gateways[0] + path, c, auth) if c >= 50
                       else median(wrk, gateways[0] + path, c, auth))
            both = median(pair, [g + path for g in gateways], c, auth) if c > 1 else None
            print(f"{name:<19}{c:>3} {cell(direct)} {cell(via_nginx)} {cell(floor)} {cell(gateway)} "
                  f"{cell(both) if both else '':>21} {gateway.rps / via_nginx.rps:8.2f} "
                  f"{floor.rps / via_nginx.rps:11.2f} "
                  f"{gateway.p50 - direct.p50:+5.2f}/{gateway.p99 - direct.p99:+5.2f} "
                  f"{floor.p50 - direct.p50:+9.2f} {(both.rps / via_nginx.rps) if both else 0:9.2f}", flush=True)
    print("('!' marks a point with non-2xx answers)")


def publication_day(stack: Stack, ids: dict[str, str], nginx: str, gateway: str) -> None:
    path = f"/api/v1/assessment/public/rounds/{ids['round']}/results"
    etag = httpx.get(gateway + path).headers.get("etag")
    print(f"\nPublication day: 200 readers of {path}")
    print(f"{'':<14} {'direct':>21} {'nginx':>21} {'gateway':>21} {'gw/nginx':>8}")
    for label, headers in (("fetch", {}), ("revalidate", {"If-None-Match": etag} if etag else None)):
        if headers is None:
            print(f"{label:<14} (no ETag on the answer)")
            continue
        runs = [median(wrk, base + path, 200, headers) for base in (stack.url("assessment"), nginx, gateway)]
        print(f"{label:<14} {' '.join(cell(r) for r in runs)} {runs[2].rps / runs[1].rps:8.2f}", flush=True)


def main() -> None:
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install wrk nginx-light (make bench-load does)")
    with seeded_server("smartcity_bench_load") as (_, url, tmp):
        stack = Stack(url, tmp / "data", SMARTCITY_EVENT_POLL_SECONDS="0")
        with stack.running():
            ids = asyncio.run(prepare(stack))
            second_port, nginx_port, floor_port = free_port(18700), free_port(18600), free_port(18800)
            hop_floor_port = free_port(18900)
            second = subprocess.Popen(serve_command("gateway", second_port), env=stack.env, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            floor = subprocess.Popen([sys.executable, str(ROOT / "bench" / "floor.py"), str(floor_port)],
                                     env={**stack.env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            hop_floor = subprocess.Popen([sys.executable, str(ROOT / "bench" / "hop_floor.py"), str(hop_floor_port)],
                                         env={**stack.env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            nginx = subprocess.Popen(["nginx", "-c", str(nginx_conf(tmp, nginx_port, stack)), "-p", str(tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                stack.ports["gateway2"] = second_port
                stack.wait_ready("gateway2")
                wait_listening(floor_port)
                wait_listening(hop_floor_port)
                gateways = [stack.url("gateway"), stack.url("gateway2")]
                memory = Memory({**{name: proc.pid for name, proc in stack.procs.items()}, "floor": floor.pid})
                started = time.monotonic()
                against_floor(stack, ids, f"http://127.0.0.1:{floor_port}", memory)
                table(stack, ids, f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{hop_floor_port}", gateways,
                      memory)
                memory.print()
                publication_day(stack, ids, f"http://127.0.0.1:{nginx_port}", gateways[0])
                print(f"\n{time.monotonic() - started:.0f} s of load")
            finally:
                floor.terminate()
                hop_floor.terminate()
                nginx.terminate()
                second.terminate()
                second.wait(timeout=10)


if __name__ == "__main__":
    main()
