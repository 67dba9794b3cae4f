"""The masterplan process: `uvicorn services.masterplan.main:app`."""

from services.common.app import create_app

app = create_app(
    service="masterplan",
    title="Masterplans",
    description="MoU, versioned masterplans, programmes on a yearly roadmap, quick wins and progress.",
    routers=[],
    tags=[],
)
