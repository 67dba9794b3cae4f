"""Numbers as people read them: 2500000, never 2.5E+6."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer


def plain(value: Any) -> Any:
    """A Decimal in positional notation; anything else unchanged."""
    return format(value, "f") if isinstance(value, Decimal) else value


PlainDecimal = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]
