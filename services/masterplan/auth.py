"""Who may call what in the masterplan service, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import KOMINFO, MINISTRIES, Gate, Principal, Role

Officer = Annotated[Principal, Depends(Gate(KOMINFO))]
Administrator = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
Reader = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]
# The region's own pemda users draft, submit and report; Kominfo may act for them.
RegionWriter = Annotated[Principal, Depends(Gate(KOMINFO, Role.pemda))]
# Everyone concerned reads; a pemda user only its own region (checked by the service).
RegionParty = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.pemda))]
Aligner = Annotated[Principal, Depends(Gate(Role.bappenas, Role.kominfo_admin))]
