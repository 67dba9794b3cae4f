"""The masterplan process (`smartcity serve masterplan`)."""

from services.common.app import create_app
from services.common.audit import audit_router
from services.common.auth import Public
from services.common.events import events_router
from services.common.labels import labels_router
from services.common.revocations import revocation_watch
from services.common.upstream import upstreams_hook

from .auth import Reader, RegionParty
from .consumer import registry_consumer
from .dimension.endpoints import router as dimension
from .documents.endpoints import one_document
from .documents.endpoints import router as documents
from .events import EVENTS
from .labels import LABELS
from .models import records
from .mou.endpoints import router as mou
from .overview.endpoints import router as overview
from .plan.endpoints import router as plan
from .programme.endpoints import HOT_READS
from .programme.endpoints import router as programme
from .progress.endpoints import router as progress

feed = events_router("/api/v1/masterplan", records, RegionParty, "masterplan_events_list", "events")
audit = audit_router("/api/v1/masterplan", records, Reader, "masterplan_audit_list", "audit")

labels = labels_router("/api/v1/masterplan", LABELS, Public, operation_id="masterplan_labels_get", tag="masterplans")

app = create_app(
    service="masterplan",
    title="Masterplans",
    description="MoU, versioned masterplans, programmes on a yearly roadmap, quick wins and progress.",
    routers=[feed, audit, labels, dimension, mou, plan, programme, progress, overview, documents, one_document],
    outbox_model=records.outbox,
    events=EVENTS,
    tags=[
        {"name": "dimensions", "description": "The six smart city dimensions and their elements"},
        {"name": "mou", "description": "Nota kesepahaman of selected regions"},
        {"name": "masterplans", "description": "Versioned masterplans: draft, review, approval, revision"},
        {"name": "programmes", "description": "Programmes and the yearly roadmap"},
        {"name": "progress", "description": "Progress reports and late programmes"},
        {"name": "evaluation", "description": "Yearly evaluation with versioned weights"},
        {"name": "documents", "description": "Files of MoUs and masterplans, in the object store: presigned "
                                             "upload, confirmation by SHA-256 and type, checked downloads"},
        {"name": "events", "description": "MoUs, approvals, flags and progress, for systems that follow along"},
        {"name": "audit", "description": "Who changed what, when, and why"},
    ],
    hooks=[upstreams_hook("assessment", "regions", "gateway"), registry_consumer, revocation_watch],
    hot_reads=HOT_READS,
)
