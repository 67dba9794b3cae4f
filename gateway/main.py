"""The gateway process (`smartcity serve gateway`)."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.common.app import create_app
from services.common.audit import audit_router
from services.common.auth import KeySource, TokenVerifier
from services.common.background import running
from services.common.settings import Settings
from services.common.upstream import upstreams_hook

from .documents import router as documents_router
from .endpoints import DOCS_ASSETS, admin_router, auth_router, meta_router
from .keys import KeyRing, key_files_stamp
from .labels import router as labels_router
from .models import records
from .proxy import SERVICES, InFlight, SharedCache, hop_first
from .ratelimit import RateLimiter
from .roles import Administrator
from .service import recent_revocations
from .webhooks.endpoints import router as webhooks_router
from .webhooks.worker import webhook_worker


def attach_gateway(app: FastAPI, settings: Settings, ring: KeyRing) -> None:
    """Tokens are checked against the gateway's own key ring, not a file or URL."""
    app.state.ring = ring
    app.state.verifier = TokenVerifier(KeySource.static(ring.jwks()), issuer=settings.issuer,
                                       audience=settings.jwt_audience, max_bytes=settings.max_token_bytes)
    app.state.ring_stamp = key_files_stamp(settings)
    app.state.merged_spec = None
    app.state.merged_labels = {}
    app.state.in_flight = InFlight()
    app.state.shared_cache = SharedCache()


def reload_keys(app: FastAPI) -> bool:
    """After a rotation (new key files, a key retired): sign with the newest key, and accept tokens only from the
    keys still active, here at once and at the services as they reread the JWKS. True when the ring changed."""
    settings: Settings = app.state.settings
    stamp = key_files_stamp(settings)
    if stamp == app.state.ring_stamp:
        return False
    ring = KeyRing.load(settings)
    app.state.ring, app.state.ring_stamp = ring, stamp
    app.state.verifier.keys = KeySource.static(ring.jwks())
    return True


log = logging.getLogger("smartcity.gateway")


async def watch_revocations_and_keys(app: FastAPI, interval: float = 1.0) -> None:
    """Every replica learns revocations from the database, and a key rotation from the key files, within a second."""
    while True:
        try:
            async with app.state.sessionmaker() as session:
                app.state.verifier.revoked = await recent_revocations(session, app.state.settings)
            if reload_keys(app):
                log.info("signing keys reloaded; signing with %s", app.state.ring.current.kid)
        except Exception as exc:  # the database may blink; the last list stays in force
            log.warning("revocations not refreshed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


@asynccontextmanager
async def gateway_resources(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    attach_gateway(app, settings, KeyRing.load(settings))
    app.state.rate_limiter = RateLimiter(app.state.sessionmaker, per_minute=settings.rate_limit_per_minute,
                                         anonymous_per_minute=settings.rate_limit_anonymous_per_minute)
    try:
        async with running(watch_revocations_and_keys(app)):
            yield
    finally:
        await app.state.rate_limiter.close()


admin_audit = audit_router("/api/v1/admin", records, Administrator, "admin_audit_list", "admin")

app = create_app(
    service="gateway",
    title="Gateway",
    description="Tokens, accounts and routing to the services.",
    routers=[auth_router, admin_router, admin_audit, labels_router, webhooks_router, documents_router, meta_router],
    tags=[{"name": "auth", "description": "OAuth2 tokens and signing keys"},
          {"name": "admin", "description": "People and partner clients (kominfo_admin)"},
          {"name": "webhooks", "description": "Signed event deliveries to partner systems"}],
    hooks=[upstreams_hook(*SERVICES), gateway_resources, webhook_worker],
    openapi_url=None,
    outbox_model=records.outbox,
)
hop_first(app)
app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
