"""Who may call what in the masterplan service, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import Gate, Principal
from services.common.errors import Forbidden
from services.common.roles import KOMINFO, MINISTRIES, Role

from .plan.schemas import MasterplanState, TransitionIn

Officer = Annotated[Principal, Depends(Gate(KOMINFO))]
Administrator = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
Reader = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]
# The region's own pemda users draft, submit and report; Kominfo may act for them.
RegionWriter = Annotated[Principal, Depends(Gate(KOMINFO, Role.pemda))]
# Everyone concerned reads; a pemda user only its own region (checked by the service).
RegionParty = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES, Role.pemda))]
Aligner = Annotated[Principal, Depends(Gate(Role.bappenas, Role.kominfo_admin))]


# Who moves a masterplan to each state: the region submits; Kominfo takes it into review, returns it, approves it.
TRANSITION_ROLES: dict[MasterplanState, frozenset[Role]] = {
    MasterplanState.submitted: KOMINFO | {Role.pemda}, MasterplanState.in_review: KOMINFO,
    MasterplanState.draft: KOMINFO, MasterplanState.approved: KOMINFO, MasterplanState.superseded: frozenset(),
}


async def _may_move(body: TransitionIn, actor: RegionWriter) -> Principal:
    allowed = TRANSITION_ROLES[body.to]
    if not actor.roles & allowed:
        raise Forbidden(f"Your role may not move a masterplan to {body.to.value}",
                        extra={"allowed_roles": sorted(allowed)})
    return actor


# The gate of a transition: by the state asked for, before the masterplan is loaded.
Mover = Annotated[Principal, Depends(_may_move)]
