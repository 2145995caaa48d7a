"""The Progress page at 0, 1, 7, 90 and 700 sessions: each chart's SVG (valid, no title of its own, integer counts,
dates only where there is data), the tables beside the charts (the same numbers, checked against sums worked out
here from the stored records), the cache, and the page in Chromium at phone and laptop sizes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from statistics import fmean
from typing import Any

import pytest
from bench.progress import seed_person
from fastapi.testclient import TestClient

from backcoach.app import history, outcomes, preferences
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.domain.history import SessionRecord
from backcoach.domain.progress import week_start
from backcoach.domain.timeline import resolve
from backcoach.render import charts
from backcoach.settings import Settings
from backcoach.web.deps import SIGNIN_COOKIE
from backcoach.web.history_pages import CHARTS
from tests.browser import browser, output_folder
from tests.conftest import ROOT, Clock
from tests.web.test_a11y import axe_source, violations
from tests.web.test_browser import LAPTOP, PHONE, server

__all__ = ["axe_source", "browser", "server"]

SVG = "{http://www.w3.org/2000/svg}"
AMOUNTS = [0, 1, 7, 90, pytest.param(700, marks=pytest.mark.slow)]
MONTHS = {dt.date(2026, n, 1).strftime("%b"): n for n in range(1, 13)}


# Reading what the app sends


class Tables(HTMLParser):
    """Every <table> of a page: its caption and its rows, each a list of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)

    def named(self, start: str) -> list[list[str]]:
        """The body rows of the table whose caption starts with `start`."""
        found = [t for t in self.tables if t["caption"].startswith(start)]
        assert len(found) == 1, [t["caption"] for t in self.tables]
        rows: list[list[str]] = found[0]["rows"][1:]
        return rows


def svg_root(body: bytes) -> ET.Element:
    root = ET.fromstring(body)  # valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    return root


def tick_labels(root: ET.Element, axis: str) -> list[list[str]]:
    """The text of each tick label on the x or y axes, left to right (or bottom to top), lines kept apart."""
    return [
        [t.text or "" for t in group.iter(f"{SVG}text")]
        for group in root.iter(f"{SVG}g")
        if re.fullmatch(rf"{axis}tick_\d+", group.get("id", ""))
        if any(True for _ in group.iter(f"{SVG}text"))
    ]


def tick_dates(labels: list[list[str]]) -> list[dt.date]:
    """Date labels as the charts write them ("21 Nov" / "2026", "Mar", "2025"), the year carried from the last
    label that gave one."""
    days, year = [], None
    for lines in labels:
        words = " ".join(lines).split()
        if words and words[-1].isdigit() and len(words[-1]) == 4:
            year = int(words.pop())
        assert year is not None, f"the first date label gives the year: {labels}"
        if not words:
            days.append(dt.date(year, 1, 1))
        elif len(words) == 1:
            days.append(dt.date(year, MONTHS[words[0]], 1))
        else:
            days.append(dt.date(year, MONTHS[words[1]], int(words[0])))
    return days


def points(value: float | None) -> str:
    """A number as the page writes it."""
    return "–" if value is None else f"{value:.1f}".removesuffix(".0")


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


# The person


@pytest.fixture
def runtime(app: Any) -> Runtime:
    found: Runtime = app.state.runtime
    return found


def signed_in(app: Any, token: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SIGNIN_COOKIE, token)
    return client


def stored(runtime: Runtime, user: int) -> list[SessionRecord]:
    return history.records(runtime, user)


# In-process: the charts and the tables


@pytest.mark.parametrize("count", AMOUNTS)
def test_progress_at(app: Any, runtime: Runtime, count: int) -> None:
    """Seeded once (one import), then both checks: drawing is the slow part, and the second finds it cached."""
    user, token = seed_person(runtime, f"p{count}@example.org", count)
    client = signed_in(app, token)
    records = stored(runtime, user)
    assert len(records) == count
    each_chart_is_valid_untitled_and_dated_only_where_there_is_data(client, runtime, user, records)
    the_tables_hold_the_charts_numbers(client, runtime, user, records)


