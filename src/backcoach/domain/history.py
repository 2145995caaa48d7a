"""Session records: what a person did, how it felt, and how their back was the next morning.

The import/export format is `{"version": 1, "sessions": [...]}`; every session is validated before anything is
stored, and an error names the session, the item and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BeforeValidator, Field, StrictInt, ValidationError, model_validator

from backcoach.domain.camera import CameraMeasure
from backcoach.domain.catalogue import Prescription
from backcoach.domain.errors import InvalidInput
from backcoach.domain.model import Frozen

Difficulty = Literal["easy", "right", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)
FORMAT_VERSION = 1

Pain = Annotated[StrictInt, Field(ge=0, le=10)]


def _iso_date(value: object) -> object:
    # Only an ISO date string (or a date) is a date here: pydantic would otherwise accept a Unix timestamp.
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be an ISO date such as 2026-11-21, not {value!r}") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"must be an ISO date such as 2026-11-21, not {value!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar day, given as an ISO date string or a date (never a timestamp)."""
OptionalIsoDate = Annotated[dt.date | None, BeforeValidator(lambda v: None if v is None else _iso_date(v))]
"""The same, or null."""
Count = Annotated[StrictInt, Field(ge=0)]


def camera_target(prescription: Prescription) -> int:
    """The repetitions a dose asks for as the camera counts them: each movement it sees, so every repetition of
    every set, on each side of a per-side dose, and both sides' turns of an alternating one."""
    sides = 2 if prescription.per_side or prescription.alternating else 1
    return (prescription.reps or 1) * (prescription.sets or 1) * sides


def completed(prescription: Prescription, reps: int, sets: int, camera_reps: int | None = None) -> bool:
    """Every planned repetition of every planned set was done. When the camera counted, its count decides, not
    the repetitions and sets claimed (docs/dosing.md, "Measured repetitions")."""
    if camera_reps is not None:
        return camera_reps >= camera_target(prescription)
    return reps >= (prescription.reps or 1) and sets >= (prescription.sets or 1)


class SessionItem(Frozen):
    exercise: str
    rung: str | None = None
    """The rung of the exercise's ladder that was done (e.g. "bridge/held"); absent means the standard rung."""
    prescription: Prescription
    completed_reps: Count
    completed_sets: Count
    difficulty: Difficulty
    pain_during: Pain | None = None
    camera: CameraMeasure | None = None
    """What the camera measured; absent when it was off or cannot follow the exercise."""

    @property
    def completed(self) -> bool:
        counted = self.camera.reps if self.camera is not None else None
        return completed(self.prescription, self.completed_reps, self.completed_sets, counted)


def camera_words(item: SessionItem) -> str | None:
    """What the camera measured, in the words History uses ("camera counted 9 of 10, held 48 s"); None without it."""
    measure = item.camera
    if measure is None:
        return None
    parts = []
    if measure.reps is not None:
        parts.append(f"counted {measure.reps} of {camera_target(item.prescription)}")
    if measure.held_seconds is not None:
        parts.append(f"held {round(measure.held_seconds)} s")
    return "camera " + (", ".join(parts) if parts else "on, nothing counted")


class SessionRecord(Frozen):
    date: IsoDate
    pain_before: Pain
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = None
    items: list[SessionItem] = Field(default_factory=list)
    partial: bool = False
    """A session that was stopped early; only then may `pain_after` be missing. Exported only when true."""

    @model_validator(mode="after")
    def _after_pain_unless_partial(self) -> Self:
        if self.pain_after is None and not self.partial:
            raise ValueError("pain_after is required (an integer from 0 to 10) unless the session is partial")
        return self

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if not self.partial:
            del data["partial"]
        for item, model in zip(data["items"], self.items, strict=True):
            # Export each prescription with exactly the fields it was given, so import then export round-trips.
            item["prescription"] = model.prescription.model_dump(mode="json", exclude_unset=True)
            if model.rung is None:
                del item["rung"]
            if model.camera is None:
                del item["camera"]
        return data


class HistoryError(InvalidInput):
    """A history file failed validation; nothing was stored. The message names session, item and field."""


def _where(loc: tuple[int | str, ...], sessions: list[Any]) -> str:
    parts = []
    rest = list(loc)
    if rest and rest[0] == "sessions" and len(rest) > 1 and isinstance(rest[1], int):
        index = rest[1]
        raw = sessions[index] if index < len(sessions) else None
        date = raw.get("date") if isinstance(raw, Mapping) else None
        parts.append(f"session {index + 1}" + (f" ({date})" if isinstance(date, str) else ""))
        rest = rest[2:]
    if rest and rest[0] == "items" and len(rest) > 1 and isinstance(rest[1], int):
        parts.append(f"item {rest[1] + 1}")
        rest = rest[2:]
    field = ".".join(str(p) for p in rest)
    parts.append(f"field {field!r}" if field else "the whole entry")
    return ", ".join(parts)


def parse_history(raw: object, exercise_ids: Collection[str]) -> list[SessionRecord]:
    """Validate a whole history file; raise HistoryError naming the first problems, or return every session."""
    if not isinstance(raw, Mapping):
        raise HistoryError('the file must be a JSON object: {"version": 1, "sessions": [...]}')
    unknown = set(raw) - {"version", "sessions"}
    if unknown:
        raise HistoryError(f"unknown top-level key {sorted(unknown)[0]!r}; allowed: version, sessions")
    if raw.get("version") != FORMAT_VERSION:
        raise HistoryError(f"field 'version': must be {FORMAT_VERSION}, not {raw.get('version')!r}")
    sessions = raw.get("sessions")
    if not isinstance(sessions, list):
        raise HistoryError("field 'sessions': must be a list of session records")
    problems = []
    records = []
    for index, session in enumerate(sessions):
        try:
            records.append(SessionRecord.model_validate(session))
        except ValidationError as exc:
            for e in exc.errors():
                message = e["msg"].removeprefix("Value error, ")
                problems.append(f"{_where(('sessions', index, *e['loc']), sessions)}: {message}")
    for index, record in enumerate(records if not problems else []):
        for item_index, item in enumerate(record.items):
            if item.exercise not in exercise_ids:
                where = _where(("sessions", index, "items", item_index, "exercise"), sessions)
                problems.append(f"{where}: unknown exercise {item.exercise!r}")
    if problems:
        shown = problems[:10]
        more = f"\n(and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise HistoryError("\n".join(shown) + more)
    return records


def export_history(records: list[SessionRecord]) -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "sessions": [r.to_dict() for r in records]}


@dataclass(frozen=True)
class StoredSession:
    """A session record with the id it was stored under."""

    id: int
    record: SessionRecord
