"""Who may call what in the assessment service, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import KOMINFO, MINISTRIES, Gate, Principal, Role

Officer = Annotated[Principal, Depends(Gate(KOMINFO))]
# Kominfo and the partner ministries read everything about a round.
Reader = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]
ReaderOrAssessor = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.assessor))]
AssessorOnly = Annotated[Principal, Depends(Gate(Role.assessor))]
AssessorOrOfficer = Annotated[Principal, Depends(Gate(Role.assessor, KOMINFO))]
# A pemda user is further limited to its own region by the endpoint.
RegionParty = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.pemda))]
RegionWriter = Annotated[Principal, Depends(Gate(KOMINFO, Role.pemda))]
