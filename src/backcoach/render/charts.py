"""Progress charts: the numbers each chart shows, and the charts themselves, drawn by matplotlib as SVG.

The numbers come first, as plain values (`pain_data`, `calendar_data`, `dose_data`): the Progress page puts the same
values in the tables beside the charts, so what a screen reader hears is what the chart draws. Drawing is separate
(`pain_svg`, `calendar_svg`, `doses_svg`, `outcome_svg`) and imports matplotlib only when called.

Every color is a CSS variable set inside the SVG, with a `prefers-color-scheme: dark` variant, so one drawing suits
both schemes of the page; each series also differs by marker or line style, so none depends on color alone. The
charts are drawn for a phone (about 400 px wide) and carry no title: the page's heading is the title.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from backcoach.domain.catalogue import Prescription
from backcoach.domain.describe import describe
from backcoach.domain.history import SessionRecord
from backcoach.domain.ladders import Ladder
from backcoach.domain.outcome import OutcomeRecord
from backcoach.domain.progress import ProgressSummary, week_start
from backcoach.domain.timeline import resolve

MARKED_SESSIONS = 120
"""Up to this many sessions (about four months) the pain chart marks each one; beyond, markers on a 390 px phone
would be closer than a pixel apart, and would make the chart a quarter of a megabyte, so it shows the weekly
averages alone (the table and History hold every number)."""

CALENDAR_WEEKS = 26
"""The adherence calendar's longest span: half a year of weeks still leaves cells of about 12 px on a 390 px phone,
where two years would leave 3 px. Older weeks are in the pain chart, which spans the whole history."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PX_PER_INCH = 96
"""A browser draws an SVG's points at 96 px to the inch (matplotlib writes the size in points, 72 to the inch)."""


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


# The numbers: pain around sessions


@dataclass(frozen=True)
class PainWeek:
    """One week's sessions (Monday to Sunday) and their average pains, rounded as the table shows them."""

    start: dt.date
    sessions: int
    before: float
    after: float | None
    morning: float | None
    first: dt.date
    last: dt.date
    """The days of the week's first and last sessions: its average is drawn flat across them."""

    def pain(self, which: str) -> float | None:
        """The average of "before", "after" or "morning"."""
        return {"before": self.before, "after": self.after, "morning": self.morning}[which]


@dataclass(frozen=True)
class PainData:
    sessions: tuple[SessionRecord, ...]
    """Oldest first."""
    weeks: tuple[PainWeek, ...]

    @property
    def first(self) -> dt.date | None:
        return self.sessions[0].date if self.sessions else None

    @property
    def last(self) -> dt.date | None:
        return self.sessions[-1].date if self.sessions else None

    @property
    def marked(self) -> bool:
        """Whether the chart marks each session (see MARKED_SESSIONS)."""
        return len(self.sessions) <= MARKED_SESSIONS

    def words(self) -> str:
        """The chart in a sentence or two."""
        if not self.weeks:
            return "No sessions yet."
        count = len(self.sessions)
        text = f"{count} session{'' if count == 1 else 's'} from {_day(self.sessions[0].date)}"
        text += f" to {_day(self.sessions[-1].date)}." if count > 1 else "."
        parts = []
        for label, which in (("before", "before"), ("after", "after"), ("the next morning", "morning")):
            known = [(w, value) for w in self.weeks if (value := w.pain(which)) is not None]
            if not known:
                continue
            (first, a), (last, b) = known[0], known[-1]
            if first is last:
                parts.append(f"{label} {_points(a)}")
            else:
                parts.append(f"{label} {_points(a)} in the week of {_day(first.start)} and {_points(b)} in the latest")
        return f"{text} Average pain {'; '.join(parts)} (0 no pain, 10 the worst)."


def _session_pain(record: SessionRecord, which: str) -> int | None:
    """A session's pain "before", "after" or the next "morning"."""
    return {"before": record.pain_before, "after": record.pain_after, "morning": record.pain_next_morning}[which]


