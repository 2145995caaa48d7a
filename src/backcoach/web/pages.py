"""Server-rendered pages (Jinja2). Every form carries a CSRF token: before sign-in a double-submit cookie, after it
the session's own secret. Pages that need a person send them to sign in; a blocking safety screen shows its advice
instead of a plan."""

from __future__ import annotations

import json
import secrets
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from backcoach import content
from backcoach.app import accounts, history, outcomes, plans, preferences, safety
from backcoach.app.runtime import Runtime
from backcoach.domain import errors
from backcoach.domain.describe import describe
from backcoach.domain.history import HistoryError, SessionRecord
from backcoach.domain.ladders import rung_exercise
from backcoach.domain.planner import Plan, PlanInfeasible
from backcoach.domain.screening import AGE_PROMPT, GROUP_TITLES, NOT_ADVICE, QUESTIONS, AnswersError, parse_answers
from backcoach.domain.timeline import compile_timeline, resolve
from backcoach.domain.vocab import CATEGORIES, EQUIPMENT, LEVELS, POSITIONS
from backcoach.render import kinematics
from backcoach.web.deps import SESSION_COOKIE, Caller, PageCaller, RowId, RuntimeDep, client_of

TEMPLATES = Path(__file__).parent / "templates"
FORM_CSRF_COOKIE = "backcoach_form"
router = APIRouter(include_in_schema=False)


@cache
def templates() -> Jinja2Templates:
    env = Jinja2Templates(directory=str(TEMPLATES))
    env.env.filters["describe"] = describe
    env.env.filters["today_dose"] = lambda p: describe(p, today=True)
    env.env.filters["clock"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}"
    return env


