"""`smartcity`: the operator's commands."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import TYPE_CHECKING

from services.common.settings import Settings, get_settings

from . import api_commands
from . import migrate as migrations
from .api_commands import add_commands
from .processes import PROCESSES

if TYPE_CHECKING:
    from .database import Database

# What starts, migrates or seeds the stack (SQLAlchemy, Alembic, the models, uvicorn: about a second to
# import) is imported by those commands alone, so the API commands scripts call often start in a fraction.


def _say(msg: str) -> None:
    print(msg, flush=True)


class _Stop(Exception):
    pass


class _StopOnce:
    """The first SIGINT or SIGTERM stops the stack; later ones (make passes its own on, a user presses Ctrl-C
    again) must not cut the stopping short and leave children running."""

    def __init__(self) -> None:
        self.stopping = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            self.stopping = True
            raise _Stop


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    started = time.monotonic()
    # Each import just before its first use: S3 and the database start first, so they come up meanwhile.
    from .embedded_pg import port_is_free
    from .embedded_s3 import PORTS, EmbeddedS3
    from .lifetime import DataDirInUse, hold_data_dir

    # Both set here: a shell that starts us in the background sets SIGINT to ignored, and Ctrl-C must still work.
    stop = _StopOnce()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        lock = hold_data_dir(settings.data_dir)
    except DataDirInUse as exc:
        _say(f"error: {exc}")
        return 2
    busy = [f"{s.name} port {getattr(settings, s.port_setting)}" for s in PROCESSES
            if not port_is_free(getattr(settings, s.port_setting), settings.host)]
    s3 = None if settings.s3_endpoint_url else EmbeddedS3(settings)
    if s3 is not None:
        busy += [f"embedded S3 port {p}" for p in range(s3.port, s3.port + PORTS) if not port_is_free(p)]
    if busy:
        _say(f"error: already in use: {', '.join(busy)}. Stop the other process or set SMARTCITY_*_PORT.")
        lock.close()
        return 2
    if s3 is not None:
        s3.start()  # comes up while the database starts, is migrated and seeded, and the processes start
    opening: Future[Database] | None = None
    try:
        from .database import open_database
        # The database starts in a thread while the processes' shared modules are imported; the thread has
        # ended before they are forked.
        with ThreadPoolExecutor(1) as pool:
            opening = pool.submit(asyncio.run, open_database(settings))
            from .supervisor import Supervisor, preload
            preload()
            from .seed import seed  # the models of every service: the processes inherit them too
        db = opening.result()
    except BaseException:
        # The thread has ended (the pool waits for it): a database it started is stopped again.
        if opening is not None and opening.exception() is None and (started_pg := opening.result().embedded):
            started_pg.stop()
        if s3 is not None:
            s3.stop()
        lock.close()
        raise
    supervisor = Supervisor(settings, db.url, close_in_children=[lock.fileno()])  # the lock is this process's
    try:
        _say(f"database   {db.describe()}")
        # The processes import their modules (most of their start) while the database is migrated and seeded.
        supervisor.start()
        _say("migrating  " + ", ".join(migrations.ENVIRONMENTS))
        migrations.upgrade(db.url)
        _say("seeding    reference data")
        asyncio.run(seed(db.url, progress=_say, recheck=False))
        if not settings.is_production:
            from gateway.keys import ensure_dev_keys
            ensure_dev_keys(settings)
        supervisor.release()  # the services open the S3 client on first use, so they need not wait for it
        if s3 is not None:
            s3.wait_ready()
        documents = f"{settings.resolved_s3_endpoint}/{settings.s3_bucket}" + (
            f" (embedded, data in {s3.data})" if s3 is not None else "")
        _say(f"documents  {documents}")
        supervisor.wait_ready()
        _print_banner(settings, db.describe(), documents, time.monotonic() - started)
        while True:
            supervisor.restart_crashed(_say)
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        _say("\nstopping ...")
        return 0
    except Exception as exc:
        _say(f"error: {exc}")
        return 1
    finally:
        stop.stopping = True  # from here on every signal is too late to matter
        supervisor.stop()
        if s3 is not None:
            s3.stop()
        if db.embedded:
            db.embedded.stop()
        lock.close()
        _say("stopped")


def _print_banner(settings: Settings, database: str, documents: str, seconds: float) -> None:
    gw = f"http://{settings.host}:{settings.gateway_port}"
    _say(f"\nGerakan Menuju 100 Smart City backend is ready ({seconds:.1f}s)\n")
    for spec in PROCESSES:
        _say(f"  {spec.name:<11} http://{settings.host}:{getattr(settings, spec.port_setting)}")
    _say(f"  {'docs':<11} {gw}/docs   (merged OpenAPI: {gw}/openapi.json)")
    _say(f"  {'database':<11} {database}")
    _say(f"  {'documents':<11} {documents}")
    if not settings.is_production:
        _say("\nA development token (any role; add --region CODE for pemda):")
        _say("  TOKEN=$(.venv/bin/smartcity dev-token kominfo_admin)")
        _say(f'  curl -H "Authorization: Bearer $TOKEN" {gw}/api/v1/regions/21.72')
    _say(f"Real accounts get tokens from POST {gw}/auth/token (OAuth2 password / client_credentials).")
    _say("\nCtrl-C stops everything.")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from .database import open_database

    db = asyncio.run(open_database(settings))
    envs = tuple(args.env) if args.env else migrations.ENVIRONMENTS
    if args.down:
        migrations.downgrade(db.url, envs, args.revision or "base")
    else:
        migrations.upgrade(db.url, envs, args.revision or "head")
    _say("migrations done: " + ", ".join(envs))
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from .database import open_database
    from .seed import seed

    db = asyncio.run(open_database(settings))
    report = asyncio.run(seed(db.url, progress=_say))
    _say(f"seeded in {report.seconds:.2f}s: {report.counts}")
    return 0


def _person(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", value):
        raise argparse.ArgumentTypeError("letters, digits, '.', '_' or '-', at most 80")
    return value


def cmd_bucket(args: argparse.Namespace, settings: Settings) -> int:
    from services.common.documents.storage import create_bucket

    deadline = time.monotonic() + args.wait
    while True:  # a container stack starts the S3 server beside this job
        try:
            create_bucket(settings)
            break
        except RuntimeError as exc:
            if time.monotonic() > deadline:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            time.sleep(1)
    _say(f"bucket {settings.s3_bucket} ready at {settings.resolved_s3_endpoint}")
    return 0


def cmd_dev_token(args: argparse.Namespace, settings: Settings) -> int:
    if settings.is_production:
        print("error: dev-token is refused in production", file=sys.stderr)
        return 2
    from gateway.keys import access_claims, ensure_dev_keys, has_dev_keys
    from services.common.roles import Role

    if not has_dev_keys(settings):  # a new key here would sign tokens the running gateway does not know
        print(f"error: no development keys in {settings.keys_dir}; run dev-token in the folder where `make run` "
              "runs, or set SMARTCITY_DATA_DIR to its .data", file=sys.stderr)
        return 2

    try:
        role = Role(args.role)
    except ValueError:
        print(f"error: unknown role {args.role!r}; one of {', '.join(r.value for r in Role)}", file=sys.stderr)
        return 2
    if role == Role.pemda and not args.region:
        print("error: a pemda token needs --region CODE (e.g. 21.72)", file=sys.stderr)
        return 2
    ring = ensure_dev_keys(settings)
    # --sub names one person, so a script can act as several assessors of one role without accounts.
    sub = f"dev:{role.value}:{args.sub}" if args.sub else f"dev:{role.value}"
    claims = access_claims(settings, sub=sub, roles=[role.value], organisation="development",
                           region_code=args.region, name=args.name or f"Development {role.value}",
                           minutes=args.minutes)
    print(ring.sign(claims))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """One process in the foreground: what a container runs."""
    from services.common.server import serve

    spec = next(s for s in PROCESSES if s.name == args.process)
    serve(spec.app, settings, args.host or settings.host, args.port or getattr(settings, spec.port_setting))
    return 0


def cmd_rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    if settings.is_production:
        print("error: production keys are rotated by the operator's secret store (SMARTCITY_SIGNING_KEY_FILES)",
              file=sys.stderr)
        return 2
    from gateway.keys import rotate_dev_keys
    ring = rotate_dev_keys(settings)
    _say("active keys: " + ", ".join(k.kid for k in ring.keys) + f" (signing with {ring.current.kid})")
    return 0


def cmd_verify_results(args: argparse.Namespace, settings: Settings) -> int:
    from .verify import main as verify

    return verify(args.file, args.jwks, args.inputs, args.versions)


def cmd_spec(args: argparse.Namespace, settings: Settings) -> int:
    from . import spec

    text = spec.dumps(spec.merged_spec())
    if not args.write:
        sys.stdout.write(text)
        return 0
    (spec.ROOT / spec.SPEC_FILE).write_text(text)
    _say(f"wrote {spec.SPEC_FILE}; list each breaking change in {spec.CHANGELOG} (make test checks it)")
    return 0


def cmd_messages(args: argparse.Namespace, settings: Settings) -> int:
    from .messages import write_catalogue

    left = write_catalogue()
    for msgid in left:
        _say(f"untranslated: {msgid}")
    _say(f"services/common/locale/id/LC_MESSAGES/messages.po written; {len(left)} message(s) to translate")
    return 1 if left else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smartcity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start database, migrations, reference data, services and gateway")
    m = sub.add_parser("migrate", help="apply (or with --down, revert) the migrations")
    m.add_argument("--env", action="append", choices=migrations.ENVIRONMENTS)
    m.add_argument("--down", action="store_true")
    m.add_argument("--revision")
    sub.add_parser("seed", help="load the region tree and indicator definitions (idempotent)")
    b = sub.add_parser("bucket", help="create the documents' bucket on the S3 server the settings name, when missing")
    b.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the S3 server (default 60)")
    t = sub.add_parser("dev-token", help="print a token signed with the development key")
    t.add_argument("role")
    t.add_argument("--region", help="region code for a pemda token")
    t.add_argument("--minutes", type=int, default=60)
    t.add_argument("--sub", type=_person, help="a distinct person of that role, e.g. assessor-ui-1 "
                   "(the token's subject becomes dev:ROLE:SUB)")
    t.add_argument("--name", help="the person's display name")
    serve = sub.add_parser("serve", help="run one process in the foreground (containers)")
    serve.add_argument("process", choices=[s.name for s in PROCESSES])
    serve.add_argument("--host", help="default SMARTCITY_HOST")
    serve.add_argument("--port", type=int, help="default the process's SMARTCITY_*_PORT")
    sub.add_parser("rotate-keys", help="add a development signing key, keeping the previous one")
    lg = sub.add_parser("login", help="sign in as a partner client (secret from SMARTCITY_CLIENT_SECRET or asked); "
                                      "later commands use and renew its token")
    lg.add_argument("client_id")
    lg.add_argument("--api", help="gateway URL (default SMARTCITY_API or the local gateway)")
    v = sub.add_parser("verify-results", help="check a signed round result offline: signature, inputs, ranking, "
                                              "certificate")
    v.add_argument("file", help="the signed result (JWS) from .../public/rounds/ID/signed-results")
    v.add_argument("--jwks", required=True, help="the published keys: a file or the gateway's /.well-known/jwks.json")
    v.add_argument("--inputs", required=True, help="the round's inputs: a file or .../public/rounds/ID/inputs")
    v.add_argument("--versions", help="the published versions (.../public/rounds/ID/signed-results/versions): says "
                                      "whether the file is the current version or a superseded one")
    sp = sub.add_parser("spec", help="print the merged OpenAPI spec (or --write it to openapi/openapi.json)")
    sp.add_argument("--write", action="store_true", help="update the committed spec in the source tree")
    sub.add_parser("messages", help="write the Indonesian message catalogue anew from the code; list what is "
                                    "left to translate")
    API_COMMANDS.update(add_commands(sub))
    return parser


COMMANDS = {"up": cmd_up, "migrate": cmd_migrate, "seed": cmd_seed, "bucket": cmd_bucket, "dev-token": cmd_dev_token,
            "serve": cmd_serve, "rotate-keys": cmd_rotate_keys, "verify-results": cmd_verify_results,
            "login": api_commands.login, "spec": cmd_spec, "messages": cmd_messages}


API_COMMANDS: dict[str, object] = {}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command in API_COMMANDS:
        return api_commands.run(API_COMMANDS[args.command], args, settings)
    return COMMANDS[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
