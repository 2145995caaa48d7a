"""The weekly check's page: the Patient-Specific Functional Scale, asked in a form (CSRF like every other form)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backcoach.app import outcomes, preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.outcome import (
    ACTIVITIES,
    EXAMPLES,
    NAME_MAX,
    NAME_MIN,
    SCALE,
    SCORE_MAX,
    SCORE_MIN,
    OutcomeError,
    parse_outcome,
)
from backcoach.web.deps import Caller, PageCaller, RuntimeDep
from backcoach.web.pages import check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    runtime: Runtime,
    me: Caller,
    status_code: int = 200,
    entered: list[dict[str, str]] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    stored = outcomes.outcomes(runtime, me.user_id)
    summary = outcomes.outcome_summary(runtime, me.user_id)
    saved = [a.activity for a in stored[-1].record.activities] if stored else []
    rows = entered or [{"activity": name, "score": ""} for name in saved]
    rows += [{"activity": "", "score": ""}] * (ACTIVITIES - len(rows))
    return render(
        request,
        "outcome.html",
        me,
        status_code,
        rows=rows,
        first_time=not stored,
        summary=summary,
        examples=EXAMPLES,
        scale=SCALE,
        scores=range(SCORE_MIN, SCORE_MAX + 1),
        name_min=NAME_MIN,
        name_max=NAME_MAX,
        error=error,
    )


@router.get("/outcome", response_class=HTMLResponse)
def outcome_form(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    return _page(request, runtime, signed_in(caller))


@router.post("/outcome", response_class=HTMLResponse)
async def outcome(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    entered = [
        {"activity": str(form.get(f"activity-{i}", "")), "score": str(form.get(f"score-{i}", "")).strip()}
        for i in range(ACTIVITIES)
    ]
    activities: list[dict[str, Any]] = []
    for number, row in enumerate(entered, 1):
        if not (row["score"].isascii() and row["score"].isdigit()):
            message = f"Activity {number}: choose a score from {SCORE_MIN} to {SCORE_MAX}."
            return _page(request, runtime, me, 422, entered, message)
        activities.append({"activity": row["activity"], "score": int(row["score"])})
    try:
        day = preferences.today(runtime, me.user_id)
        outcomes.record_outcome(runtime, me.user_id, parse_outcome({"date": day, "activities": activities}))
    except OutcomeError as exc:
        where = f"Activity {int(exc.loc[1]) + 1}" if len(exc.loc) > 1 and isinstance(exc.loc[1], int) else "Activities"
        return _page(request, runtime, me, 422, entered, f"{where}: {exc.message}.")
    return redirect("/progress#weekly-check")