def _points(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _mean(values: Sequence[int]) -> float | None:
    return round(fmean(values), 1) if values else None


def pain_data(records: Sequence[SessionRecord]) -> PainData:
    ordered = tuple(sorted(records, key=lambda r: r.date))
    by_week: dict[dt.date, list[SessionRecord]] = defaultdict(list)
    for record in ordered:
        by_week[week_start(record.date)].append(record)
    weeks = []
    for start, week in by_week.items():
        before = _mean([r.pain_before for r in week])
        assert before is not None  # a week is there only because a session is
        weeks.append(
            PainWeek(
                start=start,
                sessions=len(week),
                before=before,
                after=_mean([r.pain_after for r in week if r.pain_after is not None]),
                morning=_mean([r.pain_next_morning for r in week if r.pain_next_morning is not None]),
                first=week[0].date,
                last=week[-1].date,
            )
        )
    return PainData(ordered, tuple(weeks))


# The numbers: the days exercised


@dataclass(frozen=True)
class CalendarWeek:
    start: dt.date
    days: tuple[int | None, ...]
    """Sessions on each day, Monday first; None for a day before the first session or after today (not drawn)."""

    @property
    def done(self) -> int:
        return sum(1 for n in self.days if n)

    @property
    def sessions(self) -> int:
        return sum(n or 0 for n in self.days)

    def in_words(self) -> str:
        """The days with a session, with the count when more than one: "Mon, Tue (2), Thu", or "none"."""
        days = [f"{WEEKDAYS[i]}" + (f" ({n})" if n > 1 else "") for i, n in enumerate(self.days) if n]
        return ", ".join(days) or "none"


@dataclass(frozen=True)
class CalendarData:
    weeks: tuple[CalendarWeek, ...]
    today: dt.date
    earlier_sessions: int
    """Sessions before the first week shown."""

    @property
    def days_done(self) -> int:
        return sum(w.done for w in self.weeks)

    @property
    def days_shown(self) -> int:
        return sum(1 for w in self.weeks for n in w.days if n is not None)

    @property
    def sessions(self) -> int:
        return sum(w.sessions for w in self.weeks)

    def words(self) -> str:
        if not self.weeks:
            return "No sessions yet."
        weeks = len(self.weeks)
        span = "this week" if weeks == 1 else f"in the last {weeks} weeks"
        days = "day" if self.days_shown == 1 else "days"
        sessions = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        text = f"Days with a session: {self.days_done} of {self.days_shown} {days} {span} ({sessions})."
        if self.earlier_sessions:
            text += f" {self.earlier_sessions} earlier sessions are in the pain chart above."
        return text


def calendar_data(records: Sequence[SessionRecord], today: dt.date) -> CalendarData:
    """The weeks from the first session's (at most CALENDAR_WEEKS of them) to today's."""
    if not records:
        return CalendarData((), today, 0)
    per_day = Counter(r.date for r in records)
    first_day = min(per_day)
    end = max(today, *per_day)
    last_week = week_start(end)
    first_week = max(week_start(first_day), last_week - dt.timedelta(weeks=CALENDAR_WEEKS - 1))
    weeks = []
    start = first_week
    while start <= last_week:
        days = tuple(
            None if day < first_day or day > end else per_day.get(day, 0)
            for day in (start + dt.timedelta(days=n) for n in range(7))
        )
        weeks.append(CalendarWeek(start, days))
        start += dt.timedelta(weeks=1)
    earlier = sum(n for day, n in per_day.items() if day < first_week)
    return CalendarData(tuple(weeks), today, earlier)


# The numbers: each exercise's dose and rung


@dataclass(frozen=True)
class DosePoint:
    date: dt.date
    rung: str
    repetitions: int
    """The planned dose as one count: repetitions per set times sets (on each side, for a two-sided exercise)."""
    dose: str
    finished: bool


@dataclass(frozen=True)
class DoseRun:
    """Consecutive sessions of one exercise at one rung and one dose: a flat stretch of its line."""

    rung: str
    rung_name: str
    first: dt.date
    last: dt.date
    repetitions: int
    dose: str
    sessions: int
    unfinished: int


@dataclass(frozen=True)
class RungShown:
    """A rung the exercise was done on, and how hard it is among the ladder's rungs: 0 the easiest, 1 the
    hardest (the shade it is drawn with)."""

    id: str
    name: str
    hardness: float


@dataclass(frozen=True)
class ExerciseDoses:
    exercise: str
    name: str
    points: tuple[DosePoint, ...]
    runs: tuple[DoseRun, ...]
    rungs: tuple[RungShown, ...]
    """Every rung it was done on, easiest first."""

    def rung_changes(self) -> int:
        return sum(1 for a, b in zip(self.runs, self.runs[1:], strict=False) if a.rung != b.rung)

    def words(self) -> str:
        latest = self.runs[-1]
        changes = self.rung_changes()
        # The rung is named only where it is not the exercise itself: "Bridge: now Bridge" says nothing.
        now = latest.dose if latest.rung_name == self.name else f"{latest.rung_name}, {latest.dose}"
        text = f"{self.name}: now {now}"
        if changes:
            text += f"; the rung changed {changes} time{'' if changes == 1 else 's'}"
        return text + "."


def repetitions(prescription: Prescription) -> int:
    """A dose as one count: what the guided session asks, repetitions per set times sets."""
    dose = resolve(prescription)
    return (dose.reps or 1) * (dose.sets or 1)


def dose_data(
    records: Sequence[SessionRecord], names: Mapping[str, str], ladders: Mapping[str, Ladder]
) -> list[ExerciseDoses]:
    """Every exercise done, by name, with each time it was done and the runs of one rung and dose."""
    points: dict[str, list[DosePoint]] = defaultdict(list)
    # A history repeats a few doses many times: each is resolved and put in words once.
    doses: dict[Prescription, tuple[int, str]] = {}
    for record in sorted(records, key=lambda r: r.date):
        for item in record.items:
            dose = doses.get(item.prescription)
            if dose is None:
                dose = repetitions(item.prescription), describe(resolve(item.prescription), today=True)
                doses[item.prescription] = dose
            points[item.exercise].append(DosePoint(record.date, item.rung or item.exercise, *dose, item.completed))
    found = []
    for exercise, series in points.items():
        runs: list[DoseRun] = []
        for p in series:
            last = runs[-1] if runs else None
            if last is not None and (last.rung, last.repetitions, last.dose) == (p.rung, p.repetitions, p.dose):
                runs[-1] = DoseRun(
                    last.rung,
                    last.rung_name,
                    last.first,
                    p.date,
                    last.repetitions,
                    last.dose,
                    last.sessions + 1,
                    last.unfinished + (not p.finished),
                )
            else:
                name = names.get(p.rung, p.rung)
                runs.append(DoseRun(p.rung, name, p.date, p.date, p.repetitions, p.dose, 1, int(not p.finished)))
        ladder = ladders.get(exercise)
        order = {rung: index for index, rung in enumerate(ladder.ids if ladder is not None else [exercise])}
        # A rung no longer on the ladder counts as the standard one, as the dose rules count it.
        places = {p.rung: order.get(p.rung, order.get(exercise, 0)) for p in series}
        top = max(len(order) - 1, 1)
        rungs = tuple(RungShown(r, names.get(r, r), places[r] / top) for r in sorted(places, key=places.__getitem__))
        found.append(ExerciseDoses(exercise, names.get(exercise, exercise), tuple(series), tuple(runs), rungs))
    return sorted(found, key=lambda e: e.name.casefold())


# Sizes, shared by the drawing and the page's <img> (so the page keeps its layout while a chart loads)

WIDTH = 4.2
PAIN_SIZE = (WIDTH, 3.3)
OUTCOME_SIZE = (WIDTH, 3.5)
CELL = 0.17
CALENDAR_LEFT = 0.42
CALENDAR_TOP = 0.26
CALENDAR_LEGEND = 0.42
CALENDAR_MIN_WIDTH = 3.7
PANEL_HEIGHT = 1.0
KEY_FONT = 7.5
PANEL_GAP = 0.32
DOSES_LEFT = 0.45
DOSES_TOP = 0.22
STRIP = 0.1
"""The height of a dose panel's rung strip, as a fraction of the panel."""
DOSES_FOOT = 1.0


def calendar_size(data: CalendarData) -> tuple[float, float]:
    grid = CALENDAR_LEFT + max(len(data.weeks), 1) * CELL + 0.1
    return (round(max(grid, CALENDAR_MIN_WIDTH), 2), round(CALENDAR_TOP + 7 * CELL + CALENDAR_LEGEND, 2))


def doses_marked(doses: Sequence[ExerciseDoses]) -> bool:
    """Whether the dose panels mark unfinished sessions: while the pain chart marks sessions too."""
    return max((len(d.points) for d in doses), default=0) <= MARKED_SESSIONS


def doses_size(doses: Sequence[ExerciseDoses]) -> tuple[float, float]:
    """One column of panels: a panel the width of a phone leaves room to name each rung inside it."""
    return (WIDTH, round(max(len(doses), 1) * PANEL_HEIGHT + DOSES_FOOT, 2))


def px(size: tuple[float, float]) -> tuple[int, int]:
    return round(size[0] * PX_PER_INCH), round(size[1] * PX_PER_INCH)


# Drawing

PALETTE: dict[str, tuple[str, str]] = {
    # name: (light, dark). Light colors read on the page's #fbfbf9, dark ones on its #161a1d.
    "text": ("#1d2226", "#eef1f3"),
    "muted": ("#5b6670", "#a9b3bb"),
    "grid": ("#d9dee2", "#3a4249"),
    "before": ("#b5540f", "#ffa657"),
    "after": ("#1f6fc5", "#79b8ff"),
    "morning": ("#7a3db8", "#d2a8ff"),
    "average": ("#1f7a57", "#3fbf8a"),
    "day0": ("#eceff1", "#23292d"),
    "day1": ("#9fd8b8", "#1f6b4b"),
    "day2": ("#3fa877", "#33a877"),
    "day3": ("#17573e", "#8ff0c2"),
    "daytext": ("#ffffff", "#0b1410"),
    "activity1": ("#c2417a", "#ff8cc0"),
    "activity2": ("#8c6d1f", "#e3c36b"),
    "activity3": ("#2a8fa0", "#6fd6e6"),
    "activity4": ("#b5540f", "#ffa657"),
    "activity5": ("#1f6fc5", "#79b8ff"),
    "activity6": ("#7a3db8", "#d2a8ff"),
}
_SENTINELS = {f"#fe{index:04x}": name for index, name in enumerate(PALETTE, 1)}
_SENTINEL_OF = {name: sentinel for sentinel, name in _SENTINELS.items()}
_SENTINEL = re.compile(r"#fe[0-9a-f]{4}\b")
ACTIVITIES = tuple(n for n in PALETTE if n.startswith("activity"))


def c(name: str) -> str:
    """A palette color as matplotlib draws it: a placeholder that `_svg` turns into the CSS variable."""
    return _SENTINEL_OF[name]


def _style() -> str:
    light = ";".join(f"--{name}:{colors[0]}" for name, colors in PALETTE.items())
    dark = ";".join(f"--{name}:{colors[1]}" for name, colors in PALETTE.items())
    return f"<style>:root{{{light}}}@media (prefers-color-scheme: dark){{:root{{{dark}}}}}</style>"


_DRAWING = threading.Lock()


def _light(name: str) -> str:
    return PALETTE[name][0]


@contextmanager
def _drawing(color: Callable[[str], str] = c) -> Iterator[None]:
    """One chart at a time in a process, with the settings every chart shares: matplotlib's settings and font
    cache are global and not safe across threads, and the web app draws in its thread pool."""
    with _DRAWING:
        import matplotlib

        with matplotlib.rc_context(
            {
                "svg.fonttype": "none",  # text stays text: sharp, and colored by the page's scheme
                "svg.hashsalt": "backcoach",  # the same data draws the same bytes
                "font.size": 10,
                "font.family": ["DejaVu Sans", "sans-serif"],
                "axes.edgecolor": color("grid"),
                "axes.labelcolor": color("muted"),
                "axes.facecolor": "none",
                "figure.facecolor": "none",
                "text.color": color("text"),
                "xtick.color": color("muted"),
                "ytick.color": color("muted"),
                "xtick.labelcolor": color("text"),
                "ytick.labelcolor": color("text"),
                "grid.color": color("grid"),
                "legend.frameon": False,
                "legend.fontsize": 9,
                "legend.title_fontsize": 9,
            }
        ):
            yield


def _figure(size: tuple[float, float], **kwargs: Any) -> Any:
    """A figure of its own, outside pyplot's global list of figures (called under `_drawing`'s lock)."""
    from matplotlib.figure import Figure

    return Figure(figsize=size, **kwargs)


def _svg(fig: Any) -> str:
    import io

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = _SENTINEL.sub(lambda m: f"var(--{_SENTINELS[m.group(0)]})", text)
    return text.replace("<defs>", "<defs>\n  " + _style(), 1)


def _spines(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _date_axis(ax: Any, first: dt.date, last: dt.date, most: int) -> None:
    """Dates where there is data: the axis spans the first to the last day with a little room, and ticks fall
    only on days inside that span, labeled as a person writes a date ("21 Nov", or "Mar" for a month, with the
    year on the first label and wherever it changes)."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator

    low, high = _date(first), _date(last)
    span = high - low
    pad = max(0.6, span * 0.04)
    ax.set_xlim(low - pad, high + pad)
    ticks = [low]
    if span >= 1:
        start = dt.datetime.combine(first, dt.time(), dt.UTC)
        end = dt.datetime.combine(last, dt.time(), dt.UTC)
        # At least three ticks of a kind: months rather than years for two years of data, whose "2025, 2026" would
        # say little. A span of days can then fall back to hours, which are filtered out below.
        spacing = {mdates.MONTHLY: most + 2, mdates.DAILY: most}
        locator = mdates.AutoDateLocator(minticks=3, maxticks=spacing, interval_multiples=True)  # type: ignore[no-untyped-call]
        values = locator.tick_values(start, end)  # type: ignore[no-untyped-call]
        # Whole days only: a short span would otherwise get hourly ticks.
        found = [float(t) for t in values if low <= t <= high and float(t).is_integer()]
        ticks = found or [low, high]
    days = [EPOCH + dt.timedelta(days=round(t)) for t in ticks]
    months = len(days) > 1 and span > 45 and all(d.day == 1 for d in days)
    years = months and all(d.month == 1 for d in days)
    labels = []
    for index, d in enumerate(days):
        new_year = index == 0 or d.year != days[index - 1].year
        if years:
            labels.append(str(d.year))
        elif months:
            labels.append(f"{d:%b}" + (f"\n{d.year}" if new_year else ""))
        else:
            labels.append(f"{d.day} {d:%b}" + (f"\n{d.year}" if new_year else ""))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, labels)


EPOCH = dt.date(1970, 1, 1)
"""Day 0 of matplotlib's date axis (its default epoch, which backcoach never changes)."""


def _date(day: dt.date) -> float:
    return float((day - EPOCH).days)


def _empty(ax: Any, words: str, color: Callable[[str], str] = c) -> None:
    ax.text(0.5, 0.5, words, ha="center", va="center", transform=ax.transAxes, color=color("muted"))
    ax.set_xticks([])


def pain_svg(data: PainData) -> str:
    """Pain before, after and the next morning: a line for each week's average, and a small marker for each session
    up to MARKED_SESSIONS of them."""
    series: tuple[tuple[str, str, str, Any], ...] = (
        ("before", "before", "o", "-"),
        ("after", "after", "^", "--"),
        ("morning", "next morning", "s", ":"),
    )
    with _drawing():
        from matplotlib.lines import Line2D
        from matplotlib.ticker import MultipleLocator

        fig = _figure(PAIN_SIZE, layout="constrained")
        ax = fig.add_subplot()
        _spines(ax)
        ax.set_ylim(-0.5, 10.5)
        ax.yaxis.set_major_locator(MultipleLocator(2))
        ax.set_ylabel("pain (0 to 10)")
        ax.grid(axis="y", alpha=0.6)
        if data.first is None or data.last is None:
            _empty(ax, "No sessions yet")
            return _svg(fig)
        many = len(data.sessions) > 40
        marked = data.marked
        low, high = _date(data.first), _date(data.last)
        # Each series' markers a little to one side, so that equal pains on one day do not hide each other.
        dodge = min((high - low + 1.2) * 0.025, 0.3)
        handles = []
        for offset, (color, label, marker, style) in zip((-dodge, 0, dodge), series, strict=True):
            values = [(_date(r.date) + offset, _session_pain(r, color)) for r in data.sessions]
            points = [(x, y) for x, y in values if y is not None]
            if marked:
                ax.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    linestyle="none",
                    marker=marker,
                    markersize=2.5 if many else 5,
                    alpha=0.3 if many else 0.9,
                    markeredgewidth=0,
                    color=c(color),
                )
            # A few weeks: each week's average flat across the days of its sessions, so that a week alone still
            # shows. Many: one point in the middle of them, which keeps two years of weeks a line, not a staircase.
            weekly = [
                (x, value)
                for w in data.weeks
                if (value := w.pain(color)) is not None
                for x in (
                    (_date(w.first) - 0.4, _date(w.last) + 0.4) if marked else ((_date(w.first) + _date(w.last)) / 2,)
                )
            ]
            (line,) = ax.plot(
                [x for x, _ in weekly],
                [y for _, y in weekly],
                linestyle=style,
                linewidth=1.6 if many else 2,
                color=c(color),
            )
            line.set_gid(f"weekly-{color}")
            handles.append(
                Line2D([], [], color=c(color), marker=marker if marked else "none", linestyle=style, label=label)
            )
        _date_axis(ax, data.first, data.last, 5)
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=3,
            title="markers: each session · lines: weekly average" if marked else "lines: weekly average",
            handlelength=2.6,
        )
        return _svg(fig)


