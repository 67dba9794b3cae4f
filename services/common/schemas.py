"""Base models and field types every service's schemas share."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

# A kabupaten/kota code (Kemendagri), as a body field, a path segment and a filter; the registry alone
# also takes the other levels (its own RegionCode).
REGENCY_CODE_PATTERN = r"^\d{2}\.\d{2}$"
RegencyCode = Annotated[str, Field(pattern=REGENCY_CODE_PATTERN, description="A kabupaten/kota code (Kemendagri)",
                                   examples=["21.72"])]
RegencyCodePath = Annotated[str, Path(pattern=REGENCY_CODE_PATTERN, examples=["21.72"])]
RegencyCodeFilter = Annotated[str | None, Query(pattern=REGENCY_CODE_PATTERN, examples=["21.72"],
                                                description="Only this kabupaten/kota")]
# Records keep the code of their act (92.71 in 2018) and the region's code today (96.71): one region, both codes.
RecordedCode = Annotated[str, Field(examples=["92.71"], description="The code the act used, as recorded")]
CodeToday = Annotated[str, Field(examples=["96.71"], description="Today's code of the same region")]


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


T = TypeVar("T")
# A field a partial update may leave out, but not set to null: the schema shows only the value's type.
Omittable = Union[T, SkipJsonSchema[None]]  # noqa: UP007 - a generic alias needs Union


def _omittable(annotation: Any) -> bool:
    return any(get_origin(arg) is Annotated and any(type(m) is SkipJsonSchema for m in arg.__metadata__)
               for arg in get_args(annotation))


class Patch(Strict):
    """A partial update: omitted fields stay as they are; null is refused where a value is required."""

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items()
                           if v is None and k in cls.model_fields and _omittable(cls.model_fields[k].annotation))
            if nulls:
                raise ValueError(f"{', '.join(nulls)} may be left out but not set to null")
        return data


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


# A calendar date written as the schema says (2021-06-01), not a number of seconds since 1970.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Signatory(Strict):
    """A person who signs a document for an institution: an MoU, the minutes of a selection."""

    name: str = Field(min_length=2, max_length=200, examples=["Ir. Muzakir Sai Sohar"])
    title: str = Field(min_length=2, max_length=200, examples=["Bupati Muara Enim"])
    organisation: str = Field(min_length=2, max_length=200, examples=["Pemerintah Kabupaten Muara Enim"])
    nip: str | None = Field(default=None, pattern=r"^\d{18}$", examples=["196512311990031001"],
                            exclude_if=lambda v: v is None,
                            description="Nomor Induk Pegawai of a civil servant (18 digits), printed under the name")
