"""The controlled vocabulary of the catalogue: every closed set of values, declared once.

The `Literal` types check data on load; the tuples give the allowed values, in a stable order, to error messages,
the CLI and the docs.
"""

from __future__ import annotations

from typing import Literal, get_args

Category = Literal["warm-up", "stretch", "strength", "mobility"]
Position = Literal["supine", "prone", "side-lying", "quadruped", "kneeling", "seated", "standing"]
Equipment = Literal["chair", "wall", "kettlebell"]
Level = Literal["beginner", "intermediate", "advanced"]
Target = Literal["abdominals", "back-extensors", "glutes", "hips", "legs", "mobility"]
Stage = Literal["warm-up", "stretch", "initial", "advanced", "main"]
Direction = Literal["easier", "harder"]
PlanLevel = Literal["beginner", "advanced"]
SpinalDirection = Literal["flexion", "extension", "rotation", "neutral"]
"""The way an exercise moves or loads the lower back: bending forward, bending backward, twisting, or held still."""

CATEGORIES: tuple[Category, ...] = get_args(Category)
POSITIONS: tuple[Position, ...] = get_args(Position)
EQUIPMENT: tuple[Equipment, ...] = get_args(Equipment)
LEVELS: tuple[Level, ...] = get_args(Level)
TARGETS: tuple[Target, ...] = get_args(Target)
STAGES: tuple[Stage, ...] = get_args(Stage)
PLAN_LEVELS: tuple[PlanLevel, ...] = get_args(PlanLevel)
SPINAL_DIRECTIONS: tuple[SpinalDirection, ...] = get_args(SpinalDirection)

# A plan at 15 minutes or more must work the three groups that hold the lower back up.
CORE_TARGETS: tuple[Target, ...] = ("abdominals", "back-extensors", "glutes")


def parse_equipment(raw: str) -> frozenset[Equipment]:
    """A comma-separated list drawn from the equipment vocabulary, as the CLI and the API take it; "none" or
    nothing means no equipment. Raises InvalidInput naming `equipment` and the allowed values."""
    from backcoach.domain.errors import InvalidInput

    items = [v.strip().lower() for v in raw.split(",") if v.strip()]
    if items == ["none"]:
        return frozenset()
    chosen: set[Equipment] = set()
    for item in items:
        if item not in EQUIPMENT:
            raise InvalidInput(
                f"{item!r} is not one of {', '.join(EQUIPMENT)} (comma-separated, or none)", ("equipment",)
            )
        chosen.add(item)
    return frozenset(chosen)
