"""Rubric request and response models."""

from __future__ import annotations

import math
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema, model_validator

from services.common.schemas import ORM, Strict

from ..types import Pillar

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["commitment"])]
# Stored and scored as the plain object it is; the spec names its three shapes.
Normalisation = Annotated[dict[str, Any], WithJsonSchema({"oneOf": [
    {"type": "object", "title": "Categories", "required": ["map"],
     "properties": {"map": {"type": "object", "additionalProperties": {"type": "number"}}}},
    {"type": "object", "title": "Range", "required": ["min", "max"],
     "properties": {"min": {"type": "number"}, "max": {"type": "number"}, "higher_is_better": {"type": "boolean"}}},
    {"type": "object", "title": "From the indicator", "required": ["from_indicator"],
     "properties": {"from_indicator": {"type": "boolean", "const": True}}}]})]


class ComponentKind(StrEnum):
    group = "group"
    panel = "panel"
    self = "self"
    indicator = "indicator"


def _finite(value: Any) -> bool:
    """A JSON number a calculation can use: not a string, not a boolean, not infinite or NaN (1e400 parses so)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class ComponentIn(Strict):
    key: Key
    parent_key: Key | None = Field(default=None, description="The group this component belongs to")
    name: str = Field(min_length=2, max_length=200, examples=["Komitmen"])
    kind: ComponentKind
    weight: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=3,
                            description="Share of its parent (siblings sum to 100)")
    # As scores are written: at most three decimals, below 100,000 either way.
    scale_min: Decimal | None = Field(default=None, ge=-99_999, le=99_999, decimal_places=3, examples=[1])
    scale_max: Decimal | None = Field(default=None, ge=-99_999, le=99_999, decimal_places=3, examples=[5])
    levels: dict[str, str] | None = Field(default=None, description="A descriptor per scale level",
                                          examples=[{"1": "Belum ada", "5": "Teroptimasi"}])
    indicator_code: str | None = Field(default=None, pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])
    normalisation: Normalisation | None = Field(
        default=None, description="For indicator components: {'map': {category: 0-100}}, "
                                  "{'min': a, 'max': b, 'higher_is_better': true}, or {'from_indicator': true} to "
                                  "take min/max/direction or the categories from the indicator's own definition "
                                  "in the registry when scoring closes",
        examples=[{"map": {"rendah": 0, "sedang": 50, "tinggi": 100}}, {"from_indicator": True}])
    pillar: Pillar | None = Field(default=None, description="The smart-city pillar a scored component counts "
                                  "towards: an evaluation gives an index per pillar")

    @model_validator(mode="after")
    def _normalisation(self) -> ComponentIn:
        if self.pillar is not None and self.kind == ComponentKind.group:
            raise ValueError(f"{self.key}: a pillar belongs to a scored component, not a group")
        rule = self.normalisation
        if rule is not None and not ({"map"} <= rule.keys() or rule.get("from_indicator") is True
                                     or {"min", "max"} <= rule.keys()):
            raise ValueError(f"{self.key}: normalisation is a map, min/max, or from_indicator")
        if rule is not None and {"min", "max"} <= rule.keys():
            low, high = rule["min"], rule["max"]
            if not all(_finite(v) for v in (low, high)) or not low < high:
                raise ValueError(f"{self.key}: normalisation min and max are finite numbers, min below max")
        if rule is not None and "map" in rule:
            scores: list[Any] = list(rule["map"].values()) if isinstance(rule["map"], dict) else [None]
            if not all(_finite(v) and 0 <= v <= 100 for v in scores):
                raise ValueError(f"{self.key}: normalisation map gives each category a score from 0 to 100")
        return self


class RubricIn(Strict):
    code: str = Field(pattern=r"^[a-z0-9-]{3,60}$", examples=["gm100-2019"])
    title: str = Field(min_length=3, max_length=200, examples=["Rubrik seleksi Gerakan Menuju 100 Smart City 2019"])
    description: str | None = Field(default=None, max_length=4000)
    components: list[ComponentIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _tree(self) -> RubricIn:
        keys = [c.key for c in self.components]
        if len(keys) != len(set(keys)):
            raise ValueError("component keys must be unique")
        kinds = {c.key: c.kind for c in self.components}
        siblings: dict[str | None, Decimal] = {}
        for c in self.components:
            if c.parent_key is not None and kinds.get(c.parent_key) != ComponentKind.group:
                raise ValueError(f"{c.key}: parent {c.parent_key} is not a group in this rubric")
            siblings[c.parent_key] = siblings.get(c.parent_key, Decimal(0)) + c.weight
            if c.kind in (ComponentKind.panel, ComponentKind.self):
                if c.scale_min is None or c.scale_max is None or c.scale_max <= c.scale_min:
                    raise ValueError(f"{c.key}: a scored component needs scale_min < scale_max")
            if c.kind == ComponentKind.indicator and (not c.indicator_code or not c.normalisation):
                raise ValueError(f"{c.key}: an indicator component needs indicator_code and normalisation")
            if c.kind == ComponentKind.group and not any(x.parent_key == c.key for x in self.components):
                raise ValueError(f"{c.key}: a group needs components")
        for parent, total in siblings.items():
            if total != 100:
                raise ValueError(f"weights under {parent or 'the top level'} sum to {total}, not 100")
        return self


class Component(ORM):
    key: str
    parent_key: str | None
    name: str
    kind: ComponentKind
    weight: Decimal
    scale_min: Decimal | None
    scale_max: Decimal | None
    levels: dict[str, str] | None
    indicator_code: str | None
    normalisation: Normalisation | None
    # Absent, not null, where none is given: a round's inputs (and their digest) stay what they were.
    pillar: Pillar | None = Field(default=None, exclude_if=lambda v: v is None)


class Rubric(ORM):
    id: int
    code: str
    version: int
    title: str
    description: str | None
    locked: bool = Field(description="True once a round using it left draft; change it by a new version")
    components: list[Component]
