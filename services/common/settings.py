"""Settings read from the environment, validated once at start."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_KEY_PREFIX = "dev-"
# What tokens and signed documents are signed with, and all a verifier accepts. Here rather than in auth, whose
# imports (FastAPI, SQLAlchemy) the commands that only sign a token would otherwise wait for.
ALGORITHMS = ["ES256"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCITY_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "SMARTCITY_DATABASE_URL")
    )
    data_dir: Path = Path(".data")
    # A steady pool: overflow connections are opened and closed per burst, which costs more than waiting.
    db_pool_size: int = 20
    db_max_overflow: int = 0

    # Tokens: who signs them and for whom; services verify with the published keys.
    # The issuer of tokens and documents; by default the gateway's public URL, as OAuth clients expect (RFC 8414).
    jwt_issuer: str | None = None
    jwt_audience: str = "smartcity-api"
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    jwks_url: str | None = None
    jwks_file: Path | None = None
    signing_key_files: list[Path] = Field(default_factory=list)
    # Public keys rotated out (a JWKS file), still published so documents they signed stay verifiable.
    retired_jwks_file: Path | None = None
    # Shared by the gateway and the services: a service shows it to have a document signed by the gateway's
    # key. Development: generated once in the data folder's keys/ (every process of `smartcity up` reads it).
    service_key: str | None = Field(default=None, min_length=32)
    # What a Prometheus scraper shows (Authorization: Bearer ...) to read /metrics. Without it (development only)
    # /metrics answers callers on this machine alone.
    metrics_key: str | None = Field(default=None, min_length=32)

    # The embedded server `smartcity up` starts when DATABASE_URL is not set.
    pg_port: int = 54329
    pg_database: str = "smartcity"

    # Documents live in an S3 bucket: any S3 by these settings; without an endpoint (development) `smartcity up`
    # starts the embedded one on s3_port (and the seven ports after it) with a key pair made in the keys folder.
    s3_endpoint_url: str | None = None
    # Where callers reach S3 with presigned URLs, when that differs from where the services do.
    s3_public_url: str | None = None
    s3_region: str = "us-east-1"
    s3_bucket: str = "smartcity-documents"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_port: int = 8333
    # How long a presigned upload or download URL stays valid.
    presigned_url_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)

    # The SMTP relay reminders are e-mailed through (none: reminders are recorded as events and webhooks only).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "noreply@gm100.kominfo.go.id"

    # Network layout of the processes.
    host: str = "127.0.0.1"
    gateway_port: int = 8000
    regions_port: int = 8001
    assessment_port: int = 8002
    masterplan_port: int = 8003
    regions_url: str | None = None
    assessment_url: str | None = None
    masterplan_url: str | None = None
    gateway_url: str | None = None  # where services learn revoked tokens; default host and gateway_port
    # Where the public reaches the API (printed in the minutes' QR code), e.g. "https://api.gm100.kominfo.go.id".
    public_base_url: str | None = None
    upstream_connect_timeout: float = 1.0
    upstream_read_timeout: float = 15.0
    # A stopped process takes no new connection and gives requests in flight (a long download) this long to end.
    drain_seconds: int = 30
    dossier_part_timeout: float = 2.0

    # Abuse limits.
    max_body_bytes: int = 2_000_000
    # Uploads (a village-level indicator: 83,762 rows, about 4 MB of CSV) may be this large.
    max_upload_bytes: int = 32_000_000
    # A request's head (line and headers) must arrive within this many seconds at every process, and its
    # body within the next before the gateway takes an upstream connection.
    header_read_timeout: float = 10.0
    body_read_timeout: float = 10.0
    # Requests one principal (or address) may have in flight at the gateway at once.
    max_in_flight_per_client: int = 32
    # Forwarded headers (X-Forwarded-For, -Proto) are believed only from these addresses, e.g. a load
    # balancer's "10.0.0.5,10.0.0.6"; empty believes no one, so a client cannot pick its own address.
    trusted_proxies: str = ""
    # Browser frontends on these origins may call the API (CORS), e.g. "https://gm100.kominfo.go.id".
    cors_origins: list[str] = Field(default_factory=list)
    max_token_bytes: int = 4096
    rate_limit_per_minute: int = 1200
    rate_limit_anonymous_per_minute: int = 300

    # How often a service reads the event feeds it follows (0 turns its consumer off).
    event_poll_seconds: float = 2.0
    # Webhook deliveries: timeout per attempt, exponential backoff with jitter, and how long to keep trying.
    webhook_timeout_seconds: float = 5.0
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_cap_seconds: float = 3600.0
    webhook_max_age_hours: float = 24.0
    # Fernet keys that seal webhook secrets at rest; the first seals, all open (rotation: new key first).
    webhook_secret_keys: list[str] = Field(default_factory=list)
    # Development only: deliver webhooks to loopback and private addresses (refused in production).
    webhook_allow_private: bool = False

    log_level: str = "INFO"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def resolved_service_key(self) -> str:
        if self.service_key:
            return self.service_key
        if self.is_production:
            raise RuntimeError("SMARTCITY_SERVICE_KEY must be set in production")
        return _shared_dev_secret(self.keys_dir / "service.key")

    def resolved_s3_credentials(self) -> tuple[str, str]:
        if self.s3_access_key_id and self.s3_secret_access_key:
            return self.s3_access_key_id, self.s3_secret_access_key
        if self.is_production:
            raise RuntimeError("SMARTCITY_S3_ACCESS_KEY_ID and SMARTCITY_S3_SECRET_ACCESS_KEY must be set "
                               "in production")
        return "smartcity-dev", _shared_dev_secret(self.keys_dir / "s3.key")

    @property
    def resolved_s3_endpoint(self) -> str:
        return self.s3_endpoint_url or f"http://127.0.0.1:{self.s3_port}"

    @property
    def resolved_jwks_file(self) -> Path:
        return self.jwks_file or self.keys_dir / "jwks.json"

    def service_url(self, name: str) -> str:
        explicit = getattr(self, f"{name}_url")
        return explicit or f"http://{self.host}:{getattr(self, f'{name}_port')}"

    @property
    def public_url(self) -> str:
        return (self.public_base_url or self.service_url("gateway")).rstrip("/")

    @property
    def issuer(self) -> str:
        return self.jwt_issuer or self.public_url

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> Settings:
        if not self.is_production:
            return self
        problems = []
        if not self.database_url:
            problems.append("DATABASE_URL must be set (the embedded database is for development)")
        if not (self.jwks_url or self.jwks_file):
            problems.append("SMARTCITY_JWKS_URL or SMARTCITY_JWKS_FILE must name the production keys")
        if self.jwks_file and self.jwks_file.resolve().is_relative_to(self.keys_dir.resolve()):
            problems.append("SMARTCITY_JWKS_FILE points at the generated development keys")
        if not self.issuer.startswith("https://"):
            problems.append("SMARTCITY_PUBLIC_BASE_URL must be the gateway's https address (the tokens' issuer)")
        if not self.service_key:
            problems.append("SMARTCITY_SERVICE_KEY must hold the key services show the gateway")
        if not self.metrics_key:
            problems.append("SMARTCITY_METRICS_KEY must hold the key the metrics scraper shows")
        if not self.s3_endpoint_url:
            problems.append("SMARTCITY_S3_ENDPOINT_URL must name the documents' S3 (the embedded one is for "
                            "development)")
        if not (self.s3_access_key_id and self.s3_secret_access_key):
            problems.append("SMARTCITY_S3_ACCESS_KEY_ID and SMARTCITY_S3_SECRET_ACCESS_KEY must be set")
        if not self.webhook_secret_keys:
            problems.append("SMARTCITY_WEBHOOK_SECRET_KEYS must hold the key that seals webhook secrets")
        if self.webhook_allow_private:
            problems.append("SMARTCITY_WEBHOOK_ALLOW_PRIVATE is for development; webhooks go to public addresses")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


def _shared_dev_secret(path: Path) -> str:
    """Read the secret at `path`, or create it; processes starting at once all end up with the same one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fresh.write_text(secrets.token_urlsafe(32))
        fresh.chmod(0o600)
        try:
            os.link(fresh, path)  # atomic: the first process's secret wins
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
