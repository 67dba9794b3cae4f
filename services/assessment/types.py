"""What several assessment stages speak of: a round's state, an invitation's status, the equity rules.

Kept below the stages, so that round (which opens, invites and closes) and selection (which computes from a
round's inputs) both use them without importing each other upward.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from services.common.schemas import IslandGroup, Strict


class RoundState(StrEnum):
    draft = "draft"
    inviting = "inviting"
    assessing = "assessing"
    moderating = "moderating"
    finalised = "finalised"
    published = "published"


class InvitationStatus(StrEnum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


ClassName = Annotated[str, Field(min_length=1, max_length=40)]


class NumericClass(Strict):
    """A class of a numeric indicator: from `min` (inclusive) to `max` (exclusive); either end may be open."""

    min: float | None = Field(default=None, ge=0, le=1e12, examples=[1000000])
    max: float | None = Field(default=None, ge=0, le=1e12, examples=[None])


class CategoryMinimum(Strict):
    """At least so many selected regions in each named category of an indicator, by its value in the round's
    year as the registry held it when scoring closed: the 3T regions of the Perpres in force, KKD classes, or
    classes of a numeric indicator the committee defines (population classes, as the Indeks Kota Cerdas
    Indonesia ranks within four)."""

    indicator: str = Field(pattern=r"^[a-z0-9_]{2,40}$", examples=["tertinggal"])
    at_least: dict[ClassName, Annotated[int, Field(ge=1, le=514)]] = Field(
        min_length=1, max_length=20, examples=[{"tertinggal": 3}])
    classes: dict[ClassName, NumericClass] | None = Field(
        default=None, max_length=20,
        examples=[{"kecil": {"max": 100000}, "sedang": {"min": 100000, "max": 500000},
                   "besar": {"min": 500000, "max": 1000000}, "metropolitan": {"min": 1000000}}],
        description="For a numeric indicator: the classes its values fall in, which `at_least` names")

    @model_validator(mode="after")
    def _named(self) -> CategoryMinimum:
        if self.classes is not None:
            unknown = sorted(set(self.at_least) - set(self.classes))
            if unknown:
                raise ValueError(f"at_least names classes not in classes: {', '.join(unknown)}")
            for name, bounds in self.classes.items():
                if bounds.min is not None and bounds.max is not None and bounds.min >= bounds.max:
                    raise ValueError(f"class {name} ends before it starts")
        return self


class EquityRules(Strict):
    min_per_island_group: dict[IslandGroup, Annotated[int, Field(ge=0, le=514)]] = Field(
        default_factory=dict, examples=[{"papua": 2, "maluku": 1}])
    max_per_province: int | None = Field(default=None, ge=1, le=514, examples=[3])
    min_per_category: list[CategoryMinimum] = Field(
        default_factory=list, max_length=5, examples=[[{"indicator": "tertinggal", "at_least": {"tertinggal": 3}}]],
        description="Applied after the island-group minimums, in order; a region counts for every rule it meets; "
                    "one rule per indicator")

    @model_validator(mode="after")
    def _one_rule_per_indicator(self) -> EquityRules:
        indicators = [rule.indicator for rule in self.min_per_category]
        if len(set(indicators)) < len(indicators):
            raise ValueError("one min_per_category rule per indicator")
        return self

    def check_minimums(self, quota: int) -> None:
        """ValueError when the minimums cannot all fit in the quota."""
        if sum(self.min_per_island_group.values()) > quota:
            raise ValueError("the island-group minimums add up to more than the quota")
        for rule in self.min_per_category:
            if sum(rule.at_least.values()) > quota:
                raise ValueError(f"the minimums of {rule.indicator} add up to more than the quota")


class Calibration(Strict):
    """A rule of the round: each assessor's scores are put on the panel's common footing before they are averaged.

    Per-assessor standardisation with shrinkage: an assessor's leniency (mean) and spread (standard deviation)
    over the round's counted scores, on the 0-100 scale, are drawn towards the pooled ones by `shrinkage`
    (an assessor with n scores keeps n/(n+shrinkage) of its own), and each score x becomes
    pooled_mean + pooled_sd * (x - mean) / sd, within 0-100. Chosen over a many-facet Rasch model because an
    officer can check it by hand and it needs no iterative fit, so the offline verifier recomputes it exactly.
    """

    model: Literal["standardise"] = "standardise"
    shrinkage: int = Field(default=10, ge=0, le=1000, examples=[10],
                           description="Scores' worth of weight given to the pooled mean and spread")


class Robustness(Strict):
    """A rule of the round: before it is finalised, every decision is tested (selection/robustness.py says how), and
    a fragile one needs the committee's recorded review. Fragile: selected in between 20% and 80% of the runs of
    any test, or a margin to the cut-off below `margin` points."""

    resamples: int = Field(default=1000, ge=10, le=100_000, examples=[1000],
                           description="Bootstrap draws of the panels, and as many draws of the weights")
    seed: int = Field(default=1, ge=0, le=2**63 - 1, examples=[2019],
                      description="Seeds the draws: the same seed gives the same certificate")
    weight_band: float = Field(default=1.0, ge=0, le=50, examples=[1.0],
                               description="Each weight moves uniformly within ± this many points")
    margin: float = Field(default=1.0, ge=0, le=100, examples=[1.0],
                          description="A decision closer than this to the cut-off (points of the 0-100 total) is "
                                      "fragile")


class Pillar(StrEnum):
    """The six pillars of a smart city in the programme's masterplan guide."""

    governance = "governance"
    branding = "branding"
    economy = "economy"
    living = "living"
    society = "society"
    environment = "environment"


class EvaluationRule(Strict):
    """A rule of the round: it is the yearly evaluation of members, not a selection. Nobody is selected; each
    region gets its index (the 0-100 total on the scheme's scale), one per dimension (top-level group) and per
    pillar, its rank in the country and in its province, and the change from its previous evaluation."""

    index_max: float = Field(default=4.0, gt=0, le=100, examples=[4.0],
                             description="The index's top: a 0-100 total of 82.75 is an index of 3.31 on 0-4")
    comparable_with: list[int] = Field(default_factory=list, max_length=20, examples=[[3]],
                                       description="Rubrics (by id) of earlier evaluations whose index this one's "
                                                   "compares with, besides its own: the change is given only then")
    masterplan_schemes: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{3,40}$")]] = Field(
        default_factory=list, max_length=20, examples=[["evaluasi-gm100"]],
        description="Codes of the masterplan service's evaluation schemes (any version) whose 0-100 totals, put on "
                    "this scale, count as a member's previous evaluation: the yearly evaluations recorded on "
                    "masterplans before evaluation rounds. A round's own evaluation of the same year comes first")
