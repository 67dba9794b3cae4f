"""Base models and field types every service's schemas share."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

RegencyCode = Annotated[str, Field(pattern=r"^\d{2}\.\d{2}$", description="A kabupaten/kota code (Kemendagri)",
                                   examples=["21.72"])]


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ORM(BaseModel):
    """A response read from a database row."""

    model_config = ConfigDict(from_attributes=True)


class IslandGroup(StrEnum):
    sumatera = "sumatera"
    jawa = "jawa"
    bali_nusa_tenggara = "bali_nusa_tenggara"
    kalimantan = "kalimantan"
    sulawesi = "sulawesi"
    maluku = "maluku"
    papua = "papua"
