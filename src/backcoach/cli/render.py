"""Rich renderings of the catalogue, programs and plans for the terminal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backcoach.domain.catalogue import Article, Exercise
from backcoach.domain.describe import describe
from backcoach.domain.history import SessionItem, StoredSession, camera_words
from backcoach.domain.ladders import Ladder
from backcoach.domain.planner import Plan
from backcoach.domain.programs import Program
from backcoach.domain.progress import ProgressSummary
from backcoach.domain.screening import ScreenResult

NOT_ADVICE = "backcoach is not medical advice. Stop any exercise that makes your pain worse."


def _minutes(seconds: int) -> str:
    m, s = divmod(seconds, 60)
    return f"{m}:{s:02d}"


def _bullets(items: Iterable[str], numbered: bool = False) -> Table:
    """A list whose wrapped lines hang under the text, not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for i, item in enumerate(items, 1):
        grid.add_row(f"{i}." if numbered else "•", item)
    return grid


def exercise_card(
    e: Exercise, articles: Mapping[str, Article], figure: str | None = None, ladder: Ladder | None = None
) -> Panel:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Works", ", ".join(t.replace("-", " ") for t in e.targets) + f"  ({', '.join(e.muscles)})")
    facts.add_row("Type", f"{e.category}, {e.position_words}{', on the floor' if e.floor else ''}")
    facts.add_row("Level", e.level_words)
    facts.add_row("Equipment", ", ".join(e.equipment) or ("a mat" if e.floor else "none"))
    if e.aliases:
        facts.add_row("Also called", ", ".join(e.aliases))
    facts.add_row("Dose", describe(e.prescription))
    if figure:
        facts.add_row("Figure", Text(figure, style=f"link {figure}", overflow="fold"))
    parts: list[RenderableType] = [facts, Text("")]
    parts += [Text("Why", style="bold underline"), _bullets(e.benefits)]
    parts += [Text("How", style="bold underline"), _bullets(e.steps, numbered=True)]
    parts += [Text("Form cues", style="bold underline"), _bullets(e.cues)]
    if e.cautions:
        parts += [Text("Take care", style="bold underline"), _bullets(e.cautions)]
    if ladder is not None:
        parts += [
            Text("Its ladder, easier to harder", style="bold underline"),
            _bullets(
                f"{r.name}{' (the usual version)' if r.id == e.id else ''}: {r.change} "
                f"From {describe(r.start, today=True)} up to {describe(r.top)}."
                for r in ladder.rungs
            ),
        ]
    if e.variations:
        parts += [
            Text("Variations", style="bold underline"),
            _bullets(f"{v.name} ({v.direction}): {v.description}" for v in e.variations),
        ]
    sources = Table.grid(padding=(0, 1))
    sources.add_column(no_wrap=True)
    sources.add_column()
    for s in e.sources:
        detail = Text()
        detail.append(f"{_cite(s.file, articles)}\n", style="italic")
        detail.append(f"Dose: {describe(s.prescription)}")
        for note in s.notes:
            detail.append(f"\n{note}", style="dim")
        sources.add_row("•", detail)
    parts += [Text("Sources", style="bold underline"), sources]
    parts += [Text(f"Why this dose: {e.prescription_reason}", style="italic"), Text(NOT_ADVICE, style="dim")]
    return Panel(Group(*parts), title=f"[bold]{e.name}[/bold]  [dim]{e.id}[/dim]", title_align="left")


def _article(file: str, articles: Mapping[str, Article] | None) -> Article | None:
    if articles is None:
        from backcoach import content

        articles = content.catalogue().articles
    return articles.get(file)


def _cite(file: str, articles: Mapping[str, Article] | None = None) -> str:
    """An article as a person reads it: title and publisher, never its file name."""
    article = _article(file, articles)
    return article.cite if article is not None else "an article backcoach does not know"


def _publisher(file: str, articles: Mapping[str, Article] | None = None) -> str:
    article = _article(file, articles)
    return article.publisher if article is not None else "-"