def calendar_svg(data: CalendarData) -> str:
    """Days exercised, like a contribution graph: a column per week, a row per weekday (Monday at the top), each
    day darker the more sessions it had, with the count written in days of two or more."""
    width, height = calendar_size(data)
    with _drawing():
        from matplotlib.patches import Patch, Rectangle

        fig = _figure((width, height))
        weeks = max(len(data.weeks), 1)
        ax = fig.add_axes(
            (
                CALENDAR_LEFT / width,
                CALENDAR_LEGEND / height,
                weeks * CELL / width,
                7 * CELL / height,
            )
        )
        ax.set_xlim(0, weeks)
        ax.set_ylim(7, 0)
        ax.set_axis_off()
        gap = 0.12
        for column, week in enumerate(data.weeks):
            for row, count in enumerate(week.days):
                if count is None:
                    continue
                level = min(count, 3)
                today = week.start + dt.timedelta(days=row) == data.today
                ax.add_patch(
                    Rectangle(
                        (column + gap / 2, row + gap / 2),
                        1 - gap,
                        1 - gap,
                        facecolor=c(f"day{level}"),
                        edgecolor=c("text") if today else "none",
                        linewidth=1.3 if today else 0,
                    )
                )
                if count >= 2:
                    ax.text(
                        column + 0.5,
                        row + 0.55,
                        str(count),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=c("daytext"),
                    )
        for row in (0, 2, 4):
            ax.text(-0.25, row + 0.5, WEEKDAYS[row], ha="right", va="center", fontsize=9, color=c("muted"))
        for column, day in _month_labels(data.weeks):
            ax.text(column, -0.35, day, ha="left", va="bottom", fontsize=9, color=c("muted"))
        handles = [
            Patch(facecolor=c("day0"), label="no session"),
            Patch(facecolor=c("day1"), label="1"),
            Patch(facecolor=c("day2"), label="2"),
            Patch(facecolor=c("day3"), label="3 or more"),
            Patch(facecolor="none", edgecolor=c("text"), linewidth=1.3, label="today"),
        ]
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.01, 0.0),
            ncols=5,
            handlelength=1.0,
            handleheight=1.0,
            handletextpad=0.4,
            columnspacing=0.8,
            fontsize=8.5,
        )
        return _svg(fig)


