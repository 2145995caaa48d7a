"""Onboarding: the safety check (taken again at any time, or replaced by a clinician's clearance), then the plan
options. Both forms show their error next to the inputs."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from backcoach.app import preferences, safety
from backcoach.app.runtime import local_zone_name
from backcoach.domain.errors import InvalidInput
from backcoach.domain.preferences import DEFAULT_TIMES, MAX_SESSIONS_PER_DAY, WEEKDAYS, valid_zone
from backcoach.domain.screening import AGE_PROMPT, GROUP_TITLES, NOT_ADVICE, QUESTIONS, AnswersError, parse_answers
from backcoach.domain.vocab import EQUIPMENT
from backcoach.web.deps import PageCaller, RuntimeDep
from backcoach.web.pages import Csrf, check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/onboarding", response_class=HTMLResponse)
@router.get("/screen", response_class=HTMLResponse)
def screen_form(request: Request, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    return render(request, "screen.html", me, **_screen_form())


def _screen_form() -> dict[str, Any]:
    groups = [(title, [q for q in QUESTIONS if q.group == group]) for group, title in GROUP_TITLES.items()]
    return {"groups": groups, "age_prompt": AGE_PROMPT, "not_advice": NOT_ADVICE}


@router.post("/screen", response_class=HTMLResponse)
async def screen(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    raw: dict[str, Any] = {q.key: form.get(q.key) == "yes" for q in QUESTIONS}
    age = str(form.get("age", "")).strip()
    try:
        if age:
            raw["age"] = int(age)
        answers = parse_answers(raw)
    except (ValueError, AnswersError) as exc:
        problem = "age: must be a whole number of years" if not isinstance(exc, AnswersError) else str(exc)
        return render(request, "screen.html", me, 422, error=problem, checked=raw, **_screen_form())
    result = safety.take_screen(runtime, me.user_id, answers)
    if not result.blocks and preferences.saved(runtime, me.user_id) is None:
        return redirect("/preferences")
    return render(request, "screen_result.html", me, result=result)


@router.post("/clearance", response_class=HTMLResponse)
def clearance(
    request: Request, runtime: RuntimeDep, caller: PageCaller, note: Annotated[str, Form()], csrf: Csrf
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    result = safety.record_clinician_clearance(runtime, me.user_id, note)
    return render(request, "screen_result.html", me, result=result)


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIELD_NAMES = {
    "minutes": "Minutes per session",
    "equipment": "What you have",
    "floor": "Floor",
    "level": "Level",
    "sessions_per_day": "Sessions a day",
    "days": "Days",
    "times": "Session times",
    "time_zone": "Time zone",
}
"""Each field in the form's own words, to name it in a problem."""


@router.get("/preferences", response_class=HTMLResponse)
def preferences_form(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    prefs = preferences.current(runtime, me.user_id)
    times = [*prefs.times, *DEFAULT_TIMES[len(prefs.times) :]]
    zone = prefs.time_zone or local_zone_name() or ""
    return render(request, "preferences.html", me, **_preferences_form(prefs, times, zone))


def _preferences_form(prefs: object, times: list[str], zone: str, error: str | None = None) -> dict[str, Any]:
    return {
        "prefs": prefs,
        "equipment": EQUIPMENT,
        "weekdays": list(zip(WEEKDAYS, DAY_NAMES, strict=True)),
        "times": times,
        "zone": zone,
        "zones": zone_names(),
        "error": error,
    }


@functools.cache
def zone_names() -> list[str]:
    """Every IANA time zone this machine knows, for the form to offer (the person may still type any)."""
    import zoneinfo

    return sorted(z for z in zoneinfo.available_timezones() if valid_zone(z))


@router.post("/preferences", response_class=HTMLResponse)
async def save_preferences(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    raw: dict[str, Any] = {
        "minutes": str(form.get("minutes", "15")),
        "equipment": [str(v) for v in form.getlist("equipment")],
        "floor": form.get("floor") == "yes",
        "level": str(form.get("level", "beginner")),
        "sessions_per_day": str(form.get("sessions_per_day", "1")),
    }
    entered = [str(form.get(f"time-{n}", "")).strip() for n in range(1, MAX_SESSIONS_PER_DAY + 1)]
    zone = str(form.get("time_zone", "")).strip()
    # The form marks that it carries the schedule: with no day ticked, a browser sends no `days` at all, which
    # must be refused rather than read as a form without days (which keeps the defaults).
    if form.get("schedule") == "yes":
        count = raw["sessions_per_day"]
        # Only the first `sessions_per_day` times are used; with a wrong count, that is the problem to name.
        used = int(count) if count in ("1", "2", "3") else MAX_SESSIONS_PER_DAY
        raw["days"] = [str(v) for v in form.getlist("days")]
        raw["times"] = entered[:used]
        raw["time_zone"] = zone or None
    try:
        chosen = preferences.parse(raw)
    except InvalidInput as exc:
        field = str(exc.loc[0]) if exc.loc else ""
        error = f"{FIELD_NAMES.get(field, field)}: {exc.message}" if field else exc.message
        context = _preferences_form(raw, entered, zone, error)
        return render(request, "preferences.html", me, 422, **context)
    preferences.save(runtime, me.user_id, chosen)
    return redirect("/today")
