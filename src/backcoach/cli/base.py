"""What every command module shares: the command and group classes (which map the error hierarchy to exit codes),
the option types, the runtime, and printing. Command modules import from here, never from `backcoach.cli.main`,
which assembles them.

Heavy modules (rich, pydantic, the catalogue, the database) are imported inside functions, so that loading the
command line to parse its options stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from backcoach.cli import errors, quick
from backcoach.domain.errors import InvalidInput
from backcoach.domain.vocab import EQUIPMENT, PLAN_LEVELS, Equipment, parse_equipment

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from backcoach.app.runtime import Runtime
    from backcoach.domain.planner import PlanRequest

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])


class Command(click.Command):
    """A command whose application errors become exit codes and messages (`backcoach.cli.errors`), not tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        with errors.mapped(ctx):
            return super().invoke(ctx)


class Group(Command, click.Group):
    """A group of commands; the commands and groups declared on it are of these classes too."""

    command_class = Command
    group_class = type


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Command]:
    return click.command(name, cls=Command, **attrs)


def group(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Group]:
    return click.group(name, cls=Group, **attrs)


class EquipmentList(click.ParamType["frozenset[Equipment]", Any]):
    """A comma-separated list drawn from the equipment vocabulary; "none" or empty means no equipment."""

    name = "LIST"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> frozenset[Equipment]:
        if isinstance(value, frozenset):
            return value
        try:
            return parse_equipment(str(value))
        except InvalidInput as exc:
            self.fail(exc.message, param, ctx)


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def print_rich(renderable: RenderableType) -> None:
    console().print(renderable)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def read_json(path: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint=what) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{path} is not valid JSON: {exc}", param_hint=what) from None


def now() -> dt.datetime:
    # Looked up on every call, so that a test moving `quick.now` moves the full path and the snapshot's check alike.
    return quick.now()


@contextmanager
def runtime_for_cli() -> Iterator[tuple[Runtime, int]]:
    """The wired application and the local user, disposed of however the command ends. A command that changed the
    person's record makes the kept plan again before it ends (`backcoach.cli.kept`)."""
    from backcoach.app.runtime import create_runtime
    from backcoach.cli import kept

    runtime = create_runtime(clock=now)
    try:
        user = runtime.local_user()
        before = kept.revision(runtime)
        yield runtime, user
        if before is not None and kept.revision(runtime) != before:
            kept.refresh(runtime, user)
    finally:
        runtime.dispose()


def plan_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that shape a plan, shared by `plan` and `start`."""
    for option in reversed(
        [
            click.option(
                "--minutes",
                type=click.IntRange(5, 60),
                default=quick.DEFAULT_MINUTES,
                show_default=True,
                help="How long the session may last (5 to 60).",
            ),
            click.option(
                "--equipment",
                type=EquipmentList(),
                default="",
                help=f"What you have, comma-separated from: {', '.join(EQUIPMENT)}. Default: none.",
            ),
            click.option("--no-floor", is_flag=True, help="Leave out everything done lying or kneeling on the floor."),
            click.option("--level", type=click.Choice(PLAN_LEVELS), default=quick.DEFAULT_LEVEL, show_default=True),
        ]
    ):
        command = option(command)
    return command


def plan_request(minutes: int, equipment: frozenset[Equipment], no_floor: bool, level: str) -> PlanRequest:
    from backcoach.domain.planner import PlanRequest

    return PlanRequest(minutes=minutes, equipment=equipment, floor=not no_floor, level=level)  # type: ignore[arg-type]