def each_chart_is_valid_untitled_and_dated_only_where_there_is_data(
    client: TestClient, runtime: Runtime, user: int, records: list[SessionRecord]
) -> None:
    count = len(records)
    page = client.get("/progress")
    assert page.status_code == 200
    checks = [s.record for s in outcomes.outcomes(runtime, user)]
    for name in CHARTS:
        response = client.get(f"/progress/{name}.svg")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == "image/svg+xml"
        root = svg_root(response.content)
        titles = [e for e in root.iter() if e.tag.endswith("}title")]
        assert len(titles) <= 1, f"{name}: one title at most"
        texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert "Pain around" not in texts, "the page's heading is the title"
        assert "Days you exercised" not in texts
        assert "#fe0" not in response.text, "every colour placeholder became a CSS variable"
        assert "prefers-color-scheme: dark" in response.text
        if not count:
            continue
        for labels in tick_labels(root, "y"):
            assert re.fullmatch(r"\d+", " ".join(labels)), f"{name}: counts and scores are whole numbers: {labels}"
        dated = tick_dates(tick_labels(root, "x"))
        if name == "calendar":
            assert not dated
            continue
        if name == "outcome":
            first, last = checks[0].date, checks[-1].date
        else:
            first, last = records[0].date, records[-1].date
        assert dated, f"{name} has dates"
        assert all(first <= d <= last for d in dated), f"{name}: {dated} outside {first} to {last}"
        assert dated == sorted(set(dated))
    if count == 1:
        pain = svg_root(client.get("/progress/pain.svg").content)
        assert tick_dates(tick_labels(pain, "x")) == [records[0].date], "one session shows one day, not years"


def the_tables_hold_the_charts_numbers(
    client: TestClient, runtime: Runtime, user: int, records: list[SessionRecord]
) -> None:
    count = len(records)
    html = client.get("/progress").text
    tables = Tables(html)
    if not count:
        assert "No sessions yet" in html
        assert 'href="/today"' in html
        assert not tables.tables
        assert "/progress/pain.svg" not in html
        return

    # Pain: each week's averages, newest first, worked out here from the stored records.
    weeks: dict[dt.date, list[SessionRecord]] = defaultdict(list)
    for r in records:
        weeks[week_start(r.date)].append(r)

    def mean(values: list[int]) -> float | None:
        return round(fmean(values), 1) if values else None

    expected = [
        [
            day_text(start),
            str(len(week)),
            points(mean([r.pain_before for r in week])),
            points(mean([r.pain_after for r in week if r.pain_after is not None])),
            points(mean([r.pain_next_morning for r in week if r.pain_next_morning is not None])),
        ]
        for start, week in sorted(weeks.items(), reverse=True)
    ]
    assert tables.named("Average pain") == expected
    pain = svg_root(client.get("/progress/pain.svg").content)
    line = next(g for g in pain.iter(f"{SVG}g") if g.get("id") == "weekly-before")
    path = next(line.iter(f"{SVG}path")).get("d", "")
    # Flat across each week while sessions are marked, else a point a week: either way, the weeks of the table.
    per_week = 2 if count <= charts.MARKED_SESSIONS else 1
    assert len(re.findall(r"[ML] ", path)) == per_week * len(weeks)

    # The calendar: the days of each week shown (at most 26), and the sessions on them.
    today = preferences.today(runtime, user)
    per_day = Counter(r.date for r in records)
    last_week = week_start(max(today, records[-1].date))
    first_week = max(week_start(records[0].date), last_week - dt.timedelta(weeks=charts.CALENDAR_WEEKS - 1))
    rows = tables.named("The days with a session")
    rows_weeks = [last_week - dt.timedelta(weeks=n) for n in range(len(rows))]
    assert [row[0] for row in rows] == [day_text(w) for w in rows_weeks], "every week, newest first"
    assert rows_weeks[-1] == first_week
    assert len(rows) <= 26
    for row in rows:
        start = next(w for w in rows_weeks if day_text(w) == row[0])
        days = [per_day.get(start + dt.timedelta(days=n), 0) for n in range(7)]
        assert row[2:] == [str(sum(1 for n in days if n)), str(sum(days))], row
    shown = sum(int(row[3]) for row in rows)
    assert shown == sum(n for d, n in per_day.items() if d >= first_week)
    done = sum(int(row[2]) for row in rows)
    calendar = client.get("/progress/calendar.svg").text
    filled = len(re.findall(r"fill: var\(--day[123]\)", calendar))
    assert filled == done + 3, "a filled cell for each day done, and the key's three"
    assert f"Days with a session: {done} of " in html

    # Doses: for each exercise, every time it was done, every unfinished one, and every count it was given.
    done_by: dict[str, list[Any]] = defaultdict(list)
    for r in records:
        for item in r.items:
            done_by[item.exercise].append(item)
    names = runtime.names
    for exercise, items in done_by.items():
        rows = tables.named(f"{names[exercise]}:")
        assert sum(int(row[5]) for row in rows) == len(items)
        assert sum(int(row[6]) for row in rows) == sum(1 for i in items if not i.completed)
        counts = {(resolve(i.prescription).reps or 1) * (resolve(i.prescription).sets or 1) for i in items}
        assert {int(row[4]) for row in rows} == counts
        assert rows[0][2] == names[items[-1].rung or exercise], "newest first: the rung done last"
    doses = svg_root(client.get("/progress/doses.svg").content)
    panel_titles = {t.text for t in doses.iter(f"{SVG}text")}
    assert {names[e] for e in done_by} <= panel_titles

    # The weekly check: one row per check, newest first, each with its average and scores.
    checks = [s.record for s in outcomes.outcomes(runtime, user)]
    rows = tables.named("Each weekly check")
    assert [row[1] for row in rows] == [points(c.average) for c in reversed(checks)]
    assert [row[2] for row in rows] == [
        "; ".join(f"{a.activity}: {a.score}" for a in c.activities) for c in reversed(checks)
    ]


