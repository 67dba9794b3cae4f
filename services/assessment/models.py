"""The `assessment` schema."""

from __future__ import annotations

from services.common.db import schema_base
from services.common.records import record_models

SCHEMA = "assessment"
Base = schema_base(SCHEMA)
records = record_models(Base)
