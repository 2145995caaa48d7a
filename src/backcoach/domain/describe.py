"""Plain-language descriptions of doses, shared by the CLI, the web pages and the handouts."""

from __future__ import annotations

from backcoach.domain.catalogue import Prescription


def span(low: int | None, high: int | None, unit: str = "") -> str | None:
    """A count or a range as the article gives it ("3 to 5", "up to 15 s", "10"), or None when neither is given."""
    if low is None and high is None:
        return None
    if low is None:
        return f"up to {high}{unit}"
    if high is None or high == low:
        return f"{low}{unit}"
    return f"{low} to {high}{unit}"


_TIMES = {1: "once a day", 2: "twice a day", 3: "three times a day"}


def describe(p: Prescription, *, today: bool = False) -> str:
    """E.g. "3 to 5 repetitions on each side, holding 10 s, twice a day".

    With `today`, a planned dose: the count and hold to do now, without the article's upper ends or frequency.
    """
    if today:
        p = p.model_copy(update={"reps_max": None, "hold_s_max": None, "times_per_day": None})
    parts = []
    reps = span(p.reps, p.reps_max)
    if reps is not None:
        text = f"{reps} repetition{'' if reps == '1' else 's'}"
        if p.sets and p.sets > 1:
            text = f"{p.sets} sets of {reps}"
        if p.per_side:
            text += " on each side"
        elif p.alternating:
            text += ", alternating sides"
        parts.append(text)
    else:
        if p.sets and p.sets > 1:
            parts.append(f"{p.sets} sets")
        if p.per_side:
            parts.append("on each side")
        elif p.alternating:
            parts.append("alternating sides")
    hold = span(p.hold_s, p.hold_s_max, " s")
    if hold is not None:
        positions = p.holds_per_rep or 1
        parts.append(f"holding {hold}" + (f" in each of {positions} positions" if positions > 1 else ""))
    if p.rest_s:
        parts.append(f"{p.rest_s} s rest between sets")
    if p.times_per_day:
        parts.append(_TIMES.get(p.times_per_day, f"{p.times_per_day} times a day"))
    if p.target_reps:
        parts.append(f"building up to {p.target_reps}")
    return ", ".join(parts) if parts else "no dose given"