def test_one_session_shows_one_day_and_the_empty_weeks_are_not_invented(app: Any, runtime: Runtime) -> None:
    user, token = seed_person(runtime, "one@example.org", 1)
    client = signed_in(app, token)
    [record] = stored(runtime, user)
    html = client.get("/progress").text
    assert f"1 session from {day_text(record.date)}." in html
    rows = Tables(html).named("The days with a session")
    assert len(rows) == 1, "one week, not half a year of empty ones"
    calendar = client.get("/progress/calendar.svg").text
    assert len(re.findall(r"fill: var\(--day0\)", calendar)) == 1, "no empty cell: only the key's"


def test_a_long_history_shows_the_last_26_weeks_and_says_where_the_rest_is(app: Any, runtime: Runtime) -> None:
    _, token = seed_person(runtime, "long@example.org", 200, checks=0)
    client = signed_in(app, token)
    html = client.get("/progress").text
    assert "in the last 26 weeks" in html
    assert "the chart draws the weekly averages alone" in html
    assert "earlier sessions are in the pain chart above" in html
    assert len(Tables(html).named("The days with a session")) == 26


def test_charts_are_drawn_once_per_change(app: Any, runtime: Runtime, clock: Clock) -> None:
    user, token = seed_person(runtime, "cache@example.org", 7, checks=1)
    client = signed_in(app, token)
    first = {name: client.get(f"/progress/{name}.svg").content for name in ("pain", "calendar")}
    hits = runtime.cache.hits
    assert client.get("/progress/pain.svg").content == first["pain"]
    assert runtime.cache.hits == hits + 1, "unchanged data: served from the cache"

    record = stored(runtime, user)[-1].model_copy(update={"pain_before": 9})
    history.add_session(runtime, user, record)
    assert client.get("/progress/pain.svg").content != first["pain"], "a new session is drawn at once"
    assert "8 sessions" in client.get("/progress").text

    clock.advance(days=1)
    later = client.get("/progress/calendar.svg").content
    assert later != first["calendar"], "a new day moves the calendar on"