def _month_labels(weeks: Sequence[CalendarWeek]) -> list[tuple[int, str]]:
    """A month's name above the week it starts in, and one over the first week; the year on the first and on
    January. Labels closer than three weeks would overlap, so the first week's gives way to a month's start."""
    found: list[tuple[int, dt.date]] = []
    for column, week in enumerate(weeks):
        starts = [week.start + dt.timedelta(days=n) for n in range(7) if (week.start + dt.timedelta(days=n)).day == 1]
        if starts:
            if found and column - found[-1][0] < 3:
                if found[-1][0] != 0:
                    continue
                found.pop()
            found.append((column, starts[0]))
        elif column == 0:
            found.append((0, week.start))
    return [
        (column, f"{day:%b}" + (f" {day.year}" if index == 0 or day.month == 1 else ""))
        for index, (column, day) in enumerate(found)
    ]


def doses_svg(doses: Sequence[ExerciseDoses]) -> str:
    """Small multiples: a panel per exercise on one shared date axis, each with its dose as a count over time, a
    cross where it was not finished, and its rung as the shade behind the line (stronger for a harder rung), named
    in the panel's key.

    A shade rather than a line at each change: at the top of a ladder a flare steps down a rung and the next good
    days step back up, so two years can hold dozens of changes, which lines and labels would bury."""
    size = doses_size(doses)
    with _drawing():
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator

        fig = _figure(size)
        # Placed by hand: the panels are regular, and constrained layout would double the time at two years.
        height = size[1] - DOSES_TOP - DOSES_FOOT
        panels = max(len(doses), 1)
        axes_height = (height - (panels - 1) * PANEL_GAP) / panels
        grid = fig.subplots(
            panels,
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw={
                "left": DOSES_LEFT / size[0],
                "right": 1 - 0.12 / size[0],
                "top": 1 - DOSES_TOP / size[1],
                "bottom": DOSES_FOOT / size[1],
                "hspace": PANEL_GAP / axes_height,
            },
        )
        if not doses:
            _empty(grid[0][0], "No exercises yet")
            return _svg(fig)
        first = min(p.date for d in doses for p in d.points)
        last = max(p.date for d in doses for p in d.points)
        high = _date(last)
        end = high + max(0.6, (high - _date(first)) * 0.04)
        many = max(len(d.points) for d in doses) > 40
        # Crosses for unfinished sessions only while the pain chart marks sessions too; the table counts them all.
        marked = doses_marked(doses)
        panel_width = (size[0] - DOSES_LEFT - 0.12) * 72
        for (ax,), exercise in zip(grid, doses, strict=True):
            _spines(ax)
            ax.set_title(exercise.name, loc="left", fontsize=9, fontweight="bold", color=c("text"), pad=2)
            shade = {r.id: 0.25 + 0.65 * r.hardness for r in exercise.rungs}
            # The rung as a strip along the bottom of the panel, under the line: one shape per rung.
            spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
            edges = [_date(run.first) for run in exercise.runs[1:]] + [end]
            start = _date(exercise.runs[0].first) - max(0.6, (high - _date(first)) * 0.04)
            previous = None
            for run, stop in zip(exercise.runs, edges, strict=True):
                if run.rung == previous:
                    begin, _ = spans[run.rung][-1]
                    spans[run.rung][-1] = (begin, stop - begin)
                else:
                    spans[run.rung].append((start, stop - start))
                start, previous = stop, run.rung
            for rung, ranges in spans.items():
                ax.broken_barh(
                    ranges,
                    (0, STRIP),
                    transform=ax.get_xaxis_transform(),
                    facecolor=c("muted"),
                    alpha=shade[rung],
                    linewidth=0,
                )
            xs = [_date(p.date) for p in exercise.points]
            ys = [p.repetitions for p in exercise.points]
            # The key on one line when it fits the panel (DejaVu Sans averages about 0.57 em a character), else two.
            key_width = sum(len(r.name) * KEY_FONT * 0.57 + 20 for r in exercise.rungs)
            key_columns = len(exercise.rungs) if key_width <= panel_width else -(-len(exercise.rungs) // 2)
            # Room above the line for the key, and below zero for the strip.
            top = max(ys) * (1.6 if key_columns == len(exercise.rungs) else 2.3) + 1
            ax.set_ylim(-top * STRIP * 1.6, top)
            ticks = MaxNLocator(nbins=2, integer=True, min_n_ticks=2).tick_values(0, max(ys))
            ax.set_yticks([t for t in ticks if 0 <= t <= top])
            ax.spines["bottom"].set_visible(False)
            ax.tick_params(labelsize=8)
            # The line changes only where a run of one dose ends: drawn from the runs, not from every session.
            steps = [(_date(run.first), run.repetitions) for run in exercise.runs] + [(high, ys[-1])]
            ax.step([x for x, _ in steps], [y for _, y in steps], where="post", color=c("after"), linewidth=1.8)
            if not many:
                ax.plot(xs, ys, linestyle="none", marker="o", markersize=3.5, color=c("after"))
            missed = [(x, y) for x, y, p in zip(xs, ys, exercise.points, strict=True) if not p.finished]
            if missed and marked:
                ax.plot(
                    [x for x, _ in missed],
                    [y for _, y in missed],
                    linestyle="none",
                    marker="x",
                    markersize=3.5 if many else 6,
                    markeredgewidth=1.2,
                    color=c("before"),
                )
            key = [
                Patch(facecolor=c("muted"), alpha=shade[r.id], edgecolor="none", label=r.name) for r in exercise.rungs
            ]
            ax.legend(
                handles=key,
                loc="upper left",
                ncols=key_columns,
                fontsize=KEY_FONT,
                handlelength=1.0,
                handleheight=1.0,
                handletextpad=0.35,
                columnspacing=0.9,
                borderaxespad=0.2,
                borderpad=0.1,
            )
        _date_axis(grid[0][0], first, last, 5)
        handles = [
            Line2D([], [], color=c("after"), linewidth=1.8, label="repetitions per session (sets × repetitions)"),
            *(
                [
                    Line2D(
                        [],
                        [],
                        color=c("before"),
                        linestyle="none",
                        marker="x",
                        markeredgewidth=1.3,
                        label="not finished",
                    )
                ]
                if marked
                else []
            ),
            Patch(
                facecolor=c("muted"), alpha=0.6, label="the rung, along the bottom: a stronger shade is a harder one"
            ),
        ]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=1, fontsize=8)
        return _svg(fig)


