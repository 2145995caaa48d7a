"""A person's plan options, chosen once and used for every plan: one typed model, read and written whole.

Stored as JSON on the account; older records (before `sessions_per_day`) read back with the default.
"""

from __future__ import annotations

from pydantic import Field

from backcoach.domain.model import Frozen
from backcoach.domain.planner import DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES, PlanRequest
from backcoach.domain.vocab import Equipment, PlanLevel


class Preferences(Frozen):
    minutes: int = Field(DEFAULT_MINUTES, ge=MIN_MINUTES, le=MAX_MINUTES, description="minutes per session")
    equipment: tuple[Equipment, ...] = Field((), description="what the person has: chair, wall, kettlebell")
    floor: bool = Field(True, description="whether they can get down on the floor (a mat is assumed)")
    level: PlanLevel = "beginner"
    sessions_per_day: int = Field(
        1, ge=1, le=3, description="how many sessions a day the calendar suggests: the articles ask for 1 to 3"
    )

    def request(
        self,
        *,
        minutes: int | None = None,
        equipment: frozenset[Equipment] | None = None,
        floor: bool | None = None,
        level: PlanLevel | None = None,
    ) -> PlanRequest:
        """The plan options given, falling back to these preferences for each one left out."""
        return PlanRequest(
            minutes=self.minutes if minutes is None else minutes,
            equipment=frozenset(self.equipment) if equipment is None else equipment,
            floor=self.floor if floor is None else floor,
            level=self.level if level is None else level,
        )