def program_table(programs: Iterable[Program], articles: Mapping[str, Article] | None = None) -> Table:
    table = Table(
        title="Programs, one per source article (backcoach program ID for details)",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title and publisher", min_width=24)
    table.add_column("items", justify="right")
    table.add_column("min/day")
    for p in programs:
        minutes = f"{p.minutes_per_day.min}-{p.minutes_per_day.max}" if p.minutes_per_day else "-"
        title = Text(p.title)
        title.append(f"\n{_publisher(p.source_file, articles)}", style="dim")
        table.add_row(p.id, title, str(len(p.items)), minutes)
    return table


def program_card(p: Program, names: Mapping[str, str], articles: Mapping[str, Article] | None = None) -> Panel:
    table = Table(header_style="bold", expand=True)
    table.add_column("#", justify="right")
    table.add_column("stage")
    table.add_column("exercise")
    table.add_column("the article's dose")
    for i, item in enumerate(p.items, 1):
        table.add_row(str(i), item.stage, names.get(item.exercise, item.exercise), describe(item.prescription))
    head = Text()
    head.append(p.summary + "\n")
    head.append(f"From {_cite(p.source_file, articles)}\n", style="cyan")
    if p.minutes_per_day:
        head.append(f"{p.minutes_per_day.min} to {p.minutes_per_day.max} minutes a day")
    if p.sessions_per_day:
        head.append(f", {p.sessions_per_day.min} to {p.sessions_per_day.max} times a day")
    parts: list[RenderableType] = [head, table]
    if p.notes:
        parts += [Text("Safety notes", style="bold underline"), _bullets(p.notes)]
    parts.append(Text(NOT_ADVICE, style="dim"))
    return Panel(Group(*parts), title=f"[bold]{p.title}[/bold]  [dim]{p.id}[/dim]", title_align="left")


def plan_view(plan: Plan, program: Sequence[str] = (), follows: bool = False) -> Group:
    """The plan as a table with its cautions. `program` lines (which clinician's program, who prescribed it, their
    note) come first; when the plan `follows` that program they replace its first caution, which says the same.
    A clinician's words are shown as typed: escaped, so brackets in a note are never read as markup."""
    table = Table(
        title=f"Today's plan: {plan.minutes} minutes, {plan.level}",
        title_justify="left",
        header_style="bold",
        expand=True,
    )
    table.add_column("#", justify="right")
    table.add_column("exercise")
    table.add_column("dose")
    table.add_column("time", justify="right")
    for i, item in enumerate(plan.items, 1):
        dose = Text(describe(item.prescription, today=True))
        if item.note:
            dose.append(f"\n{item.note}", style="dim")
        table.add_row(str(i), f"{item.name}\n[dim]{item.exercise}[/dim]", dose, _minutes(item.estimated_duration_s))
    total = Text(f"Estimated time: {_minutes(plan.estimated_duration_s)} of {plan.minutes}:00", style="bold")
    cautions = Text("Before you start", style="bold underline")
    parts: list[RenderableType] = []
    if program:
        parts += [Text(program[0], style="bold"), *(Text(line) for line in program[1:]), Text("")]
    shown = plan.cautions[1:] if follows else plan.cautions
    parts += [table, total, Text(""), cautions, _bullets(escape(c) for c in shown)]
    if plan.excluded:
        parts += [
            Text(""),
            Text("Left out", style="bold underline"),
            _bullets(escape(f"{e.name}: {e.reason}.") for e in plan.excluded),
        ]
    return Group(*parts)


_CLEARANCE_STYLE = {
    "clear": "bold green",
    "check-first": "bold yellow",
    "see-doctor": "bold red",
    "urgent": "bold white on dark_orange3",
    "emergency": "bold white on red",
}


def screen_view(result: ScreenResult) -> Panel:
    parts: list[RenderableType] = []
    if result.when:
        parts.append(Text(f"When: {result.when}", style="bold"))
    if result.reasons:
        parts += [Text("Why", style="bold underline"), _bullets(r.message for r in result.reasons)]
    if result.exclusions:
        parts += [
            Text("Left out of your plans", style="bold underline"),
            _bullets(f"{e.name}: {e.reason}." for e in result.exclusions),
        ]
    parts.append(Text(result.advice))
    return Panel(
        Group(*parts),
        title=Text(result.label, style=_CLEARANCE_STYLE[result.clearance]),
        title_align="left",
        border_style=_CLEARANCE_STYLE[result.clearance].split()[-1],
    )


def _item_done(item: SessionItem, names: Mapping[str, str]) -> str:
    """How it felt, and what the camera measured when it was on: "Bridge (right; camera counted 44 of 45)"."""
    notes = [item.difficulty, *filter(None, [camera_words(item)])]
    return f"{names.get(item.rung or item.exercise, item.exercise)} ({'; '.join(notes)})"


def history_table(stored: Sequence[StoredSession], names: Mapping[str, str]) -> RenderableType:
    """Every session, oldest first; `names` gives each exercise's and rung's display name by id."""
    if not stored:
        return Text("No sessions yet. Start one with `backcoach start`, or record one with `backcoach log`.")
    table = Table(title="Your sessions", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("id", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("pain before → after", justify="center")
    table.add_column("next morning", justify="center")
    table.add_column("exercises")
    for s in sorted(stored, key=lambda s: (s.record.date, s.id)):
        r = s.record
        done = ", ".join(_item_done(i, names) for i in r.items)
        after = "-" if r.pain_after is None else str(r.pain_after)
        table.add_row(
            str(s.id),
            r.date.isoformat() + (" (partial)" if r.partial else ""),
            f"{r.pain_before} → {after}",
            "-" if r.pain_next_morning is None else str(r.pain_next_morning),
            done or "-",
        )
    return table


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value}"


def progress_view(summary: ProgressSummary) -> RenderableType:
    if not summary.sessions:
        return Text("No sessions yet: your progress will show here once you have done one.")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Sessions", f"{summary.sessions} ({summary.first_date} to {summary.last_date})")
    facts.add_row("Pain before, on average", _or_dash(summary.pain_before_avg))
    facts.add_row("Pain after, on average", _or_dash(summary.pain_after_avg))
    facts.add_row("Next-morning pain, on average", _or_dash(summary.next_morning_avg))
    facts.add_row("Pain before, last two weeks", _or_dash(summary.recent_pain_before_avg))
    facts.add_row("Current streak", f"{summary.streak_days} day{'s' if summary.streak_days != 1 else ''}")
    weeks = Table(title="Sessions per week", title_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    weeks.add_column("week of")
    weeks.add_column("sessions", justify="right")
    weeks.add_column("")
    for w in summary.sessions_per_week:
        weeks.add_row(w.week_start.isoformat(), str(w.sessions), "█" * min(w.sessions, 21))
    return Group(facts, Text(""), weeks)
