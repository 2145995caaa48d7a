"""Progress charts with matplotlib (Agg, no display needed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backcoach.domain.history import SessionRecord
from backcoach.domain.outcome import OutcomeRecord
from backcoach.domain.progress import ProgressSummary


def progress_chart(records: Sequence[SessionRecord], summary: ProgressSummary, path: Path) -> None:
    """Pain around each session over time, and sessions per week with the current streak. Written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    ordered = sorted(records, key=lambda r: r.date)
    fig, (pain_ax, week_ax) = plt.subplots(2, 1, figsize=(9, 7), height_ratios=(3, 2), layout="constrained")
    fig.suptitle("backcoach progress", fontsize=14, fontweight="bold")

    dates = [r.date for r in ordered]
    pain_ax.plot(dates, [r.pain_before for r in ordered], "o-", color="#d9822b", label="before the session")
    after = [(r.date, r.pain_after) for r in ordered if r.pain_after is not None]
    if after:
        pain_ax.plot([d for d, _ in after], [p for _, p in after], "o-", color="#2b7bd9", label="after the session")
    morning = [(r.date, r.pain_next_morning) for r in ordered if r.pain_next_morning is not None]
    if morning:
        pain_ax.plot([d for d, _ in morning], [p for _, p in morning], "s--", color="#7a3db8", label="next morning")
    pain_ax.set_ylim(-0.5, 10.5)
    pain_ax.set_ylabel("pain (0 to 10)")
    pain_ax.set_title("Pain around each session")
    pain_ax.grid(alpha=0.3)
    if ordered:
        pain_ax.legend(loc="upper right", frameon=False)
    else:
        pain_ax.text(0.5, 0.5, "No sessions yet", ha="center", va="center", transform=pain_ax.transAxes)
    pain_ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    pain_ax.tick_params(axis="x", labelrotation=30)

    weeks = summary.sessions_per_week
    week_ax.bar([w.week_start.strftime("%d %b") for w in weeks], [w.sessions for w in weeks], color="#3a9d6e")
    week_ax.set_title(f"Sessions per week (current streak: {summary.streak_days} days)")
    week_ax.set_ylabel("sessions")
    week_ax.yaxis.get_major_locator().set_params(integer=True)
    week_ax.grid(axis="y", alpha=0.3)

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.png")
    fig.savefig(partial, dpi=110)
    plt.close(fig)
    partial.replace(path)


def _svg(fig: Any) -> str:
    import io

    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", transparent=True)
    plt.close(fig)
    return buffer.getvalue()


def _axes(height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.size": 11,
            "text.color": "#5b6670",
            "axes.labelcolor": "#5b6670",
            "xtick.color": "#5b6670",
            "ytick.color": "#5b6670",
            "axes.edgecolor": "#8c8c8c",
        }
    )
    fig, ax = plt.subplots(figsize=(7.5, height), layout="constrained")
    ax.grid(alpha=0.3)
    return fig, ax


