"""The processes of the system: a light module, so commands that only name them start fast."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    app: str
    port_setting: str


PROCESSES = (
    ProcessSpec("regions", "services.regions.main:app", "regions_port"),
    ProcessSpec("assessment", "services.assessment.main:app", "assessment_port"),
    ProcessSpec("masterplan", "services.masterplan.main:app", "masterplan_port"),
    ProcessSpec("gateway", "gateway.main:app", "gateway_port"),
)
