"""Today's plan, its printable handout, and the calendar feed of the sessions to come.

A blocking safety screen or a plan that cannot be built reaches `render_error` from here like from anywhere else, so
Today and its handout answer it with the same status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backcoach.app import accounts, handouts, history, outcomes, plans, preferences
from backcoach.domain.errors import NotFound
from backcoach.web import cached
from backcoach.web.deps import PageCaller, RuntimeDep
from backcoach.web.pages import render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/today", response_class=HTMLResponse)
async def today(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)

    def build() -> cached.Built:
        snapshot = plans.plan_snapshot(runtime, me.user_id)
        outcome_due = outcomes.outcome_due(runtime, me.user_id)
        # Read after the snapshot read the revision: a session saved in between makes the stored page newer than
        # its revision, never older.
        prefs = preferences.current(runtime, me.user_id)
        day = runtime.today(preferences.zone_of(runtime, prefs))
        done = history.sessions_on(runtime, me.user_id, day)
        assigned = handouts.assigned(runtime, me.user_id)
        following = snapshot.program is not None
        page = render(
            request,
            "today.html",
            me,
            plan=snapshot.plan,
            assigned=assigned,
            following=following,
            # The plan's first caution names the program; the program's card says it better.
            cautions=snapshot.plan.cautions[1:] if following else snapshot.plan.cautions,
            outcome_due=outcome_due,
            done=done,
            per_day=prefs.sessions_per_day,
        )
        return bytes(page.body), snapshot.revision, snapshot.valid_until

    # The page carries the sign-in's CSRF token, so each sign-in has its own copy.
    return HTMLResponse(await cached.personal(runtime, me, ("page/today", me.csrf), build))


@router.get("/today/handout.pdf")
def today_handout(runtime: RuntimeDep, caller: PageCaller) -> Response:
    from backcoach.render.handout import handout_pdf

    me = signed_in(caller)
    plan = plans.todays_plan(runtime, me.user_id)
    items = [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in plan.items]
    pdf = handout_pdf("Today's session", items, plan.cautions, minutes=plan.minutes)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="backcoach-plan.pdf"'}
    )


@router.get("/calendar/{token}.ics")
def calendar(token: str, runtime: RuntimeDep) -> Response:
    from backcoach.render.calendar import plan_calendar

    user_id = accounts.user_for_calendar(runtime, token)
    if user_id is None:
        raise NotFound("no such calendar")
    prefs = preferences.current(runtime, user_id)
    zone = preferences.zone_of(runtime, prefs)
    body = plan_calendar(prefs, runtime.today(zone), runtime.now(), zone)
    return Response(body, media_type="text/calendar", headers={"Cache-Control": "no-store"})


@router.get("/today/program.pdf")
def today_program_handout(runtime: RuntimeDep, caller: PageCaller) -> Response:
    """The patient's assigned program as a printable handout, with their clinician's notes."""
    from backcoach.web.handout_api import handout_response

    me = signed_in(caller)
    return handout_response(handouts.my_handout(runtime, me.user_id))
