"""Dimension and element models."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.common.schemas import ORM, Omittable, Patch, Strict


class Dimension(ORM):
    code: str = Field(examples=["governance"])
    name_id: str
    name_en: str
    position: int
    elements: list[Element] = Field(default_factory=list)


class Element(ORM):
    code: str = Field(examples=["public_services"])
    name_id: str
    name_en: str


class DimensionPatch(Patch):
    name_id: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    name_en: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None


class ElementIn(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name_id: str = Field(min_length=2, max_length=200)
    name_en: str = Field(min_length=2, max_length=200)


Dimension.model_rebuild()
