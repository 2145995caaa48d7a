"""Progress charts with matplotlib (Agg, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backcoach.domain.history import SessionRecord
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
