"""Public pages, signing up, in and out, and the account page with its data: export, import, deletion."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from backcoach.app import accounts, preferences, safety
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput
from backcoach.web.deps import SIGNIN_COOKIE, PageCaller, RuntimeDep, client_of
from backcoach.web.pages import FORM_CSRF_COOKIE, Csrf, check_csrf, redirect, render, secure, signed_in

router = APIRouter(include_in_schema=False)

# Signing out and deleting the account empty the browser's HTTP cache of this site. In Chromium "cache" leaves the
# service worker's caches alone (the worker drops its personal pages itself: docs/pwa.md), and "storage" would also
# wipe the Player's outbox of sessions not yet sent.
SIGNED_OUT_CLEARS = {"Clear-Site-Data": '"cache"'}


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "landing.html", caller)


@router.get("/favicon.ico")
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def safe_next(value: str) -> str | None:
    """Where to go back to after signing in or up: a path on this site, or None. Anything that a browser could read
    as another origin ("//host", "/\\host", "https:...", control characters) is refused, so a link to our sign-in
    page can never send a person elsewhere with their fresh sign-in."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def _sign_in(request: Request, runtime: Runtime, user_id: int, to: str) -> RedirectResponse:
    issued = accounts.issue_token(runtime, user_id, "browser")
    response = redirect(to)
    response.set_cookie(
        SIGNIN_COOKIE,
        issued.token,
        max_age=accounts.TOKEN_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )
    response.delete_cookie(FORM_CSRF_COOKIE)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, caller: PageCaller, next: str = "") -> HTMLResponse:
    return render(request, "signup.html", caller, minimum=accounts.MIN_PASSWORD, next=safe_next(next))


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Csrf,
    role: Annotated[str, Form()] = "patient",
    display_name: Annotated[str, Form()] = "",
    profession: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, None, csrf)
    back = safe_next(next)
    again = {"minimum": accounts.MIN_PASSWORD, "email": email, "role": role, "display_name": display_name}
    again |= {"profession": profession, "next": back}
    try:
        account = accounts.register(runtime, email, password, role, display_name or None, profession or None)
    except InvalidInput as exc:
        return render(request, "signup.html", None, 422, error=str(exc).replace("_", " "), **again)
    except accounts.EmailTaken:
        message = "An account with this email already exists: sign in instead."
        return render(request, "signup.html", None, 409, error=message, **again)
    first = "/account" if account.role == "clinician" else "/onboarding"
    return _sign_in(request, runtime, account.id, back or first)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, caller: PageCaller, next: str = "") -> HTMLResponse:
    return render(request, "signin.html", caller, next=safe_next(next))


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Csrf,
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, None, csrf)
    back = safe_next(next)
    try:
        account = accounts.authenticate(runtime, email, password, client_of(request))
    except accounts.TooManyAttempts as exc:
        minutes = max(1, exc.retry_after // 60)
        message = f"Too many failed sign-ins. Please wait about {minutes} minutes and try again."
        response = render(request, "signin.html", None, 429, error=message, email=email, next=back)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts.BadCredentials:
        return render(request, "signin.html", None, 401, error="Wrong email or password.", email=email, next=back)
    next_page = back or ("/today" if preferences.saved(runtime, account.id) else "/onboarding")
    return _sign_in(request, runtime, account.id, next_page)


@router.post("/signout")
def signout(request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf) -> Response:
    if caller is not None:
        check_csrf(request, caller, csrf)
        accounts.revoke(runtime, request.cookies.get(SIGNIN_COOKIE))
    response = redirect("/")
    response.delete_cookie(SIGNIN_COOKIE)
    response.headers.update(SIGNED_OUT_CLEARS)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    feed = f"{request.base_url}calendar/{accounts.calendar_token(runtime, me.user_id)}.ics"
    latest = safety.latest_screen(runtime, me.user_id)
    from backcoach.app import clinic

    mine = clinic.links(runtime, me.user_id)
    log = clinic.access_log(runtime, me.user_id)
    invited = clinic.invitations(runtime, me.user_id) if me.role == "clinician" else []
    from backcoach.app.handouts import assigned

    program = assigned(runtime, me.user_id)
    return render(
        request,
        "account.html",
        me,
        feed=feed,
        latest=latest,
        links=mine,
        log=log,
        invitations=invited,
        assigned=program,
    )


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
    # The result is a page of its own, "Nothing was imported" with the first problem, whatever went wrong.
    try:
        if not isinstance(upload, UploadFile):
            raise TransferError("choose a backcoach export file", ("file",))
        try:
            raw = json.loads(await upload.read())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TransferError(f"not a JSON file ({exc})", ("file",)) from None
        if not isinstance(raw, dict):
            raise TransferError("not a backcoach export", ("file",))
        counts = import_account(runtime, me.user_id, raw)
    except InvalidInput as exc:
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
    response.delete_cookie(SIGNIN_COOKIE)
    response.headers.update(SIGNED_OUT_CLEARS)
    return response
