"""The assessment process: `uvicorn services.assessment.main:app`."""

from services.common.app import create_app

app = create_app(
    service="assessment",
    title="Assessment",
    description="Rounds, invitations, sessions and panels, independent scoring and explainable selection.",
    routers=[],
    tags=[],
)