def render(
    request: Request, name: str, caller: Caller | None = None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    form_token = request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(24)
    context.setdefault("caller", caller)
    context.setdefault("csrf", caller.csrf if caller is not None else form_token)
    response = templates().TemplateResponse(request, name, context, status_code=status_code)
    if caller is None and FORM_CSRF_COOKIE not in request.cookies:
        response.set_cookie(FORM_CSRF_COOKIE, form_token, httponly=True, samesite="strict", secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def invalid_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
    return render(request, "error.html", None, status_code=422, title="Please check the form", problems=problems)


def check_csrf(request: Request, caller: Caller | None, sent: str) -> None:
    expected = caller.csrf if caller is not None else request.cookies.get(FORM_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, sent or ""):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")


def signed_in(caller: Caller | None) -> Caller:
    if caller is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    return caller


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


Csrf = Annotated[str, Form()]


# Public pages


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "landing.html", caller)


@router.get("/favicon.ico")
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/figures/{name}")
def figure(name: str, rung: str | None = None) -> Response:
    """An exercise's animated figure; with `rung`, moving at that rung's starting dose (its hold and tempo)."""
    from backcoach.render.figures import svg

    exercise_id = name.removesuffix(".svg")
    if not name.endswith(".svg") or exercise_id not in content.catalogue():
        raise HTTPException(404, "no such figure")
    exercise = content.catalogue().get(exercise_id)
    if rung is not None and rung != exercise_id:
        ladder = content.ladders()[exercise_id]
        if rung not in ladder:
            raise HTTPException(404, "no such rung")
        step = ladder.get(rung)
        exercise = rung_exercise(exercise, step).model_copy(update={"prescription": step.start})
    body = svg(exercise, kinematics.figures()[exercise_id])
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


# Accounts


def _start_session(request: Request, runtime: Runtime, user_id: int, to: str) -> RedirectResponse:
    issued = accounts.issue_token(runtime, user_id, "browser")
    response = redirect(to)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=accounts.TOKEN_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(FORM_CSRF_COOKIE)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "signup.html", caller, minimum=accounts.MIN_PASSWORD)


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Csrf,
) -> Response:
    check_csrf(request, None, csrf)
    try:
        account = accounts.register(runtime, email, password)
    except accounts.AccountError as exc:
        return render(request, "signup.html", None, 422, minimum=accounts.MIN_PASSWORD, error=str(exc), email=email)
    except accounts.EmailTaken:
        message = "An account with this email already exists: sign in instead."
        return render(request, "signup.html", None, 409, minimum=accounts.MIN_PASSWORD, error=message, email=email)
    return _start_session(request, runtime, account.id, "/onboarding")


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "signin.html", caller)


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Csrf,
) -> Response:
    check_csrf(request, None, csrf)
    try:
        account = accounts.authenticate(runtime, email, password, client_of(request))
    except accounts.TooManyAttempts as exc:
        minutes = max(1, exc.retry_after // 60)
        message = f"Too many failed sign-ins. Please wait about {minutes} minutes and try again."
        response = render(request, "signin.html", None, 429, error=message, email=email)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts.BadCredentials:
        return render(request, "signin.html", None, 401, error="Wrong email or password.", email=email)
    next_page = "/today" if preferences.saved(runtime, account.id) else "/onboarding"
    return _start_session(request, runtime, account.id, next_page)


@router.post("/signout")
def signout(request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf) -> Response:
    if caller is not None:
        check_csrf(request, caller, csrf)
        accounts.revoke(runtime, request.cookies.get(SESSION_COOKIE))
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


# Onboarding: the safety screen, then the plan options


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
    if result.blocks:
        return render(request, "screen_result.html", me, result=result)
    if preferences.saved(runtime, me.user_id) is None:
        return redirect("/preferences")
    return render(request, "screen_result.html", me, result=result)


@router.post("/clearance", response_class=HTMLResponse)
def clearance(
    request: Request, runtime: RuntimeDep, caller: PageCaller, note: Annotated[str, Form()], csrf: Csrf
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    try:
        result = safety.record_clinician_clearance(runtime, me.user_id, note)
    except AnswersError as exc:
        return render(request, "error.html", me, 422, title="Please check the form", problems=[str(exc)])
    return render(request, "screen_result.html", me, result=result)


@router.get("/preferences", response_class=HTMLResponse)
def preferences_form(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    prefs = preferences.current(runtime, me.user_id)
    return render(request, "preferences.html", me, prefs=prefs, equipment=EQUIPMENT)


@router.post("/preferences", response_class=HTMLResponse)
async def save_preferences(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    raw = {
        "minutes": str(form.get("minutes", "15")),
        "equipment": [str(v) for v in form.getlist("equipment")],
        "floor": form.get("floor") == "yes",
        "level": str(form.get("level", "beginner")),
        "sessions_per_day": str(form.get("sessions_per_day", "1")),
    }
    try:
        chosen = preferences.parse(raw)
    except errors.InvalidInput as exc:
        return render(request, "preferences.html", me, 422, prefs=raw, equipment=EQUIPMENT, error=str(exc))
    preferences.save(runtime, me.user_id, chosen)
    return redirect("/today")


# Today and the player


def display_names() -> dict[str, str]:
    """What a person calls each exercise and each rung of its ladder, by id."""
    names = {e.id: e.name for e in content.catalogue()}
    names.update({r.id: r.name for ladder in content.ladders().values() for r in ladder.rungs})
    return names


def todays_plan(runtime: Runtime, user_id: int) -> Plan:
    return plans.make_plan(runtime, user_id, plans.plan_request(runtime, user_id))


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    try:
        plan = todays_plan(runtime, me.user_id)
    except safety.Blocked as exc:
        return render(request, "blocked.html", me, 403, message=str(exc))
    except PlanInfeasible as exc:
        return render(request, "error.html", me, 422, title="No session fits these options", message=str(exc))
    names = {e.id: e for e in content.catalogue()}
    outcome_due = outcomes.outcome_due(runtime, me.user_id)
    return render(request, "today.html", me, plan=plan, exercises=names, outcome_due=outcome_due)


def player_items(runtime: Runtime, user_id: int, program_id: str | None) -> tuple[str, list[Any]]:
    if program_id:
        program = content.programs().get(program_id)
        if program is None:
            raise HTTPException(404, "no such program")
        return program.title, [(content.catalogue().get(i.exercise), resolve(i.prescription)) for i in program.items]
    plan = todays_plan(runtime, user_id)
    return "Today's session", [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in plan.items]


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
    steps = compile_timeline(items)
    data = {
        "title": title,
        "speed": max(0.1, min(speed, 1000.0)),
        "steps": [s.to_dict() for s in steps],
        "items": [
            {
                "exercise": e.id,
                "rung": e.rung or e.id,
                "name": e.name,
                "prescription": dose.model_dump(),
                "dose": describe(dose, today=True),
                "steps": e.steps,
                "cues": e.cues,
                "figure": f"/figures/{e.id}.svg" + (f"?rung={e.rung}" if e.rung else ""),
            }
            for e, dose in items
        ],
        "total_s": sum(s.duration_s for s in steps),
    }
    return render(request, "player.html", me, title=title, data=json.dumps(data), items=items)


# Records: check-in, progress, history


@router.get("/checkin", response_class=HTMLResponse)
def checkin_form(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    stored = history.sessions(runtime, me.user_id)
    latest = max(stored, key=lambda s: (s.record.date, s.id)) if stored else None
    return render(request, "checkin.html", me, latest=latest)


@router.post("/checkin", response_class=HTMLResponse)
def checkin(
    request: Request, runtime: RuntimeDep, caller: PageCaller, pain: Annotated[int, Form(ge=0, le=10)], csrf: Csrf
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    try:
        history.checkin(runtime, me.user_id, pain)
    except errors.NotFound:
        return render(request, "error.html", me, 404, title="Nothing to check in for", message="Do a session first.")
    return redirect("/progress")


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    summary = history.progress(runtime, me.user_id)
    records = history.records(runtime, me.user_id)
    exercises = sorted({i.exercise for r in records for i in r.items})
    names = {e: content.catalogue().get(e).name for e in exercises if e in content.catalogue()}
    outcome = outcomes.outcome_summary(runtime, me.user_id)
    return render(request, "progress.html", me, summary=summary, exercises=exercises, names=names, outcome=outcome)


@router.get("/progress/{chart}.svg")
def progress_chart(chart: str, runtime: RuntimeDep, caller: PageCaller, exercise: str | None = None) -> Response:
    from backcoach.render import charts

    me = signed_in(caller)
    if chart == "outcome":
        checks = [s.record for s in outcomes.outcomes(runtime, me.user_id)]
        return Response(charts.outcome_svg(checks), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
    records = history.records(runtime, me.user_id)
    summary = history.progress(runtime, me.user_id)
    if chart == "pain":
        body = charts.pain_svg(records)
    elif chart == "weeks":
        body = charts.weeks_svg(summary)
    elif chart == "dose" and exercise:
        name = content.catalogue().get(exercise).name if exercise in content.catalogue() else exercise
        body = charts.dose_svg(records, exercise, name)
    else:
        raise HTTPException(404, "no such chart")
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    stored = sorted(history.sessions(runtime, me.user_id), key=lambda s: (s.record.date, s.id), reverse=True)
    names = display_names()
    return render(request, "history.html", me, sessions=stored, names=names)


@router.get("/history/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    with runtime.unit(me.user_id) as repo:
        stored = repo.get_session(session_id)
    if stored is None:
        raise HTTPException(404, "no such session")
    names = display_names()
    return render(request, "session.html", me, stored=stored, names=names)


@router.post("/history/{session_id}", response_class=HTMLResponse)
async def session_edit(request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    with runtime.unit(me.user_id) as repo:
        stored = repo.get_session(session_id)
        if stored is None:
            raise HTTPException(404, "no such session")
        data = stored.record.model_dump()

        def pain(name: str) -> int | None:
            value = str(form.get(name, "")).strip()
            return int(value) if value else None

        try:
            data.update(
                date=str(form.get("date", data["date"])),
                pain_before=pain("pain_before"),
                pain_after=pain("pain_after"),
                pain_next_morning=pain("pain_next_morning"),
            )
            for index, item in enumerate(data["items"]):
                item["difficulty"] = str(form.get(f"difficulty-{index}", item["difficulty"]))
            record = SessionRecord.model_validate(data)
        except ValueError as exc:
            names = display_names()
            return render(request, "session.html", me, 422, stored=stored, names=names, error=str(exc))
        repo.replace_session(session_id, record)
    return redirect("/history")


@router.post("/history/{session_id}/delete")
def session_delete(
    request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    with runtime.unit(me.user_id) as repo:
        if not repo.delete_session(session_id):
            raise HTTPException(404, "no such session")
    return redirect("/history")


# Catalogue and programs


@router.get("/exercises", response_class=HTMLResponse)
def exercises(
    request: Request,
    caller: PageCaller,
    category: str = "",
    position: str = "",
    equipment: str = "",
    level: str = "",
    q: str = "",
) -> HTMLResponse:
    found = [
        e
        for e in content.catalogue()
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
def exercise_page(request: Request, exercise_id: str, caller: PageCaller) -> HTMLResponse:
    if exercise_id not in content.catalogue():
        raise HTTPException(404, "no such exercise")
    e = content.catalogue().get(exercise_id)
    ladder = content.ladders()[exercise_id]
    return render(request, "exercise.html", caller, e=e, articles=content.catalogue().articles, ladder=ladder)


@router.get("/programs", response_class=HTMLResponse)
def programs(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(
        request,
        "programs.html",
        caller,
        programs=list(content.programs().values()),
        articles=content.catalogue().articles,
    )


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_page(request: Request, program_id: str, caller: PageCaller) -> HTMLResponse:
    found = content.programs().get(program_id)
    if found is None:
        raise HTTPException(404, "no such program")
    names = display_names()
    article = content.catalogue().articles[found.source_file]
    return render(request, "program.html", caller, p=found, names=names, article=article)


# Handouts and the calendar


@router.get("/today/handout.pdf")
def today_handout(runtime: RuntimeDep, caller: PageCaller) -> Response:
    from backcoach.render.handout import handout_pdf

    me = signed_in(caller)
    try:
        plan = todays_plan(runtime, me.user_id)
    except (safety.Blocked, PlanInfeasible) as exc:
        raise HTTPException(403, str(exc)) from None
    items = [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in plan.items]
    pdf = handout_pdf("Today's session", items, plan.cautions, minutes=plan.minutes)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="backcoach-plan.pdf"'}
    )


@router.get("/programs/{program_id}/handout.pdf")
def program_handout(program_id: str) -> Response:
    from backcoach.render.handout import handout_pdf

    found = content.programs().get(program_id)
    if found is None:
        raise HTTPException(404, "no such program")
    items = [(content.catalogue().get(i.exercise), i.prescription) for i in found.items]
    pdf = handout_pdf(found.title, items, found.notes, source=found.source_file)
    name = f"backcoach-{program_id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/calendar/{token}.ics")
def calendar(token: str, runtime: RuntimeDep) -> Response:
    from backcoach.render.calendar import plan_calendar

    user_id = accounts.user_for_calendar(runtime, token)
    if user_id is None:
        raise HTTPException(404, "no such calendar")
    prefs = preferences.current(runtime, user_id)
    body = plan_calendar(runtime.today(), prefs.minutes, prefs.sessions_per_day)
    return Response(body, media_type="text/calendar", headers={"Cache-Control": "no-store"})


# Account


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    feed = f"{request.base_url}calendar/{accounts.calendar_token(runtime, me.user_id)}.ics"
    latest = safety.latest_screen(runtime, me.user_id)
    return render(request, "account.html", me, feed=feed, latest=latest)


@router.get("/account/export.json")
def account_export(runtime: RuntimeDep, caller: PageCaller) -> Response:
    from backcoach.app.transfer import export_account

    me = signed_in(caller)
    body = json.dumps(export_account(runtime, me.user_id), indent=2, ensure_ascii=False)
    stamp = runtime.today().isoformat()
    headers = {"Content-Disposition": f'attachment; filename="backcoach-{stamp}.json"'}
    return Response(body, media_type="application/json", headers=headers)


@router.post("/account/import", response_class=HTMLResponse)
async def account_import(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    from backcoach.app.transfer import TransferError, import_account

    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise TransferError("choose a backcoach export file", ("file",))
        raw = json.loads(await upload.read())
        if not isinstance(raw, dict):
            raise TransferError("not a backcoach export", ("file",))
        counts = import_account(runtime, me.user_id, raw)
    except (TransferError, HistoryError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        return render(request, "error.html", me, 422, title="Nothing was imported", problems=[str(exc)])
    message = (
        f"Imported {counts['sessions']} sessions, {counts['screenings']} safety screens and "
        f"{counts['outcomes']} weekly checks."
    )
    return render(request, "error.html", me, title="Import complete", message=message)


@router.post("/account/delete")
def account_delete(
    request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf, confirm: Annotated[str, Form()] = ""
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    if confirm.strip().lower() != "delete":
        return render(request, "error.html", me, 422, title="Not deleted", message='Type "delete" to confirm.')
    accounts.delete_account(runtime, me.user_id)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response
