"""`backcoach learn`: the short lessons about back pain, as a list or one topic at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from backcoach.cli.base import command, echo_json, print_rich

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import RenderableType

    from backcoach.domain.learn import Topic

NOT_ADVICE = (
    "backcoach is not medical advice. If you are worried about your back, or have any of the warning signs in "
    "`backcoach learn get-help`, talk to a doctor."
)


@command()
@click.argument("topic_id", metavar="[TOPIC]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the topics (or the one topic) as JSON.")
def learn(topic_id: str | None, as_json: bool) -> None:
    """Read short lessons about back pain and when to get help."""
    from backcoach import content

    if topic_id is None:
        topics = list(content.learn_topics().values())
        if as_json:
            echo_json([t.model_dump() for t in topics])
        else:
            print_rich(topic_list(topics))
        return
    try:
        topic = content.learn_topic(topic_id)
    except content.UnknownId as exc:
        known = ", ".join(content.learn_topics())
        # The suggestion alone would hide the other topics, and this list is short enough to show whole.
        message = f"{exc} Topics: {known}." if exc.suggestions else str(exc)
        raise click.BadParameter(message, param_hint="TOPIC") from None
    if as_json:
        echo_json(topic.model_dump())
    else:
        print_rich(topic_view(topic))


def topic_list(topics: Iterable[Topic]) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title="Learn: short lessons about back pain", title_justify="left", box=None, header_style="bold underline"
    )
    table.add_column("topic", style="cyan", no_wrap=True)
    table.add_column("what it is about")
    for t in topics:
        table.add_row(t.id, Text.assemble((t.title, "bold"), "\n", t.summary))
    hint = Text("Read one with: backcoach learn TOPIC (for example, backcoach learn flare-ups)")
    return Group(table, Text(""), hint, Text(NOT_ADVICE, style="dim"))


def _bullets(items: Iterable[RenderableType]) -> RenderableType:
    """A list whose wrapped lines hang under the text, not under the bullet."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("•", item)
    return grid


def topic_view(topic: Topic) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[RenderableType] = [Text(topic.summary, style="italic")]
    for section in topic.body:
        parts.append(Text(""))
        if section.heading:
            parts.append(Text(section.heading, style="bold underline"))
        parts += [Text(p) for p in section.paragraphs]
        if section.points:
            parts.append(_bullets(section.points))
    sources = []
    for ref in topic.sources:
        line = Text(ref.title, style="italic")
        line.append(f". {ref.detail}", style="none")
        if ref.url:
            line.append(f" {ref.url}", style=f"cyan link {ref.url}")
        sources.append(line)
    parts += [Text(""), Text("Sources", style="bold underline"), _bullets(sources)]
    parts += [Text(""), Text("The wording is backcoach's own; the advice follows these sources.", style="dim")]
    parts.append(Text(NOT_ADVICE, style="dim"))
    return Panel(Group(*parts), title=f"[bold]{topic.title}[/bold]  [dim]{topic.id}[/dim]", title_align="left")
