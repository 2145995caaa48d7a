"""A person's record: the morning check-in, progress and its charts, and the history of sessions (edited and deleted
through the application layer, checked like the API's changes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from backcoach.app import history, outcomes, preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput, NotFound
from backcoach.domain.history import DIFFICULTIES, SessionRecord, camera_words
from backcoach.domain.progress import summarise
from backcoach.render import charts
from backcoach.web import cached
from backcoach.web.deps import PageCaller, RowId, RuntimeDep
from backcoach.web.pages import Csrf, check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)

FIELDS = {
    "date": "Date",
    "pain_before": "Pain before",
    "pain_after": "Pain after",
    "pain_next_morning": "Next-morning pain",
}
"""The edit form's labels, so that an error names the field as the form does."""

CHART_HEADERS = {"Cache-Control": "no-store"}


@router.get("/checkin", response_class=HTMLResponse)
def checkin_form(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    stored = history.newest_first(runtime, me.user_id)
    return render(request, "checkin.html", me, latest=stored[0] if stored else None)


@router.post("/checkin", response_class=HTMLResponse)
def checkin(
    request: Request,
    runtime: RuntimeDep,
    caller: PageCaller,
    pain: Annotated[int, Form(ge=0, le=10)],
    csrf: Csrf,
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    history.checkin(runtime, me.user_id, pain)
    return redirect("/progress")


CHARTS = ("pain", "calendar", "doses", "outcome")
"""The Progress page's charts, each at /progress/NAME.svg."""


@router.get("/progress", response_class=HTMLResponse)
async def progress(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)

    def build() -> cached.Built:
        revision = runtime.revision(me.user_id)
        today = preferences.today(runtime, me.user_id)
        records = history.records(runtime, me.user_id)
        calendar = charts.calendar_data(records, today)
        doses = charts.dose_data(records, runtime.names, runtime.ladders)
        sizes = {
            "pain": charts.px(charts.PAIN_SIZE),
            "calendar": charts.px(charts.calendar_size(calendar)),
            "doses": charts.px(charts.doses_size(doses)),
            "outcome": charts.px(charts.OUTCOME_SIZE),
        }
        page = render(
            request,
            "progress.html",
            me,
            summary=summarise(records, today),
            pain=charts.pain_data(records),
            calendar=calendar,
            doses=doses,
            doses_marked=charts.doses_marked(doses),
            marked_sessions=charts.MARKED_SESSIONS,
            outcome=outcomes.outcome_summary(runtime, me.user_id),
            checks=[s.record for s in outcomes.outcomes(runtime, me.user_id)],
            sizes=sizes,
        )
        return bytes(page.body), revision, preferences.day_ends(runtime, me.user_id)

    return HTMLResponse(await cached.personal(runtime, me, ("page/progress", me.csrf), build))


def _chart(chart: str, runtime: Runtime, user_id: int) -> str:
    if chart == "outcome":
        return charts.outcome_svg([s.record for s in outcomes.outcomes(runtime, user_id)])
    records = history.records(runtime, user_id)
    if chart == "pain":
        return charts.pain_svg(charts.pain_data(records))
    if chart == "calendar":
        return charts.calendar_svg(charts.calendar_data(records, preferences.today(runtime, user_id)))
    return charts.doses_svg(charts.dose_data(records, runtime.names, runtime.ladders))


@router.get("/progress/{chart}.svg")
async def progress_chart(chart: str, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    if chart not in CHARTS:
        raise NotFound(f"no such chart: {chart!r}; the charts are {', '.join(CHARTS)}")

    def build() -> cached.Built:
        revision = runtime.revision(me.user_id)
        body = _chart(chart, runtime, me.user_id)
        return body.encode(), revision, preferences.day_ends(runtime, me.user_id)

    # matplotlib takes 100 ms or more to draw a chart: draw each once per change to the person's data or day.
    body = await cached.personal(runtime, me, ("chart", chart), build)
    return Response(body, media_type="image/svg+xml", headers=CHART_HEADERS)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    stored = history.newest_first(runtime, me.user_id)
    return render(request, "history.html", me, sessions=stored, names=runtime.names, camera_words=camera_words)


@router.get("/history/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    stored = history.get_session(runtime, me.user_id, session_id)
    return render(request, "session.html", me, stored=stored, names=runtime.names, difficulties=DIFFICULTIES)


def _changes(form: FormData, record: SessionRecord) -> dict[str, Any]:
    """The edit form as changes to the stored record. An empty pain field clears it; a pain that is not a whole
    number raises InvalidInput naming its field."""

    def pain(name: str) -> int | None:
        value = str(form.get(name, "")).strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit()):
            raise InvalidInput("must be a whole number from 0 to 10", (name,))
        return int(value)

    items = [
        {**item.model_dump(), "difficulty": str(form.get(f"difficulty-{index}", item.difficulty))}
        for index, item in enumerate(record.items)
    ]
    return {
        "date": str(form.get("date", record.date.isoformat())),
        "pain_before": pain("pain_before"),
        "pain_after": pain("pain_after"),
        "pain_next_morning": pain("pain_next_morning"),
        "items": items,
    }


def _label(loc: tuple[str | int, ...]) -> str:
    """A field as the edit form names it: "Pain before", "Exercise 2, difficulty"."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        return f"Exercise {loc[1] + 1}" + (f", {loc[2]}" if len(loc) > 2 else "")
    return FIELDS.get(str(loc[0]), str(loc[0]))


@router.post("/history/{session_id}", response_class=HTMLResponse)
async def session_edit(request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    stored = history.get_session(runtime, me.user_id, session_id)
    try:
        history.edit_session(runtime, me.user_id, session_id, _changes(form, stored.record))
    except InvalidInput as exc:
        error = f"{_label(exc.loc)}: {exc.message}" if exc.loc else exc.message
        return render(
            request, "session.html", me, 422, stored=stored, names=runtime.names, difficulties=DIFFICULTIES, error=error
        )
    return redirect("/history")


@router.post("/history/{session_id}/delete")
def session_delete(
    request: Request, session_id: RowId, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    history.delete_session(runtime, me.user_id, session_id)
    return redirect("/history")
