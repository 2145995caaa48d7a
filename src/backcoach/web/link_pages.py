"""The page a clinician's invitation link opens (`/link/{code}`): who is asking and exactly what they could see and
do, with Accept and Decline; and the account page's forms that end a link, switch note sharing and invite a patient.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from backcoach.app import clinic
from backcoach.web.deps import PageCaller, RowId, RuntimeDep
from backcoach.web.pages import Csrf, check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/link/{code}", response_class=HTMLResponse)
def link_page(code: str, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    if caller is None:
        # Someone given the link before they have an account (or signed in) comes back to it afterwards.
        return redirect("/signin?" + urlencode({"next": f"/link/{quote(code, safe='')}"}))
    me = caller
    return render(request, "link.html", me, preview=clinic.preview(runtime, me.user_id, code), code=code)


@router.post("/link/{code}")
def answer_link(
    code: str, request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf, answer: Annotated[str, Form()]
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    if answer == "accept":
        clinic.accept(runtime, me.user_id, code)
    elif answer == "decline":
        clinic.decline(runtime, me.user_id, code)
    else:
        return render(
            request, "error.html", me, 422, title="Please check the form", message="Choose accept or decline."
        )
    return redirect("/account")


@router.post("/account/clinicians/{link_id}/end")
def end_link(link_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    clinic.end_link(runtime, me.user_id, link_id)
    return redirect("/account")


@router.post("/account/clinicians/{link_id}/notes")
def share_notes(
    link_id: RowId,
    request: Request,
    runtime: RuntimeDep,
    caller: PageCaller,
    csrf: Csrf,
    shares: Annotated[str, Form()],
) -> Response:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    clinic.set_shares_notes(runtime, me.user_id, link_id, shares == "yes")
    return redirect("/account")


@router.post("/account/invitations", response_class=HTMLResponse)
def new_invitation(request: Request, runtime: RuntimeDep, caller: PageCaller, csrf: Csrf) -> HTMLResponse:
    me = signed_in(caller)
    check_csrf(request, me, csrf)
    made = clinic.create_invitation(runtime, me.user_id)
    message = (
        f"Give your patient this code: {made.code}, or this link: {request.base_url}{made.link.lstrip('/')}. "
        f"It works once, until {made.invitation.expires_at.date()}; this is the only time it is shown."
    )
    return render(request, "error.html", me, 201, title="Invitation created", message=message)
