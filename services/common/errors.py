"""RFC 9457 problem details: one small error hierarchy, its handlers and its OpenAPI shape."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .i18n import indonesian

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://smartcity.kominfo.go.id/problems/"

log = logging.getLogger("smartcity.errors")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Path to the offending field, e.g. ['body', 'weight']")
    msg: str
    type: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(examples=[TYPE_BASE + "not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Region 99.99 does not exist"])
    instance: str | None = None
    errors: list[FieldError] | None = None
    extra: dict[str, Any] | None = Field(default=None, description="Machine-readable context, e.g. allowed states")


# Titles for people, in Indonesian unless the caller asks for English; `type` stays the stable code.
TITLES_ID = {
    "bad-request": "Permintaan tidak dapat dibaca", "unauthorized": "Perlu autentikasi",
    "forbidden": "Tidak diizinkan", "not-found": "Tidak ditemukan", "conflict": "Bertentangan dengan keadaan saat ini",
    "precondition-failed": "Data telah berubah sejak Anda membacanya",
    "payload-too-large": "Isi permintaan terlalu besar",
    "unsupported-media-type": "Jenis isi tidak didukung", "validation": "Masukan tidak valid",
    "precondition-required": "Header If-Match diperlukan", "rate-limited": "Terlalu banyak permintaan",
    "bad-gateway": "Layanan hulu gagal", "unavailable": "Layanan tidak tersedia",
    "gateway-timeout": "Layanan hulu tidak menjawab tepat waktu", "internal": "Kesalahan internal",
    "oauth": "Permintaan token ditolak", "error": "Kesalahan",
}


class ProblemError(Exception):
    status = 500
    slug = "internal"
    title = "Internal error"
    title_id: str | None = None  # a domain condition's own Indonesian title
    keeps_changes = False  # True: the request's transaction commits before the error is answered

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.title_id:
            TITLES_ID[cls.slug] = cls.title_id

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 members: dict[str, Any] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra
        self.headers = headers
        self.members = members  # RFC 9457 extension members, e.g. OAuth2's "error"


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str = "A valid bearer token is required", **kw: Any):
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class AlreadyExists(Conflict):
    slug, title = "already-exists", "A record with that key exists already"
    title_id = "Data dengan kunci tersebut sudah ada"


class RequestInProgress(Conflict):
    slug, title = "request-in-progress", "The first request with this Idempotency-Key is still being processed"
    title_id = "Permintaan pertama dengan Idempotency-Key ini masih diproses"


class IllegalTransition(Conflict):
    slug, title = "illegal-transition", "The record cannot move to that state from its current one"
    title_id = "Tidak dapat berpindah ke tahap tersebut dari tahap saat ini"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "The resource changed since you read it"


class RequestTimeout(ProblemError):
    status, slug, title = 408, "request-timeout", "The request did not arrive in time"
    title_id = "Permintaan tidak tiba tepat waktu"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(ProblemError):
    status, slug, title = 422, "validation", "Invalid input"

    @classmethod
    def field(cls, field: str, msg: str, detail: str | None = None, *, where: str = "body") -> Unprocessable:
        """One field is wrong: `detail` for people, `errors` pointing at the field for programs."""
        return cls(detail or f"{field}: {msg}", errors=[{"loc": [where, field], "msg": msg, "type": "value_error"}])


class PreconditionRequired(ProblemError):
    status, slug, title = 428, "precondition-required", "If-Match header required"


class TooManyRequests(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class BadGateway(ProblemError):
    status, slug, title = 502, "bad-gateway", "Upstream service failed"


class ServiceUnavailable(ProblemError):
    status, slug, title = 503, "unavailable", "Service unavailable"


class GatewayTimeout(ProblemError):
    status, slug, title = 504, "gateway-timeout", "Upstream service timed out"


class MethodNotAllowed(ProblemError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"
    title_id = "Metode tidak diizinkan"


_TITLES = {cls.status: (cls.slug, cls.title) for cls in ProblemError.__subclasses__()}


def problem_titles() -> dict[int, tuple[str, str]]:
    """The generic problem of each status: (slug, title)."""
    return {ProblemError.status: (ProblemError.slug, ProblemError.title), **_TITLES}

def prefers_english(accept_language: str | None) -> bool:
    """True when English ranks above Indonesian in Accept-Language (Indonesian is the default)."""
    if not accept_language:
        return False
    ranked = []
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q) if q else 1.0, tag.strip().lower()[:2]))
        except ValueError:
            continue
    for _, tag in sorted(ranked, key=lambda x: -x[0]):
        if tag in ("id", "in"):
            return False
        if tag == "en":
            return True
    return False


def problem_response(status: int, detail: str, *, slug: str | None = None, title: str | None = None,
                     errors: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None, instance: str | None = None,
                     members: dict[str, Any] | None = None, english: bool = True) -> JSONResponse:
    default_slug, default_title = _TITLES.get(status, ("error", "Error"))
    slug = slug or default_slug
    title = (title or default_title) if english else TITLES_ID.get(slug, title or default_title)
    headers = {**(headers or {}), "Content-Language": "en" if english else "id"}
    if not english:
        detail = indonesian(detail)
        errors = errors and [{**e, "msg": indonesian(e["msg"])} if isinstance(e.get("msg"), str) else e
                             for e in errors]
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    if extra is not None:
        body["extra"] = extra
    body.update(members or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({"loc": [str(p) if not isinstance(p, int) else p for p in err.get("loc", ())],
                    "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def _english(request: Request) -> bool:
    return prefers_english(request.headers.get("accept-language"))


# SQLSTATEs a race ends in; each becomes a 409 instead of a 500.
RACES = {
    "23505": "Another request just created the same record; read it and retry if still needed",
    "23P01": "Another request just took an overlapping period; read the current state and retry",
    "40001": "A concurrent change got in first; retry the request",
    "40P01": "A concurrent change got in first; retry the request",
}


@functools.cache  # per app, once: every template matched on every 422 was 63 us of it, now 15 us
def _templates(app: FastAPI) -> dict[int, list[tuple[re.Pattern[str], int, frozenset[str]]]]:
    """The API's path templates by their number of segments (a {parameter} is one segment): each as the paths it
    stands for, its number of parameters and its methods."""
    by_depth: dict[int, list[tuple[re.Pattern[str], int, frozenset[str]]]] = {}
    for template, item in app.openapi().get("paths", {}).items():
        pattern = re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$")
        methods = frozenset(m.upper() for m in item if m in ("get", "put", "post", "patch", "delete"))
        by_depth.setdefault(template.count("/"), []).append((pattern, template.count("{"), methods))
    return by_depth


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path (routes of one path may live in several routers)."""
    path = request.url.path
    matching = [(n, methods) for pattern, n, methods in _templates(request.app).get(path.count("/"), [])
                if pattern.match(path)]
    fewest = min((n for n, _ in matching), default=0)  # a literal segment wins over a parameter, as in routing
    allowed = {m for n, methods in matching if n == fewest for m in methods}
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed)


