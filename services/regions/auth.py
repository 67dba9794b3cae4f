"""Who may call what in the region registry, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import Gate, Principal
from services.common.roles import KOMINFO, MINISTRIES, Role

# Region codes, names and regional heads come from public decrees: anyone may read them (the shared `Public`).
HeadWriter = Annotated[Principal, Depends(Gate(Role.kemendagri, Role.kominfo_admin))]
IndicatorAdmin = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
# Crosswalks from other codings are the operator's reference data.
CrosswalkLoader = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
# Which ministry may load an indicator's values is data (indicator.owner_role), checked by the service.
IndicatorLoader = Annotated[Principal, Depends(Gate(Role.kominfo_admin, Role.kemendagri, Role.kemenkeu,
                                                    Role.bappenas, Role.pupr, Role.kemenpanrb))]
# Kominfo and the partner ministries read the audit trail.
Overseer = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]
