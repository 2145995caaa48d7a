"""`backcoach illustrate`: the animated exercise figures as SVG files."""

from __future__ import annotations

from pathlib import Path

import click

from backcoach.cli.base import command
from backcoach.cli.wrap import say


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def figure_file(exercise_id: str, home: Path) -> Path:
    """The exercise's animated figure under BACKCOACH_HOME/figures, written when missing or out of date."""
    from backcoach import content
    from backcoach.render import kinematics
    from backcoach.render.figures import svg

    path = home / "figures" / f"{exercise_id}.svg"
    text = svg(content.exercise(exercise_id), kinematics.figures()[exercise_id])
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_atomically(path, text)
    return path


@command()
@click.argument("exercise_id", metavar="ID", required=False)
@click.option("--output", "-o", metavar="FILE.svg", help="Where to write the figure.")
@click.option(
    "--frame",
    type=click.Choice(["start", "hold", "end"]),
    help="Write a still of one key position instead of the animation.",
)
@click.option("--all", "everything", is_flag=True, help="Write every exercise's figure and an index.html gallery.")
@click.option("--output-dir", metavar="DIR", help="With --all: the folder to write into.")
def illustrate(
    exercise_id: str | None, output: str | None, frame: str | None, everything: bool, output_dir: str | None
) -> None:
    """Draw an exercise as an animated SVG figure (or a still with --frame)."""
    from backcoach import content
    from backcoach.render import kinematics
    from backcoach.render.figures import gallery, svg

    if everything:
        if exercise_id or output:
            raise click.UsageError("--all writes every figure: give --output-dir DIR, not an ID or --output")
        if not output_dir:
            raise click.UsageError("--all needs --output-dir DIR")
        folder = Path(output_dir)
        files = {}
        for e in content.catalogue():
            name = f"{e.id}.svg" if frame is None else f"{e.id}-{frame}.svg"
            write_atomically(folder / name, svg(e, kinematics.figures()[e.id], frame=frame))  # type: ignore[arg-type]
            files[e.id] = name
        names = {e.id: e.name for e in content.catalogue()}
        write_atomically(folder / "index.html", gallery(files, names))
        say(f"Wrote {len(files)} figures and index.html to {folder}.")
        return
    if not exercise_id:
        raise click.UsageError("give an exercise ID (or --all --output-dir DIR)")
    try:
        exercise = content.exercise(exercise_id)
    except content.UnknownId as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    if not output:
        raise click.UsageError("give --output FILE.svg")
    write_atomically(Path(output), svg(exercise, kinematics.figures()[exercise.id], frame=frame))  # type: ignore[arg-type]
    say(f"Wrote {output}.")
