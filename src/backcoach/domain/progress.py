"""Summaries of a person's history: pain around sessions, how often they exercise, and their streak."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from backcoach.domain.history import SessionRecord

WEEKS_SHOWN = 8


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekCount:
    week_start: dt.date
    sessions: int


@dataclass(frozen=True)
class ProgressSummary:
    sessions: int
    first_date: dt.date | None
    last_date: dt.date | None
    pain_before_avg: float | None
    pain_after_avg: float | None
    next_morning_avg: float | None
    recent_pain_before_avg: float | None
    streak_days: int
    sessions_per_week: list[WeekCount] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "pain_before_avg": self.pain_before_avg,
            "pain_after_avg": self.pain_after_avg,
            "next_morning_avg": self.next_morning_avg,
            "recent_pain_before_avg": self.recent_pain_before_avg,
            "streak_days": self.streak_days,
            "sessions_per_week": [
                {"week_start": w.week_start.isoformat(), "sessions": w.sessions} for w in self.sessions_per_week
            ],
        }


def _avg(values: Sequence[int]) -> float | None:
    return round(fmean(values), 1) if values else None


def streak(dates: Sequence[dt.date], today: dt.date) -> int:
    """Consecutive days with a session, ending today (or yesterday, so the streak survives until today is over)."""
    days = set(dates)
    day = today if today in days else today - dt.timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= dt.timedelta(days=1)
    return count


def summarise(records: Sequence[SessionRecord], today: dt.date) -> ProgressSummary:
    ordered = sorted(records, key=lambda r: r.date)
    dates = [r.date for r in ordered]
    weeks = Counter(week_start(d) for d in dates)
    this_week = week_start(today)
    shown = [this_week - dt.timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    recent = [r.pain_before for r in ordered if r.date > today - dt.timedelta(days=14)]
    return ProgressSummary(
        sessions=len(ordered),
        first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        pain_before_avg=_avg([r.pain_before for r in ordered]),
        pain_after_avg=_avg([r.pain_after for r in ordered if r.pain_after is not None]),
        next_morning_avg=_avg([r.pain_next_morning for r in ordered if r.pain_next_morning is not None]),
        recent_pain_before_avg=_avg(recent),
        streak_days=streak(dates, today),
        sessions_per_week=[WeekCount(w, weeks.get(w, 0)) for w in shown],
    )
