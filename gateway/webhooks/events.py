"""Which service's feed each event type comes from."""

from __future__ import annotations

SOURCES = {"regions": "/api/v1/regions/events", "assessment": "/api/v1/assessment/events",
           "masterplan": "/api/v1/masterplan/events"}


EVENT_TYPES = {
    "head_term.created": "regions", "indicator_values.loaded": "regions",
    "round.published": "assessment", "region.selected": "assessment",
    "mou.signed": "masterplan", "masterplan.approved": "masterplan", "masterplan.flagged": "masterplan",
    "masterplan.reconfirmed": "masterplan", "progress.reported": "masterplan",
}
