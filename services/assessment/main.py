"""The assessment process (`smartcity serve assessment`)."""

from services.common.app import create_app
from services.common.audit import audit_router
from services.common.auth import Public
from services.common.documents.endpoints import documents_router
from services.common.events import events_router
from services.common.labels import labels_router
from services.common.revocations import revocation_watch
from services.common.upstream import upstreams_hook

from .appeals.endpoints import router as appeals
from .auth import Reader, RegionParty, RegionWriter
from .deadlines.endpoints import router as deadlines
from .deadlines.mailer import reminder_mailer
from .events import EVENTS
from .labels import LABELS
from .models import Document, records
from .panel.endpoints import router as panel
from .publication.endpoints import router as publication
from .round.endpoints import router as rounds
from .rubric.endpoints import router as rubric
from .scoring.endpoints import router as scoring
from .selection.endpoints import HOT_READS
from .selection.endpoints import router as selection

# The feed is public: its payloads name regions, rounds and dates, never a person, an address or free text.
feed = events_router("/api/v1/assessment", records, Public, "assessment_events_list", "public")
audit = audit_router("/api/v1/assessment", records, Reader, "assessment_audit_list", "audit")

one_document = documents_router("/api/v1/assessment", Document, records, reader=RegionParty, writer=RegionWriter,
                                area="assessment", tag="documents", event="assessment_document.stored")
labels = labels_router("/api/v1/assessment", LABELS, Public, operation_id="assessment_labels_get", tag="public")

app = create_app(
    service="assessment",
    title="Assessment",
    description="Rounds, invitations, sessions and panels, independent scoring and explainable selection.",
    routers=[feed, audit, labels, rubric, rounds, deadlines, panel, scoring, selection, publication, appeals,
             one_document],
    outbox_model=records.outbox,
    events=EVENTS,
    tags=[
        {"name": "rubrics", "description": "Versioned, weighted scoring rubrics"},
        {"name": "rounds", "description": "A year's cohort: quota, dates, venue, equity rules, state"},
        {"name": "invitations", "description": "Regions invited, their answers and attendance"},
        {"name": "deadlines", "description": "A round's dates as data, late acts, what is overdue, reminders"},
        {"name": "assessors", "description": "Assessors, conflicts of interest, mentorships"},
        {"name": "sessions", "description": "Time slots with a panel and the regions it hears"},
        {"name": "scoring", "description": "Independent, blind scoring and moderation"},
        {"name": "self-assessment", "description": "What a region declares about itself"},
        {"name": "results", "description": "Aggregation, ranking, selection, verification"},
        {"name": "public", "description": "Published results, open to everyone"},
        {"name": "appeals", "description": "Sanggahan against a published result, decisions, the result published "
                                           "again"},
        {"name": "documents", "description": "Files supporting appeals, in the object store"},
        {"name": "audit", "description": "Who changed what, when, and why"},
    ],
    hooks=[upstreams_hook("regions", "masterplan", "gateway"), revocation_watch, reminder_mailer],
    hot_reads=HOT_READS,
)
