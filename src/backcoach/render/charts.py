"""Progress charts with matplotlib (Agg, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
