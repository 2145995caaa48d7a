"""The browser player's page: today's plan (or a program) with the runner's own tables for `player.js` to execute.

The page carries two JSON blocks (the CSP forbids inline scripts, not data): `runner-tables`, exactly what
`domain.runner.session_tables` makes of the session, and `session-data`, what only the screen needs (each
exercise's figure, steps, cues and dose in words).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from backcoach import content
from backcoach.app import plans, preferences, safety
from backcoach.app.runtime import Runtime, local_zone_name
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.describe import describe
from backcoach.domain.planner import PlanInfeasible
from backcoach.domain.runner import session_tables
from backcoach.domain.timeline import resolve
from backcoach.web.deps import PageCaller, RuntimeDep
from backcoach.web.pages import render, signed_in

router = APIRouter(include_in_schema=False)
Items = list[tuple[Exercise, Prescription]]


def player_items(runtime: Runtime, user_id: int, program_id: str | None) -> tuple[str, Items]:
    """The session to play: a program, as its article gives it, or today's plan."""
    if program_id:
        program = content.programs().get(program_id)
        if program is None:
            raise HTTPException(404, "no such program")
        return program.title, [(runtime.catalogue.get(i.exercise), resolve(i.prescription)) for i in program.items]
    plan = plans.todays_plan(runtime, user_id)
    return "Today's session", [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in plan.items]


def _json_block(data: Any) -> str:
    # Inside a <script> element only "</" could end it early.
    return json.dumps(data).replace("</", "<\\/")


@router.get("/player", response_class=HTMLResponse)
def player(
    request: Request, runtime: RuntimeDep, caller: PageCaller, program: str | None = None, speed: float = 1.0
) -> HTMLResponse:
    me = signed_in(caller)
    try:
        safety.ensure_allowed(runtime, me.user_id, session=True)
        title, items = player_items(runtime, me.user_id, program)
    except safety.Blocked as exc:
        return render(request, "blocked.html", me, 403, message=str(exc))
    except safety.ScreenNeeded as exc:
        return render(request, "screen_needed.html", me, 403, message=str(exc))
    except PlanInfeasible as exc:
        return render(request, "error.html", me, 422, title="No session fits these options", message=str(exc))
    screen = {
        "title": title,
        # The day the session is recorded under: the person's own (their time zone, by the server's clock), which
        # the device's date is not when it is set to another zone.
        "today": preferences.today(runtime, me.user_id).isoformat(),
        # The person's zone, so that a page kept offline from an earlier day still dates the session by the day it
        # is done (player.js works the date out in this zone when the session starts).
        "time_zone": preferences.current(runtime, me.user_id).time_zone or local_zone_name(),
        # Whose changes this page may send: the outbox is shared by every tab and account on the device.
        "person": me.user_id,
        "speed": max(0.1, min(speed, 1000.0)),
        "items": [
            {
                "exercise": e.id,
                "rung": e.rung or e.id,
                "name": e.name,
                "dose": describe(dose, today=True),
                "sets": dose.sets or 1,
                "reps": dose.reps,
                "steps": e.steps,
                "cues": e.cues,
                "figure": f"/figures/{e.id}.svg" + (f"?rung={e.rung}" if e.rung else ""),
            }
            for e, dose in items
        ],
    }
    return render(
        request,
        "player.html",
        me,
        title=title,
        data=_json_block(screen),
        tables=_json_block(session_tables(items)),
        items=items,
    )
