"""The catalogue: exercises (filtered), each exercise's animated figure, and the article programs with their
handouts. No sign-in needed; the navigation still shows who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backcoach import content
from backcoach.domain.errors import NotFound
from backcoach.domain.ladders import rung_exercise
from backcoach.domain.programs import Program
from backcoach.domain.vocab import CATEGORIES, EQUIPMENT, LEVELS, POSITIONS
from backcoach.render import kinematics
from backcoach.web.deps import PageCaller, RuntimeDep
from backcoach.web.pages import render

router = APIRouter(include_in_schema=False)


def programs() -> dict[str, Program]:
    # The runtime holds the catalogue and the ladders but no programs: these are the shipped ones, built over the
    # same shipped catalogue that the runtime holds.
    return content.programs()


def program_or_404(program_id: str) -> Program:
    found = programs().get(program_id)
    if found is None:
        raise NotFound("no such program")
    return found


@router.get("/exercises", response_class=HTMLResponse)
def exercises(
    request: Request,
    runtime: RuntimeDep,
    caller: PageCaller,
    category: str = "",
    position: str = "",
    equipment: str = "",
    level: str = "",
    q: str = "",
) -> HTMLResponse:
    found = [
        e
        for e in runtime.catalogue
        if (not category or e.category == category)
        and (not position or e.position == position)
        and (not level or e.level == level)
        and (not equipment or (equipment == "none" and not e.equipment) or equipment in e.equipment)
        and (not q or q.lower() in (e.name + " " + " ".join(e.aliases)).lower())
    ]
    filters = {"category": category, "position": position, "equipment": equipment, "level": level, "q": q}
    return render(
        request,
        "exercises.html",
        caller,
        exercises=found,
        filters=filters,
        categories=CATEGORIES,
        positions=POSITIONS,
        equipment=EQUIPMENT,
        levels=LEVELS,
    )


@router.get("/exercises/{exercise_id}", response_class=HTMLResponse)
def exercise_page(request: Request, exercise_id: str, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    if exercise_id not in runtime.catalogue:
        raise NotFound("no such exercise")
    e = runtime.catalogue.get(exercise_id)
    ladder = runtime.ladders[exercise_id]
    return render(request, "exercise.html", caller, e=e, articles=runtime.catalogue.articles, ladder=ladder)


@router.get("/figures/{name}")
def figure(name: str, runtime: RuntimeDep, rung: str | None = None) -> Response:
    """An exercise's animated figure; with `rung`, moving at that rung's starting dose (its hold and tempo)."""
    from backcoach.render.figures import svg

    exercise_id = name.removesuffix(".svg")
    if not name.endswith(".svg") or exercise_id not in runtime.catalogue:
        raise NotFound("no such figure")
    exercise = runtime.catalogue.get(exercise_id)
    if rung is not None and rung != exercise_id:
        ladder = runtime.ladders[exercise_id]
        if rung not in ladder:
            raise NotFound("no such rung")
        step = ladder.get(rung)
        exercise = rung_exercise(exercise, step).model_copy(update={"prescription": step.start})
    body = svg(exercise, kinematics.figures()[exercise_id])
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/programs", response_class=HTMLResponse)
def programs_page(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    return render(
        request, "programs.html", caller, programs=list(programs().values()), articles=runtime.catalogue.articles
    )


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_page(request: Request, program_id: str, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    found = program_or_404(program_id)
    article = runtime.catalogue.articles[found.source_file]
    return render(request, "program.html", caller, p=found, names=runtime.names, article=article)


@router.get("/programs/{program_id}/handout.pdf")
def program_handout(program_id: str, runtime: RuntimeDep) -> Response:
    from backcoach.render.handout import handout_pdf

    found = program_or_404(program_id)
    items = [(runtime.catalogue.get(i.exercise), i.prescription) for i in found.items]
    article = runtime.catalogue.articles[found.source_file]
    pdf = handout_pdf(found.title, items, found.notes, article=article)
    name = f"backcoach-{program_id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