def pain_svg(records: Sequence[SessionRecord]) -> str:
    """Pain before, after and the next morning, session by session."""
    import matplotlib.dates as mdates

    fig, ax = _axes()
    ordered = sorted(records, key=lambda r: r.date)
    if not ordered:
        ax.text(0.5, 0.5, "No sessions yet", ha="center", va="center", transform=ax.transAxes)
    dates = [r.date for r in ordered]
    ax.plot(dates, [r.pain_before for r in ordered], "o-", color="#d9822b", label="before")
    after = [(r.date, r.pain_after) for r in ordered if r.pain_after is not None]
    ax.plot([d for d, _ in after], [p for _, p in after], "o-", color="#2b7bd9", label="after")
    morning = [(r.date, r.pain_next_morning) for r in ordered if r.pain_next_morning is not None]
    ax.plot([d for d, _ in morning], [p for _, p in morning], "s--", color="#7a3db8", label="next morning")
    ax.set_ylim(-0.5, 10.5)
    ax.set_ylabel("pain (0 to 10)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    if ordered:
        ax.legend(loc="upper right", frameon=False, ncols=3)
    return _svg(fig)


def weeks_svg(summary: ProgressSummary) -> str:
    fig, ax = _axes(2.6)
    weeks = summary.sessions_per_week
    ax.bar([w.week_start.strftime("%d %b") for w in weeks], [w.sessions for w in weeks], color="#3a9d6e")
    ax.set_ylabel("sessions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Current streak: {summary.streak_days} day{'s' if summary.streak_days != 1 else ''}", loc="left")
    return _svg(fig)


def dose_svg(records: Sequence[SessionRecord], exercise: str, name: str) -> str:
    """Repetitions done (and planned) of one exercise, session by session."""
    import matplotlib.dates as mdates

    fig, ax = _axes(2.4)
    points = [
        (r.date, item.completed_reps, item.prescription.reps)
        for r in sorted(records, key=lambda r: r.date)
        for item in r.items
        if item.exercise == exercise
    ]
    ax.plot([d for d, _, _ in points], [done for _, done, _ in points], "o-", color="#e8663c", label="done")
    planned = [(d, p) for d, _, p in points if p is not None]
    ax.plot([d for d, _ in planned], [p for _, p in planned], ":", color="#8c8c8c", label="planned")
    ax.set_ylabel("repetitions")
    ax.set_title(name, loc="left")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", frameon=False, ncols=2)
    return _svg(fig)


OUTCOME_COLORS = ("#d9822b", "#2b7bd9", "#7a3db8", "#c2417a", "#8c6d1f", "#2aa1b3")
AVERAGE_COLOR = "#3a9d6e"


def outcome_svg(records: Sequence[OutcomeRecord]) -> str:
    """The weekly check: each activity's score and the average over time, with the band of measurement noise
    around the average the comparisons start from."""
    import matplotlib.dates as mdates

    from backcoach.domain.outcome import MDC_AVERAGE, activity_key, summarise

    fig, ax = _axes(3.4)
    ordered = sorted(records, key=lambda r: r.date)
    if not ordered:
        ax.text(0.5, 0.5, "No weekly check yet", ha="center", va="center", transform=ax.transAxes)
    names: dict[str, str] = {}
    for record in ordered:
        for a in record.activities:
            names[activity_key(a.activity)] = a.activity
    for index, (key, name) in enumerate(names.items()):
        color = OUTCOME_COLORS[index % len(OUTCOME_COLORS)]
        # One line per unbroken run: a line across the weeks an activity was dropped would invent scores.
        runs: list[list[tuple[Any, int]]] = [[]]
        for record in ordered:
            score = record.score_of(key)
            if score is None:
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append((record.date, score))
        for number, run in enumerate(r for r in runs if r):
            ax.plot(
                [d for d, _ in run], [s for _, s in run], "o-", color=color, alpha=0.8, label=None if number else name
            )
    if ordered:
        ax.plot(
            [r.date for r in ordered],
            [r.average for r in ordered],
            "s-",
            color=AVERAGE_COLOR,
            linewidth=3,
            label="average",
        )
        change = summarise(ordered, ordered[-1].date).average_change
        if change is not None:
            band = {
                "color": "#8c8c8c",
                "alpha": 0.15,
                "label": f"within {MDC_AVERAGE} points of the starting average (noise)",
            }
            low, high = change.first - MDC_AVERAGE, change.first + MDC_AVERAGE
            if change.since < ordered[-1].date:
                ax.fill_between([change.since, ordered[-1].date], low, high, linewidth=0, **band)
            else:
                ax.axhspan(low, high, **band)
        # A few days either side, so that one check is not drawn alone in the middle of a span of years.
        pad = dt.timedelta(days=3)
        ax.set_xlim(ordered[0].date - pad, ordered[-1].date + pad)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False, ncols=2, fontsize=9)
    ax.set_ylim(-0.5, 10.5)
    ax.set_ylabel("0 unable to 10 as before")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    return _svg(fig)