def answer_problem(request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(exc.status, exc.detail, slug=exc.slug, title=exc.title, errors=exc.errors,
                            extra=exc.extra, headers=exc.headers, instance=request.url.path,
                            members=exc.members, english=_english(request))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return answer_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        allowed = allowed_methods(request)
        if allowed and request.method not in allowed:
            # GET /regions/lookup reached /regions/{code} and failed its pattern; the path is POST's alone.
            return problem_response(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)},
                                    instance=request.url.path, english=_english(request))
        errors = _field_errors(exc)
        body_unparsable = any(e["type"] == "json_invalid" for e in errors)
        status = 400 if body_unparsable else 422
        detail = "The body is not valid JSON" if body_unparsable else f"{len(errors)} field(s) are invalid"
        return problem_response(status, detail, errors=errors, instance=request.url.path, english=_english(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request refused"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(exc.status_code, detail, headers=headers, instance=request.url.path,
                                english=_english(request))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # Two writers read the same revision; the row's version check let only the first through.
        return problem_response(412, "Someone else changed this record at the same moment; read it again",
                                instance=request.url.path, english=_english(request))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        if sqlstate.startswith("22"):
            # A value the database cannot hold (a NUL byte, a number out of range): the input's fault.
            return problem_response(422, "A value in the request cannot be stored (e.g. a NUL character or a "
                                    "number out of range)", instance=request.url.path, english=_english(request))
        race = RACES.get(sqlstate)
        if race is not None:
            # A concurrent writer won the constraint the pre-checks could not see yet: the loser's answer is 409.
            constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
            return problem_response(409, race, slug="conflict", instance=request.url.path, english=_english(request),
                                    extra={"constraint": constraint} if constraint else None)
        away = database_away(sqlstate)
        if away or exc.connection_invalidated or isinstance(exc.orig, OSError | ConnectionError):
            log.warning("database connection lost on %s %s", request.method, request.url.path)
            return problem_response(503, "The database connection was lost; retry the request",
                                    headers={"Retry-After": "1"}, instance=request.url.path)
        log.exception("database error on %s %s", request.method, request.url.path)
        return problem_response(500, "An unexpected error occurred; it has been logged", instance=request.url.path)

    @app.exception_handler(OSError)
    async def _unreachable(request: Request, exc: OSError) -> JSONResponse:
        if not _from_the_database(exc):  # a file, a renderer, a socket of ours: a bug, logged as every 500 is
            raise exc
        # Raised before SQLAlchemy can wrap it, e.g. when a new connection to a restarting database is refused.
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return problem_response(503, "The database is not reachable; retry the request", slug="unavailable",
                                headers={"Retry-After": "1"}, instance=request.url.path, english=_english(request))


def database_away(sqlstate: str) -> bool:
    """Class 08 (connection) and 57P0x (shutting down, crashed, starting up): the database is away, not broken."""
    return sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")


def _from_the_database(exc: BaseException) -> bool:
    """Whether the error rose through the database driver or the pool."""
    frame = exc.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(("asyncpg", "sqlalchemy")):
            return True
        frame = frame.tb_next
    return False


def problem_responses(*items: int | type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problems an operation may return.

    A status names the generic problem; a ProblemError class names a rule, whose `type` is then listed
    on its status (`x-problem-types`) so clients know which codes to match on.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for item in items:
        add_problem(out, item)
    return out


def add_problem(responses: dict[int | str, dict[str, Any]], item: int | type[ProblemError]) -> None:
    """Add one problem (a status, or a rule's class) to an operation's `responses=`."""
    status = item if isinstance(item, int) else item.status
    _, title = _TITLES.get(status, ("error", "Error"))
    # The media type is rewritten to problem+json when the spec is built (see openapi.py).
    entry = responses.setdefault(status, {"description": title, "model": Problem})
    if not isinstance(item, int) and TYPE_BASE + item.slug not in entry.get("x-problem-types", []):
        entry.setdefault("x-problem-types", []).append(TYPE_BASE + item.slug)
        entry["description"] = title + "; " + ", ".join(t.rsplit("/", 1)[-1] for t in entry["x-problem-types"])


def problem_types() -> dict[str, tuple[int, str]]:
    """Every problem `type` this code base can answer, with its status and title."""
    found: dict[str, tuple[int, str]] = {}
    pending = list(ProblemError.__subclasses__())
    while pending:
        cls = pending.pop()
        found[TYPE_BASE + cls.slug] = (cls.status, cls.title)
        pending += cls.__subclasses__()
    return dict(sorted(found.items()))
