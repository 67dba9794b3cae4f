"""Commands internal scripts run against the API (through the gateway), with progress and exit codes.

Exit codes: 0 done; 1 the API refused the request (the problem is printed); 2 wrong usage;
3 the API could not be reached; 4 a check found what it looks for broken (an audit chain, a signature).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx

from services.common.settings import Settings

REFUSED, USAGE, UNREACHABLE, BROKEN = 1, 2, 3, 4
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CommandError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def credentials_file() -> Path:
    base = os.environ.get("SMARTCITY_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".config", "smartcity")
    return Path(base) / "credentials.json"


def _client_token(base: str, client_id: str, client_secret: str) -> dict[str, Any]:
    resp = httpx.post(f"{base}/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret),
                      timeout=30)
    _check(resp)
    token = resp.json()
    return {"access_token": token["access_token"], "expires_at": time.time() + int(token["expires_in"])}


def _saved_token(base: str) -> str | None:
    """The token `smartcity login` saved for this API, fetched again with the saved client when it expires."""
    path = credentials_file()
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    if saved.get("api") != base:
        return None
    if saved.get("expires_at", 0) - time.time() < 30:
        saved.update(_client_token(base, saved["client_id"], saved["client_secret"]))
        _write_private(path, saved)
    return str(saved["access_token"])


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)


def login(args: argparse.Namespace, settings: Settings) -> int:
    """Client credentials once; later commands get (and renew) their tokens from the saved client."""
    base = _base(args, settings)
    secret = os.environ.get("SMARTCITY_CLIENT_SECRET") or getpass.getpass(f"client secret for {args.client_id}: ")

    def sign_in() -> None:
        token = _client_token(base, args.client_id, secret)
        _write_private(credentials_file(), {"api": base, "client_id": args.client_id, "client_secret": secret,
                                            **token})
        minutes = (token["expires_at"] - time.time()) / 60
        print(f"logged in to {base} as client {args.client_id}; tokens are renewed as they expire "
              f"(this one: {minutes:.0f} min); saved in {credentials_file()}", file=sys.stderr)

    return exit_code(sign_in)


def _base(args: argparse.Namespace, settings: Settings) -> str:
    return str(args.api or os.environ.get("SMARTCITY_API") or f"http://{settings.host}:{settings.gateway_port}")


def _client(args: argparse.Namespace, settings: Settings) -> httpx.Client:
    base = _base(args, settings)
    token = args.token or os.environ.get("SMARTCITY_TOKEN")
    if not token and not args.dev_role:
        token = _saved_token(base)
    if not token and args.dev_role:
        if settings.is_production:
            raise CommandError(USAGE, "--dev-role is refused in production; set SMARTCITY_TOKEN")
        from gateway.keys import access_claims, ensure_dev_keys
        claims = access_claims(settings, sub=f"cli:{args.dev_role}", roles=[args.dev_role], organisation="cli",
                               minutes=30)
        token = ensure_dev_keys(settings).sign(claims)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base, headers=headers, timeout=120)


def _check(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        try:
            problem = resp.json()
        except ValueError:
            problem = {"detail": resp.text[:500]}
        lines = [f"refused ({resp.status_code}): {problem.get('detail', '')}"]
        for err in problem.get("errors") or []:
            lines.append(f"  {'/'.join(str(p) for p in err.get('loc', []))}: {err.get('msg')}")
        raise CommandError(REFUSED, "\n".join(lines))
    return resp


def _progress(done: int, total: int | None, started: float) -> str:
    rate = done / 1024 / max(time.monotonic() - started, 1e-6)
    if total:
        return f"{done / 1024:,.0f} of {total / 1024:,.0f} KiB ({100 * done / total:.0f}%), {rate:,.0f} KiB/s"
    return f"{done / 1024:,.0f} KiB, {rate:,.0f} KiB/s"


def _download(client: httpx.Client, path: str, params: dict[str, Any], out: Path) -> None:
    try:  # before asking: a path that cannot be written is a one-line error, not a traceback after the download
        handle = out.open("wb")
    except OSError as exc:
        raise CommandError(USAGE, f"cannot write {out}: {exc.strerror}") from None
    written, started = 0, time.monotonic()
    with handle, client.stream("GET", path, params=params) as resp:
        if resp.status_code >= 400:
            resp.read()
            _check(resp)
        size = resp.headers.get("content-length")
        # A compressed answer's length is not the file's: then the total is unknown.
        total = int(size) if size and size.isdigit() and "content-encoding" not in resp.headers else None
        for chunk in resp.iter_bytes():
            handle.write(chunk)
            written += len(chunk)
            print(f"\r  {_progress(written, total, started)}", end="", file=sys.stderr, flush=True)
    print(f"\r  {_progress(written, total, started)} -> {out}", file=sys.stderr)


def regions_export(args: argparse.Namespace, client: httpx.Client) -> None:
    params = {k: v for k, v in {"format": args.format, "decimal": args.decimal, "level": args.level,
                                "province": args.province}.items() if v}
    _download(client, "/api/v1/regions/export", params, Path(args.out))


def indicators_export(args: argparse.Namespace, client: httpx.Client) -> None:
    params = {k: v for k, v in {"format": args.format, "decimal": args.decimal, "year": args.year}.items() if v}
    _download(client, f"/api/v1/regions/indicators/{args.indicator}/values/export", params, Path(args.out))


def indicators_import(args: argparse.Namespace, client: httpx.Client) -> None:
    path = Path(args.file)
    if not path.exists():
        raise CommandError(USAGE, f"{path} does not exist")
    content_type = {".csv": "text/csv", ".xlsx": XLSX_TYPE}.get(path.suffix.lower(), "application/json")
    if args.charset and content_type == "text/csv":
        content_type += f"; charset={args.charset}"
    body = path.read_bytes()
    started = time.monotonic()

    def sending() -> Iterator[bytes]:
        for at in range(0, len(body), 64 * 1024):
            yield body[at:at + 64 * 1024]
            print(f"\r  sent {_progress(min(at + 64 * 1024, len(body)), len(body), started)}", end="",
                  file=sys.stderr, flush=True)
        print(" - checking every row, then writing all or nothing ...", file=sys.stderr)

    resp = _check(client.post(f"/api/v1/regions/indicators/{args.indicator}/values/bulk", content=sending(),
                              params={"decimal": args.decimal} if args.decimal else None,
                              headers={"content-type": content_type, "content-length": str(len(body)),
                                       "Idempotency-Key": f"cli-{args.indicator}-{sha256(body).hexdigest()[:32]}"}))
    print(f"  done in {time.monotonic() - started:.1f}s", file=sys.stderr)
    print(json.dumps(resp.json(), indent=2))


def results_export(args: argparse.Namespace, client: httpx.Client) -> None:
    params = {k: v for k, v in {"format": args.format, "decimal": args.decimal, "year": args.year}.items() if v}
    _download(client, "/api/v1/assessment/open-data/results", params, Path(args.out))


AUDIT_CHAINS = {"auth": "/api/v1/admin", "regions": "/api/v1/regions", "assessment": "/api/v1/assessment",
                "masterplan": "/api/v1/masterplan"}


def audit_verify(args: argparse.Namespace, client: httpx.Client) -> None:
    broken = []
    for schema, prefix in AUDIT_CHAINS.items():
        check = _check(client.get(f"{prefix}/audit/verification")).json()
        if check["intact"]:
            head = f"{check['head_seq']} {check['head_hash'][:16]}…"
            print(f"{schema:<11} intact   {check['rows']:>9,} rows, head {head}")
        else:
            fault = check["first_break"]
            where = f"row {fault['seq']}" + (f" (id {fault['id']})" if fault["id"] is not None else "")
            print(f"{schema:<11} BROKEN   at {where}: {fault['problem']}")
            broken.append(schema)
    if broken:
        raise CommandError(BROKEN, f"the audit chain of {', '.join(broken)} does not verify")


def users_create(args: argparse.Namespace, client: httpx.Client) -> None:
    password = os.environ.get("SMARTCITY_NEW_PASSWORD") or args.password
    if not password:
        raise CommandError(USAGE, "give the password in SMARTCITY_NEW_PASSWORD (kept out of shell history)")
    body = {"username": args.username, "full_name": args.full_name, "password": password,
            "organisation": args.organisation, "roles": args.role, "region_code": args.region}
    user = _check(client.post("/api/v1/admin/users", json=body)).json()
    print(json.dumps(user, indent=2))


def clients_create(args: argparse.Namespace, client: httpx.Client) -> None:
    body = {"client_id": args.client_id, "name": args.name, "organisation": args.organisation, "roles": args.role}
    created = _check(client.post("/api/v1/admin/clients", json=body)).json()
    print(json.dumps(created, indent=2))
    print("The client secret above is shown once; store it now.", file=sys.stderr)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Any]:
    def api_parser(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_)
        p.add_argument("--api", help="gateway URL (default SMARTCITY_API or the local gateway)")
        p.add_argument("--token", help="bearer token (default SMARTCITY_TOKEN)")
        p.add_argument("--dev-role", help="sign a development token for this role (not in production)")
        return p

    def export_parser(name: str, help_: str) -> argparse.ArgumentParser:
        p = api_parser(name, help_)
        p.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        p.add_argument("--decimal", choices=["point", "comma"],
                       help="comma: the CSV Excel opens under Indonesian settings (;, decimal comma, BOM, CRLF)")
        p.add_argument("--out", required=True)
        return p

    p = export_parser("export-regions", "download the region tree as CSV, XLSX or JSON")
    p.add_argument("--level", choices=["province", "regency", "district", "village"])
    p.add_argument("--province")
    p = export_parser("export-indicator", "download an indicator's current values")
    p.add_argument("indicator")
    p.add_argument("--year", type=int)
    p = api_parser("import-indicator", "load indicator values from CSV, XLSX or JSON, all or nothing")
    p.add_argument("indicator")
    p.add_argument("file")
    p.add_argument("--decimal", choices=["point", "comma"],
                   help="the file's decimal mark; without it a number such as 205.000 is refused, not guessed")
    p.add_argument("--charset", help="the CSV's encoding if not UTF-8, e.g. windows-1252")
    p = export_parser("export-results", "download published round results")
    p.add_argument("--year", type=int)
    p = api_parser("create-user", "create a user account (password from SMARTCITY_NEW_PASSWORD)")
    p.add_argument("username")
    p.add_argument("--full-name", required=True)
    p.add_argument("--organisation", required=True)
    p.add_argument("--role", action="append", required=True)
    p.add_argument("--region")
    p.add_argument("--password", help=argparse.SUPPRESS)
    p = api_parser("create-client", "register a partner system; prints its secret once")
    p.add_argument("client_id")
    p.add_argument("--name", required=True)
    p.add_argument("--organisation", required=True)
    p.add_argument("--role", action="append", required=True)
    api_parser("verify-audit", "walk every service's audit chain and name the first row that does not match")
    return {"verify-audit": audit_verify, "export-regions": regions_export, "export-indicator": indicators_export,
            "import-indicator": indicators_import, "export-results": results_export,
            "create-user": users_create, "create-client": clients_create}


def run(handler: Any, args: argparse.Namespace, settings: Settings) -> int:
    def call() -> None:
        with _client(args, settings) as client:
            handler(args, client)

    return exit_code(call)


def exit_code(action: Callable[[], None]) -> int:
    """The documented exit codes, with a one-line error instead of a traceback."""
    try:
        action()
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except httpx.HTTPError as exc:
        print(f"error: the API could not be reached ({type(exc).__name__})", file=sys.stderr)
        return UNREACHABLE
    return 0
