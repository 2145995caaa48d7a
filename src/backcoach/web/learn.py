"""The Learn section on the web: the topic pages, the same topics as JSON, and the card that Today shows.

The pages need no sign-in; the navigation still shows who is signed in. The Today card is a Jinja global
(`learn_card_topic()`, added by `install`) so that Today's own route needs no change to show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from backcoach import content
from backcoach.app import preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import NotFound
from backcoach.domain.learn import Topic, topic_of_the_day
from backcoach.web.deps import PageCaller
from backcoach.web.pages import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["learn"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such topic"}}


def topics() -> list[Topic]:
    # The runtime holds the catalogue and the ladders but no lessons: these are the shipped ones.
    return list(content.learn_topics().values())


def _topic_or_404(topic_id: str) -> Topic:
    found = next((t for t in topics() if t.id == topic_id), None)
    if found is None:
        raise NotFound(f"unknown topic {topic_id!r}")
    return found


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request, caller: PageCaller) -> HTMLResponse:
    return render(request, "learn.html", caller, topics=topics())


@router.get("/learn/{topic_id}", response_class=HTMLResponse)
def learn_topic(request: Request, topic_id: str, caller: PageCaller) -> HTMLResponse:
    topic = _topic_or_404(topic_id)
    every = topics()
    at = every.index(topic)
    previous = every[at - 1] if at > 0 else None
    following = every[at + 1] if at + 1 < len(every) else None
    return render(request, "learn_topic.html", caller, topic=topic, previous=previous, following=following)


@api_router.get("/learn", response_model=list[Topic])
def api_learn() -> list[Topic]:
    return topics()


@api_router.get("/learn/{topic_id}", response_model=Topic, responses=NOT_FOUND)
def api_learn_topic(topic_id: str) -> Topic:
    return _topic_or_404(topic_id)


@pass_context
def learn_card_topic(context: Context) -> Topic:
    """Today's topic for the Today card, by the runtime's clock, so that tests and every server agree on the day;
    the signed-in person's own day, so that it changes when their cached Today page does."""
    request: Request = context["request"]
    runtime: Runtime = request.app.state.runtime
    caller = context.get("caller")
    day = preferences.today(runtime, caller.user_id) if caller is not None else runtime.today()
    return topic_of_the_day(topics(), day)


def install(templates: Jinja2Templates) -> None:
    """Make `learn_card_topic()` available to every page, for `_learn_card.html`."""
    templates.env.globals["learn_card_topic"] = learn_card_topic
