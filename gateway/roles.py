"""Who may call the gateway's own operations, as a table."""

from typing import Annotated

from fastapi import Depends

from services.common.auth import Gate, Principal
from services.common.roles import Role

Administrator = Annotated[Principal, Depends(Gate(Role.kominfo_admin))]
