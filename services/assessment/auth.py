"""Who may call what in the assessment service, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import Gate, Principal
from services.common.errors import Forbidden
from services.common.roles import KOMINFO, MINISTRIES, Role

from .round.schemas import InvitationAnswer

Officer = Annotated[Principal, Depends(Gate(KOMINFO))]
# Kominfo and the partner ministries read everything about a round.
Reader = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]
ReaderOrAssessor = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.assessor))]
AssessorOnly = Annotated[Principal, Depends(Gate(Role.assessor))]
AssessorOrOfficer = Annotated[Principal, Depends(Gate(Role.assessor, KOMINFO))]
# A pemda user is further limited to its own region by the endpoint.
RegionParty = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.pemda))]
RegionWriter = Annotated[Principal, Depends(Gate(KOMINFO, Role.pemda))]


async def _may_answer(body: InvitationAnswer, actor: RegionWriter) -> Principal:
    """The region answers its invitation; attendance is recorded by Kominfo."""
    if body.attended is not None and not actor.roles & KOMINFO:
        raise Forbidden("Attendance is recorded by Kominfo, not by the region",
                        extra={"allowed_roles": sorted(KOMINFO)})
    return actor


# The gate of an invitation's answer: by what the body records, before the round is loaded.
Answerer = Annotated[Principal, Depends(_may_answer)]