def outcome_svg(records: Sequence[OutcomeRecord]) -> str:
    """The weekly check: each activity's score and the average over time, with the band of measurement noise
    around the average the comparisons start from."""
    from backcoach.domain.outcome import MDC_AVERAGE, activity_key, summarise

    ordered = sorted(records, key=lambda r: r.date)
    with _drawing():
        from matplotlib.ticker import MultipleLocator

        fig = _figure(OUTCOME_SIZE, layout="constrained")
        ax = fig.add_subplot()
        _spines(ax)
        ax.set_ylim(-0.5, 10.5)
        ax.yaxis.set_major_locator(MultipleLocator(2))
        ax.set_ylabel("0 unable to 10 as before")
        ax.grid(axis="y", alpha=0.6)
        if not ordered:
            _empty(ax, "No weekly check yet")
            return _svg(fig)
        names: dict[str, str] = {}
        for record in ordered:
            for a in record.activities:
                names[activity_key(a.activity)] = a.activity
        markers = ("o", "^", "D", "v", "P", "X")
        styles = ("--", ":", "-.")
        many = len(ordered) > 26
        # Each activity's markers a little to one side, as the pain chart's, so equal scores do not hide each other.
        dodge = min((_date(ordered[-1].date) - _date(ordered[0].date) + 1.2) * 0.02, 0.5)
        for index, (key, name) in enumerate(names.items()):
            color = c(ACTIVITIES[index % len(ACTIVITIES)])
            offset = (index - (len(names) - 1) / 2) * dodge
            # One line per unbroken run: a line across the weeks an activity was dropped would invent scores.
            runs: list[list[tuple[float, int]]] = [[]]
            for record in ordered:
                score = record.score_of(key)
                if score is None:
                    if runs[-1]:
                        runs.append([])
                    continue
                runs[-1].append((_date(record.date) + offset, score))
            for number, run in enumerate(r for r in runs if r):
                ax.plot(
                    [d for d, _ in run],
                    [s for _, s in run],
                    marker="none" if many else markers[index % len(markers)],
                    linestyle=styles[index % len(styles)],
                    linewidth=1.2,
                    markersize=5,
                    color=color,
                    label=None if number else name,
                )
        ax.plot(
            [_date(r.date) for r in ordered],
            [r.average for r in ordered],
            marker="none" if many else "s",
            linestyle="-",
            color=c("average"),
            linewidth=3,
            label="average",
        )
        change = summarise(ordered, ordered[-1].date).average_change
        if change is not None:
            band = {
                "color": c("muted"),
                "alpha": 0.18,
                "label": f"within {MDC_AVERAGE} points of the starting average (noise)",
            }
            low, high = change.first - MDC_AVERAGE, change.first + MDC_AVERAGE
            if change.since < ordered[-1].date:
                ax.fill_between([_date(change.since), _date(ordered[-1].date)], low, high, linewidth=0, **band)
            else:
                ax.axhspan(low, high, linewidth=0, **band)
        _date_axis(ax, ordered[0].date, ordered[-1].date, 5)
        fig.legend(loc="outside lower left", ncols=1, fontsize=8)
        return _svg(fig)


