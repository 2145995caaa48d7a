"""Server-rendered pages (Jinja2). Forms carry a CSRF token; pages that need a person redirect to sign-in."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backcoach.web.deps import PageCaller

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES))


def render(request: Request, name: str, caller: Any = None, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("caller", caller)
    context.setdefault("csrf", caller.csrf if caller is not None else "")
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def invalid_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
    return render(request, "error.html", None, status_code=422, title="Please check the form", problems=problems)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "landing.html", caller)
