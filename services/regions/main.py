"""The region registry process (`smartcity serve regions`)."""

from services.common.app import create_app
from services.common.audit import audit_router
from services.common.auth import Public
from services.common.events import events_router
from services.common.labels import labels_router
from services.common.revocations import revocation_watch
from services.common.upstream import upstreams_hook

from .auth import Overseer
from .crosswalks.endpoints import router as crosswalks
from .events import EVENTS
from .heads.endpoints import router as heads
from .history.endpoints import router as history
from .indicators.endpoints import router as indicators
from .labels import LABELS
from .maps.endpoints import router as maps
from .models import records
from .registry.endpoints import HOT_READS
from .registry.endpoints import router as registry

# Head changes and indicator loads are public facts, so the feed is public too.
feed = events_router("/api/v1/regions", records, Public, "regions_events_list", "events")
audit = audit_router("/api/v1/regions", records, Overseer, "regions_audit_list", "events")

labels = labels_router("/api/v1/regions", LABELS, Public, operation_id="regions_labels_get", tag="regions")

app = create_app(
    service="regions",
    title="Region registry",
    description="Kemendagri's region tree (38 provinces, 514 kabupaten/kota, 7,285 kecamatan, 83,762 "
                "desa/kelurahan), regional heads and their terms, and indicators loaded by partner ministries.",
    # registry last: its /{code} takes any segment
    routers=[feed, audit, labels, indicators, heads, history, maps, crosswalks, registry],
    outbox_model=records.outbox,
    events=EVENTS,
    tags=[
        {"name": "regions", "description": "The official region tree (Kepmendagri 300.2.2-2138/2025)"},
        {"name": "heads", "description": "Bupati/Walikota and their terms of office"},
        {"name": "indicators", "description": "Indicators per region and year, with provenance and history"},
        {"name": "events", "description": "Head changes and indicator loads, for systems that follow along"},
    ],
    hooks=[upstreams_hook("gateway"), revocation_watch],
    hot_reads=HOT_READS,
)
