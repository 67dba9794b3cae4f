"""/docs in a real headless Chromium (Debian's package; `make test` installs it when it can): the page loads with
nothing from another host, takes a development token and runs one call, as a frontend developer would; then
/redoc, with nothing from another host either.

Driven over the Chrome DevTools Protocol with the websockets client the project already has.
"""

import base64
import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.kit import ROOT, smartcity_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser installs it)"),
              pytest.mark.xdist_group("stack")]  # running_stack: one worker under pytest-xdist


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.n = 0
        self.events: list[dict] = []

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") != self.n:
                self.events.append(message)
                continue
            if "error" in message:
                raise AssertionError(f"{method}: {message['error']}")
            return message["result"]

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"never true: {expression}")


@pytest.fixture
def chromium(tmp_path):
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--disable-quic", f"--user-data-dir={profile}",
                             "--remote-debugging-port=0", "--window-size=1280,2000", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        target = next(t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json() if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as ws:
            yield Page(ws)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_docs_load_offline_authorise_and_run_a_call_and_redoc_too(running_stack, chromium, tmp_path):
    base, env = running_stack
    token = subprocess.run(smartcity_command("dev-token", "kominfo_admin"), env=env, cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.strip()
    page = chromium
    page.call("Network.enable")
    page.call("Page.enable")
    page.call("Page.navigate", url=f"{base}/docs")
    assert page.wait("document.querySelectorAll('.opblock').length") > 50  # every operation rendered
    page.js(f"""void ui.authActions.authorize({{bearerAuth: {{name: "bearerAuth",
               schema: {{type: "http", scheme: "bearer"}}, value: {json.dumps(token)}}}}})""")
    block = "#operations-auth-auth_me_get"
    page.js(f"document.querySelector('{block} .opblock-summary-control').click()")
    page.wait(f"!!document.querySelector('{block} .try-out__btn')")
    page.js(f"document.querySelector('{block} .try-out__btn').click()")
    page.wait(f"!!document.querySelector('{block} .execute')")
    page.js(f"document.querySelector('{block} .execute').click()")
    status = page.wait(f"(document.querySelector('{block} .live-responses-table tbody .response-col_status') || "
                       "{}).innerText")
    body = page.js(f"document.querySelector('{block} .live-responses-table .microlight, "
                   f"{block} .live-responses-table pre').innerText")
    shot = page.call("Page.captureScreenshot", format="png")["data"]
    Path(tmp_path / "docs.png").write_bytes(base64.b64decode(shot))
    assert status.strip().startswith("200"), (status, body)
    assert "dev:kominfo_admin" in body
    asked = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    elsewhere = [u for u in asked if not u.startswith((base, "data:", "blob:"))]
    assert asked and elsewhere == []  # the page, its assets and the call: nothing from another host

    # ReDoc too: its footer asks a CDN for Redocly's logo, which the page's policy refuses before it leaves.
    page.events.clear()
    page.call("Page.navigate", url=f"{base}/redoc")
    assert page.wait("document.querySelectorAll('[data-section-id^=\"operation/\"]').length") > 50

    def refused() -> dict[str, str]:
        page.js("1")  # collects the events that arrived meanwhile
        asked = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in page.events
                 if e.get("method") == "Network.requestWillBeSent"}
        return {asked[e["params"]["requestId"]]: e["params"].get("blockedReason") for e in page.events
                if e.get("method") == "Network.loadingFailed" and e["params"]["requestId"] in asked}

    deadline = time.monotonic() + 10
    while not refused() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refused() == {"https://cdn.redoc.ly/redoc/logo-mini.svg": "csp"}
    asked = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    assert [u for u in asked if not u.startswith((base, "data:", "blob:")) and u not in refused()] == []