def progress_chart(records: Sequence[SessionRecord], summary: ProgressSummary, path: Path) -> None:
    """Pain around each session over time, and sessions per week with the current streak, as one PNG (the
    command line's `progress --chart`), in the light colors. Written atomically."""
    data = pain_data(records)
    with _drawing(_light):
        from matplotlib.ticker import MaxNLocator, MultipleLocator

        fig = _figure((9, 7), layout="constrained", facecolor="white")
        pain_ax, week_ax = fig.subplots(2, 1, height_ratios=(3, 2))
        fig.suptitle("backcoach progress", fontsize=14, fontweight="bold")
        pain_ax.set_title("Pain around each session")
        pain_ax.set_ylim(-0.5, 10.5)
        pain_ax.yaxis.set_major_locator(MultipleLocator(2))
        pain_ax.set_ylabel("pain (0 to 10)")
        pain_ax.grid(alpha=0.6)
        if data.first is not None and data.last is not None:
            for color, label, marker in (
                ("before", "before the session", "o-"),
                ("after", "after the session", "^--"),
                ("morning", "next morning", "s:"),
            ):
                values = [(_date(r.date), _session_pain(r, color)) for r in data.sessions]
                points = [(x, y) for x, y in values if y is not None]
                if points:
                    pain_ax.plot(
                        [x for x, _ in points], [y for _, y in points], marker, color=_light(color), label=label
                    )
            _date_axis(pain_ax, data.first, data.last, 8)
            pain_ax.legend(loc="upper right")
        else:
            _empty(pain_ax, "No sessions yet", _light)
        weeks = summary.sessions_per_week
        week_ax.bar(
            [f"{w.week_start.day} {w.week_start:%b}" for w in weeks],
            [w.sessions for w in weeks],
            color=_light("average"),
        )
        week_ax.set_title(f"Sessions per week (current streak: {summary.streak_days} days)")
        week_ax.set_ylabel("sessions")
        week_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        week_ax.grid(axis="y", alpha=0.6)
        week_ax.set_axisbelow(True)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.png")
        fig.savefig(partial, dpi=110, format="png")
        partial.replace(path)
