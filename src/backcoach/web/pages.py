"""What every page router shares: the templates, rendering with the CSRF token, the error pages, and the guards.

Every form carries a CSRF token: before sign-in a double-submit cookie, after it the session's own secret. Pages that
need a person send them to sign in. Routes raise the application's errors; `render_error` turns each into a page
(the web app's exception handler calls it), so only forms that show an error next to their inputs catch one.

The pages themselves live in one router per area: `account_pages` (public pages, sign-up and sign-in, the account),
`onboarding_pages` (the safety check and plan options), `today_pages` (today's plan, its handout, the calendar feed),
`history_pages` (check-in, progress, history), `catalogue_pages` (exercises, figures, programs), `player` (the
guided session), `outcome_pages` (the weekly check) and `learn`.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from backcoach.app import safety
from backcoach.domain.describe import describe
from backcoach.domain.errors import BackcoachError
from backcoach.domain.planner import PlanInfeasible
from backcoach.web.deps import Caller, cookie_caller
from backcoach.web.errors import headers_for

TEMPLATES = Path(__file__).parent / "templates"
FORM_CSRF_COOKIE = "backcoach_form"

TITLES = {
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "That is already there",
    422: "Please check what you asked for",
    429: "Please wait a little",
}
"""The error page's heading by status; anything else is the server's fault."""


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
        response.set_cookie(FORM_CSRF_COOKIE, form_token, httponly=True, samesite="strict", secure=secure(request))
    return response


def render_error(request: Request, exc: BackcoachError, status: int) -> HTMLResponse:
    """The page for an application error that reached the web app's handler.

    A blocking safety screen gets its advice and the ways forward on the web (a new check, a clinician's clearance);
    a missing or old screen gets the page that sends the person to the check; anything else the error page. The
    message is the error's own words without its field name, which names an API or command-line field."""
    # The handler runs outside the route: who is signed in is worked out again, so that the navigation and the
    # clearance form's CSRF token are the person's own.
    caller = cookie_caller(request, request.app.state.runtime)
    if isinstance(exc, safety.Blocked):
        page = render(request, "blocked.html", caller, status, message=exc.message)
    elif isinstance(exc, safety.ScreenNeeded):
        page = render(request, "screen_needed.html", caller, status, message=exc.message)
    else:
        title = "No session fits these options" if isinstance(exc, PlanInfeasible) else None
        title = title or TITLES.get(status, "Something went wrong")
        page = render(request, "error.html", caller, status, title=title, message=exc.message)
    page.headers.update(headers_for(exc))
    return page


def secure(request: Request) -> bool:
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
