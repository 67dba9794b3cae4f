"""Who may call the gateway's own operations, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import ALL_ROLES, Gate, Principal, Role

Anyone = Annotated[Principal | None, Depends(Gate(public=True))]
SignedIn = Annotated[Principal, Depends(Gate(ALL_ROLES))]
Administrator = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
