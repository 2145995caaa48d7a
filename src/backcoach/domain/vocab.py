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