DRAW_IN_THREADS = """
import datetime as dt, threading
from backcoach import content
from backcoach.render import charts
from bench.progress import history

today = dt.date(2026, 11, 21)
catalogue, ladders = content.catalogue(), content.ladders()
names = {e.id: e.name for e in catalogue}
records = history(7, today, catalogue, ladders)
jobs = {
    "pain": lambda: charts.pain_svg(charts.pain_data(records)),
    "calendar": lambda: charts.calendar_svg(charts.calendar_data(records, today)),
    "doses": lambda: charts.doses_svg(charts.dose_data(records, names, ladders)),
    "outcome": lambda: charts.outcome_svg([]),
}
together = {}
threads = [threading.Thread(target=lambda n=n, j=j: together.__setitem__(n, j())) for n, j in jobs.items()]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
alone = {name: job() for name, job in jobs.items()}
print(sorted(together) == sorted(jobs) and together == alone)
"""


def test_drawing_from_several_threads_at_once_gives_the_same_bytes() -> None:
    """The web app draws in its thread pool, and a fresh server's first charts arrive together: matplotlib is
    imported and used by one thread at a time (imported from two at once, it was half-initialised in one)."""
    result = subprocess.run(
        [sys.executable, "-c", DRAW_IN_THREADS], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_an_unknown_chart_is_404_naming_the_charts(app: Any, runtime: Runtime) -> None:
    _, token = seed_person(runtime, "unknown@example.org", 1, checks=0)
    client = signed_in(app, token)
    for name in ("weeks", "dose", "nope"):
        response = client.get(f"/progress/{name}.svg")
        assert response.status_code == 404
        assert "pain, calendar, doses, outcome" in response.text
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/progress/pain.svg").status_code == 303


def test_matplotlib_is_not_imported_with_the_app() -> None:
    code = "import sys, backcoach.web.app, backcoach.render.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# In Chromium: what a person sees


@pytest.fixture
def seeded_server(server: str, tmp_path: Path) -> Iterator[tuple[str, Runtime]]:
    """The server's own database, written through the application layer. The server reads the real clock, so the
    history ends on today's date by it."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    runtime = create_runtime(
        Settings(home=tmp_path / "home"),
        clock=Clock(dt.datetime.now(dt.UTC)),
        hasher=PasswordHasher.from_parameters(CHEAPEST),
    )
    yield server, runtime
    runtime.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("count", [0, 1, 7, 90, 700])
def test_the_page_in_chromium_at_phone_and_laptop_sizes(
    browser: Any, axe_source: str, seeded_server: tuple[str, Runtime], count: int
) -> None:
    base, runtime = seeded_server
    _, token = seed_person(runtime, f"screen{count}@example.org", count)
    folder = output_folder("web")
    for name, size, scheme in (("phone", PHONE, "light"), ("laptop", LAPTOP, "light"), ("phone-dark", PHONE, "dark")):
        if scheme == "dark" and count not in (7, 700):
            continue
        context = browser.new_context(viewport=size, color_scheme=scheme)
        context.add_cookies([{"name": SIGNIN_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/progress")
        page.get_by_role("heading", name="Your progress").wait_for()
        charts_shown = page.locator("img.chart")
        if count:
            assert charts_shown.count() == 4
            page.wait_for_function(
                "() => [...document.querySelectorAll('img.chart')].every(i => i.complete && i.naturalWidth > 0)",
                timeout=60_000,
            )
            for index in range(charts_shown.count()):
                chart = charts_shown.nth(index)
                assert chart.is_visible()
                assert chart.get_attribute("alt")
                box = chart.bounding_box()
                assert box is not None
                assert box["x"] >= 0
                assert box["x"] + box["width"] <= size["width"], "no chart runs off the screen"
            # The tables are there for a screen reader, and one click away for anyone.
            details = page.locator("details").first
            assert not details.locator("table").is_visible()
            details.locator("summary").click()
            assert details.locator("table").is_visible()
            details.locator("summary").click()
        else:
            assert charts_shown.count() == 0
            assert page.get_by_text("No sessions yet").is_visible()
            assert page.get_by_role("link", name="Go to today's session").is_visible()
        # axe-core with every table open as well: nothing serious or critical.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert not violations(page, axe_source), violations(page, axe_source)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = false; })")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"the page is {width} px wide at {size['width']}"
        page.screenshot(path=str(folder / f"progress-{count}-{name}.png"), full_page=True)
        assert not errors, errors
        context.close()
