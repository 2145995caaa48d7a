"""Words for the terminal: every paragraph and question the command line prints, wrapped to the terminal's width
with each word kept whole. A terminal breaks an overlong line wherever the edge falls, mid-word; the questions of
the safety screen and the pre-session check are read carefully, often on a phone-sized terminal.

The width is `shutil.get_terminal_size`'s: the COLUMNS variable when set, else the terminal's, else 80 (rich's
consoles read the same variable, so tables and paragraphs agree). Standard library and click only.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from typing import Any

import click

ANSWER_ROOM = 12
"""Room a question's last line leaves for a free answer typed after it (an exercise's id, a short name); a yes/no
question or a choice leaves room for its longest answer only, so "[y/N]" rarely sits on a line of its own."""
NARROWEST = 20
"""Below this the terminal's own width is ignored: no sentence reads well in fewer columns."""


def columns() -> int:
    return max(NARROWEST, shutil.get_terminal_size().columns)


def lines(text: str, width: int | None = None, hang: str = "") -> list[str]:
    """`text` wrapped line by line to `width` (default the terminal's): each line keeps its indent on its
    continuation lines, plus `hang`; blank lines stay. A word longer than the width is left whole on its own."""
    width = width or columns()
    out: list[str] = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        indent = line[: len(line) - len(body)]
        if not body:
            out.append("")
            continue
        out += textwrap.wrap(
            body,
            width,
            initial_indent=indent,
            subsequent_indent=indent + hang,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return out


def fill(text: str, width: int | None = None, hang: str = "") -> str:
    return "\n".join(lines(text, width, hang))


def say(text: str = "", *, err: bool = False, hang: str = "") -> None:
    """Print a paragraph (or several, one per line of `text`) wrapped to the terminal."""
    click.echo(fill(text, hang=hang), err=err)


def heading(text: str) -> None:
    click.secho(fill(text), bold=True)


def question(text: str, room: int = ANSWER_ROOM) -> str:
    """A question ready to print before its answer: wrapped, with `room` left on its last line for the answer."""
    width = columns()
    wrapped = lines(text, width)
    if wrapped and len(wrapped[-1]) > width - room:
        last = wrapped.pop()
        indent = last[: len(last) - len(last.lstrip(" "))]
        narrower = lines(last, max(NARROWEST // 2, width - room))
        wrapped += [narrower[0], *(indent + line.lstrip(" ") for line in narrower[1:])]
    return "\n".join(wrapped) + " "


def _error_wrapped(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """`convert`, with the message of a value it refuses wrapped as click prints it ("Error: ...")."""

    def checked(value: str) -> Any:
        try:
            return convert(value)
        except click.UsageError as exc:
            raise click.UsageError(fill("Error: " + exc.message)[len("Error: ") :]) from None

    return checked


def ask(
    text: str,
    type: Any = None,
    default: Any = None,
    *,
    show_default: bool = True,
    value_proc: Callable[[str], Any] | None = None,
) -> Any:
    """`click.prompt`, wrapped: the choices and the default are shown as click shows them, then ": "."""
    suffix = ""
    room = ANSWER_ROOM
    if isinstance(type, click.Choice):
        suffix += f" ({', '.join(str(c) for c in type.choices)})"
        room = 2 + max(len(str(c)) for c in type.choices)
    elif isinstance(type, click.IntRange):
        room = 5  # " 10" or "500", and the cursor
    if default is not None and default != "" and show_default:
        suffix += f" [{default}]"
    convert = value_proc or click.types.convert_type(type, default)
    return click.prompt(
        question(f"{text}{suffix}:", room),
        default=default,
        show_default=False,
        value_proc=_error_wrapped(convert),
        prompt_suffix="",
    )


def confirm(text: str, default: bool = False) -> bool:
    """`click.confirm`, wrapped, with its [y/N] or [Y/n]."""
    choices = "Y/n" if default else "y/N"
    prompt = question(f"{text} [{choices}]:", room=3)
    answer: bool = click.confirm(prompt, default=default, show_default=False, prompt_suffix="")
    return answer
