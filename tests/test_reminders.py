"""Reminders that fit the program: the schedule's validation, the calendar feed (time zones, daylight saving), the
person's own day and midnight, and the `preferences` command. See docs/reminders.md."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from backcoach.app import guided, plans, preferences
from backcoach.app.runtime import Runtime, local_zone_name
from backcoach.domain.errors import InvalidInput
from backcoach.domain.preferences import WEEKDAYS, Preferences, minutes_of, valid_zone
from backcoach.render.calendar import DAYS_AHEAD, plan_calendar
from tests.conftest import Clock
from tests.strategies import examples

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)


def refused(raw: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        preferences.parse(raw)
    return caught.value


# Validation, as a table: each rule, the field it names and what its message says.

REFUSED = [
    ({"times": ["8:00"]}, "times", "'8:00' (session 1) is not a time: use HH:MM"),
    ({"times": ["08:00", "25:00"]}, "times", "'25:00' (session 2) is not a time"),
    ({"times": ["morning"]}, "times", "is not a time: use HH:MM, 24-hour"),
    ({"times": ["08:00", ""]}, "times", "session 2 has no time"),
    ({"times": ["08:00", "08:30"]}, "times", "08:30 is less than an hour after 08:00"),
    ({"times": ["08:00", "08:59"]}, "times", "at least an hour apart"),
    ({"times": ["12:00", "08:00"]}, "times", "08:00 comes after 12:00 in the list: give the times in increasing order"),
    ({"times": ["08:00", "08:00"]}, "times", "increasing order"),
    ({"times": ["00:10", "12:00", "23:30"]}, "times", "00:10 the next day is less than an hour after 23:30"),
    ({"times": []}, "times", "give 1 to 3 times, one per session (got 0)"),
    ({"times": ["06:00", "09:00", "12:00", "15:00"]}, "times", "give 1 to 3 times"),
    ({"times": "08:00"}, "times", "must be a list of times"),
    ({"sessions_per_day": 2, "times": ["08:00"]}, "times", "2 sessions a day need 2 times, got 1"),
    ({"sessions_per_day": 1, "times": ["08:00", "12:00"]}, "times", "1 session a day needs 1 time, got 2"),
    ({"sessions_per_day": 4}, "sessions_per_day", "less than or equal to 3"),
    ({"sessions_per_day": 0}, "sessions_per_day", "greater than or equal to 1"),
    ({"days": []}, "days", "choose at least one day: mon, tue, wed, thu, fri, sat, sun"),
    ({"days": ["mon", "funday"]}, "days", "'funday' is not a day of the week: use mon, tue, wed, thu, fri, sat, sun"),
    ({"days": ["Monday"]}, "days", "'Monday' is not a day of the week"),
    ({"days": "mon"}, "days", "must be a list of days of the week from mon, tue"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "'Mars/Olympus_Mons' is not a time zone: use an IANA"),
    ({"time_zone": "europe/london"}, "time_zone", "is not a time zone"),
    ({"time_zone": "Europe"}, "time_zone", "is not a time zone"),  # a folder of zones
    ({"time_zone": "localtime"}, "time_zone", "is not a time zone"),  # a file beside the zones, not one
    ({"time_zone": "../../etc/passwd"}, "time_zone", "is not a time zone"),
    ({"time_zone": "/etc/localtime"}, "time_zone", "is not a time zone"),
    ({"time_zone": "Europe/London\x00"}, "time_zone", "is not a time zone"),
    ({"time_zone": ""}, "time_zone", "is not a time zone"),
    ({"time_zone": 3}, "time_zone", "is not a time zone"),
]


@pytest.mark.parametrize(("raw", "field", "message"), REFUSED)
def test_a_bad_schedule_is_refused_naming_the_field_and_what_it_allows(
    raw: dict[str, Any], field: str, message: str
) -> None:
    error = refused(raw)
    assert error.loc == (field,)
    assert message in error.message
    assert not error.message.startswith("Value error"), "the message as written, not pydantic's wrapping"


ACCEPTED = [
    ({}, 1, WEEKDAYS, ("08:00",), None),
    ({"sessions_per_day": 2}, 2, WEEKDAYS, ("08:00", "14:00"), None),
    ({"sessions_per_day": "3"}, 3, WEEKDAYS, ("08:00", "14:00", "20:00"), None),
    ({"times": ["07:00", "08:00"]}, 2, WEEKDAYS, ("07:00", "08:00"), None),  # exactly an hour is enough
    ({"times": ["00:00", "23:00"]}, 2, WEEKDAYS, ("00:00", "23:00"), None),  # an hour across midnight too
    ({"times": ["23:59"]}, 1, WEEKDAYS, ("23:59",), None),
    ({"days": ["sun", "mon", "sun"]}, 1, ("mon", "sun"), ("08:00",), None),  # week order, each once
    ({"time_zone": "Pacific/Kiritimati"}, 1, WEEKDAYS, ("08:00",), "Pacific/Kiritimati"),
    ({"time_zone": "Etc/GMT+5"}, 1, WEEKDAYS, ("08:00",), "Etc/GMT+5"),
    ({"times": None, "sessions_per_day": 2}, 2, WEEKDAYS, ("08:00", "14:00"), None),
]


@pytest.mark.parametrize(("raw", "count", "days", "times", "zone"), ACCEPTED)
def test_a_good_schedule_is_kept_as_chosen(
    raw: dict[str, Any], count: int, days: tuple[str, ...], times: tuple[str, ...], zone: str | None
) -> None:
    prefs = preferences.parse(raw)
    assert (prefs.sessions_per_day, prefs.days, prefs.times, prefs.time_zone) == (count, days, times, zone)
    assert preferences.parse(prefs.model_dump(mode="json")) == prefs, "what is stored reads back the same"


@pytest.mark.parametrize(
    ("stored", "times"),
    [
        ({"minutes": 20, "equipment": ["chair"], "floor": False, "level": "beginner"}, ("08:00",)),
        (
            {"minutes": 10, "equipment": [], "floor": True, "level": "advanced", "sessions_per_day": 2},
            ("08:00", "14:00"),
        ),
        (
            {"minutes": 10, "equipment": [], "floor": True, "level": "advanced", "sessions_per_day": 3},
            ("08:00", "14:00", "20:00"),
        ),
    ],
)
def test_preferences_stored_before_the_schedule_still_load(
    runtime: Runtime, stored: dict[str, Any], times: tuple[str, ...]
) -> None:
    user = runtime.local_user()
    with runtime.unit(user) as repo:
        repo.save_preferences(stored)  # as an older backcoach wrote them, through the real table
    prefs = preferences.current(runtime, user)
    assert prefs.minutes == stored["minutes"]
    assert (prefs.days, prefs.times, prefs.time_zone) == (WEEKDAYS, times, None)
    feed = Calendar.from_ical(plan_calendar(prefs, dt.date(2026, 11, 21), NOW, LONDON))
    assert len(list(feed.walk("VEVENT"))) == DAYS_AHEAD * len(times), "the old feed: every day, 6 hours apart"


def test_the_time_zone_check_takes_every_zone_this_machine_lists() -> None:
    import zoneinfo

    listed = zoneinfo.available_timezones() - {"localtime", "posixrules"}
    assert listed
    assert all(valid_zone(zone) for zone in listed)


# The feed


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


zones = st.sampled_from(
    [None, "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Kiritimati", "UTC"]
)
times = st.text(alphabet="0123456789:", min_size=4, max_size=5) | st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)
)
# Times in order, often far enough apart: most random lists of times are refused, and the feed is what is tested.
ordered_times = st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=3, unique=True).map(
    lambda minutes: [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(minutes)]
)
raw_schedules = st.fixed_dictionaries(
    {},
    optional={
        "sessions_per_day": st.integers(0, 4),
        "times": st.lists(times, max_size=4) | ordered_times | ordered_times,
        "days": st.lists(st.sampled_from(WEEKDAYS), max_size=8) | st.lists(st.sampled_from([*WEEKDAYS, "funday"])),
        "time_zone": zones,
        "minutes": st.integers(5, 60),
    },
)


@settings(max_examples=examples(200))
@given(raw=raw_schedules, first=st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)))
def test_any_accepted_schedule_gives_a_feed_on_the_chosen_days_and_times(raw: dict[str, Any], first: dt.date) -> None:
    try:
        prefs = preferences.parse(raw)
    except InvalidInput as exc:
        named = exc.loc[0] if exc.loc else None
        assert named in raw, "a refusal names a field that was given"
        return
    zone = ZoneInfo(prefs.time_zone) if prefs.time_zone else None
    found = events(plan_calendar(prefs, first, NOW, zone))
    starts = [e.decoded("dtstart") for e in found]
    local = [s.replace(tzinfo=None) for s in starts]  # the wall clock in the person's zone, as the feed says it
    assert all((s.tzinfo is not None) == (zone is not None) for s in starts)
    for event, start in zip(found, starts, strict=True):
        if zone is None:
            continue
        if "TZID" in event["DTSTART"].params:
            assert event["DTSTART"].params["TZID"] == prefs.time_zone
        else:  # a zone that is UTC all year is written as UTC ("...Z"), which needs no VTIMEZONE
            assert start.utcoffset() == dt.timedelta(0)
            assert zone.utcoffset(start.replace(tzinfo=None)) == dt.timedelta(0)
    assert all(WEEKDAYS[t.weekday()] in prefs.days for t in local)
    assert all(t.strftime("%H:%M") in prefs.times for t in local)
    assert all(first <= t.date() < first + dt.timedelta(days=DAYS_AHEAD) for t in local)
    assert local == sorted(local), "in order"
    per_day = Counter(t.date() for t in local)
    assert max(per_day.values(), default=0) <= 3
    assert all(n == len(prefs.times) for n in per_day.values())
    days_chosen = sum(WEEKDAYS[(first + dt.timedelta(days=d)).weekday()] in prefs.days for d in range(DAYS_AHEAD))
    assert len(found) == days_chosen * len(prefs.times)
    assert all(b - a >= dt.timedelta(hours=1) for a, b in itertools.pairwise(local)), "never within an hour"
    for event in found:
        [alarm] = event.walk("VALARM")
        assert alarm.decoded("trigger") == dt.timedelta(minutes=-10)
        assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=prefs.minutes)
        numbered = "session " in str(event["summary"])
        assert numbered == (len(prefs.times) > 1)


def vtimezone_offset(body: bytes, local: dt.datetime) -> dt.timedelta:
    """The UTC offset at a local time by the feed's own VTIMEZONE rules, not by this machine's zone files: what a
    calendar that knows nothing of IANA names would read."""
    [vtz] = Calendar.from_ical(body).walk("VTIMEZONE")
    changes = []
    for rule in vtz.subcomponents:
        starts = [rule.decoded("dtstart")]
        for rdate in rule.get("rdate", []) if isinstance(rule.get("rdate"), list) else [rule.get("rdate")]:
            if rdate is not None:
                starts += [d.dt for d in rdate.dts]
        changes += [(start, rule.decoded("tzoffsetto")) for start in starts]
    offset: dt.timedelta = max((c for c in changes if c[0] <= local), key=lambda c: c[0])[1]
    return offset


@pytest.mark.parametrize(
    ("first", "before", "after"),
    [
        (dt.date(2027, 3, 20), dt.timedelta(0), dt.timedelta(hours=1)),  # clocks go forward on 28 March 2027
        (dt.date(2026, 10, 20), dt.timedelta(hours=1), dt.timedelta(0)),  # and back on 25 October 2026
    ],
)
def test_a_daylight_saving_change_keeps_the_session_at_8_local(
    first: dt.date, before: dt.timedelta, after: dt.timedelta
) -> None:
    prefs = preferences.parse({"times": ["08:00"], "time_zone": "Europe/London"})
    body = plan_calendar(prefs, first, NOW, LONDON)
    assert b"BEGIN:VTIMEZONE" in body
    assert b"TZID:Europe/London" in body
    assert b"DTSTART;TZID=Europe/London:" in body
    starts = [e.decoded("dtstart") for e in events(body)]
    assert {s.strftime("%H:%M") for s in starts} == {"08:00"}, "08:00 on the wall clock every day"
    first_utc, last_utc = starts[0].astimezone(dt.UTC), starts[-1].astimezone(dt.UTC)
    eight = dt.datetime(2000, 1, 1, 8, tzinfo=dt.UTC)
    assert first_utc.time() == (eight - before).time()
    assert last_utc.time() == (eight - after).time()
    assert vtimezone_offset(body, starts[0].replace(tzinfo=None)) == before
    assert vtimezone_offset(body, starts[-1].replace(tzinfo=None)) == after
    assert len(body) < 20_000, "the zone's rules for the feed's weeks only"


def test_without_a_named_zone_the_times_float() -> None:
    body = plan_calendar(Preferences(), dt.date(2026, 11, 21), NOW, None)
    assert b"VTIMEZONE" not in body
    assert b"TZID" not in body
    assert b"DTSTART:20261121T080000\r\n" in body


def test_several_sessions_a_day_are_numbered() -> None:
    prefs = preferences.parse({"times": ["07:00", "12:30", "19:00"], "days": ["sat"], "time_zone": "UTC"})
    found = events(plan_calendar(prefs, dt.date(2026, 11, 21), NOW, ZoneInfo("UTC")))
    assert [str(e["summary"]) for e in found[:3]] == [
        f"Back exercises, session {n} of 3 (backcoach)" for n in (1, 2, 3)
    ]
    assert len({str(e["uid"]) for e in found}) == len(found) == 4 * 3


# The person's own day


def set_zone(runtime: Runtime, user: int, zone: str | None) -> None:
    preferences.save(runtime, user, preferences.parse({"time_zone": zone}))


def test_a_persons_today_and_midnight_follow_their_zone(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    clock.current = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)  # already 02:00 on the 22nd in Kiritimati
    set_zone(runtime, user, "Pacific/Kiritimati")
    assert preferences.today(runtime, user) == dt.date(2026, 11, 22)
    midnight = dt.datetime(2026, 11, 23, tzinfo=ZoneInfo("Pacific/Kiritimati"))
    assert preferences.day_ends(runtime, user) == midnight.astimezone(dt.UTC)
    snapshot = plans.plan_snapshot(runtime, user)
    assert snapshot.valid_until == midnight.astimezone(dt.UTC), "a cached plan holds until the person's midnight"
    session = guided.begin_session(runtime, user, pain_before=2)
    with runtime.unit(user) as repo:
        assert repo.get_session(session).record.date == dt.date(2026, 11, 22)  # type: ignore[union-attr]

    set_zone(runtime, user, "America/Los_Angeles")  # 04:00 on the 21st there
    assert preferences.today(runtime, user) == dt.date(2026, 11, 21)
    later = plans.plan_snapshot(runtime, user)
    assert later.revision != snapshot.revision, "changing the zone is a write: what was cached is dropped"
    assert later.valid_until == dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def test_the_next_midnight_is_when_the_day_begins_where_daylight_saving_skips_midnight(runtime: Runtime) -> None:
    # Santiago's clocks go from 24:00 on Saturday 5 September 2026 to 01:00 on Sunday: 00:00 never happens.
    santiago = ZoneInfo("America/Santiago")
    runtime.clock = lambda: dt.datetime(2026, 9, 5, 20, 0, tzinfo=santiago)
    ends = runtime.day_ends(santiago)
    assert ends == dt.datetime(2026, 9, 6, 4, 0, tzinfo=dt.UTC)
    assert ends.astimezone(santiago).date() == dt.date(2026, 9, 6)
    assert (ends - dt.timedelta(seconds=1)).astimezone(santiago).date() == dt.date(2026, 9, 5)


def test_without_a_chosen_zone_the_day_is_the_servers(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    assert preferences.today(runtime, user) == clock().astimezone().date()
    assert preferences.day_ends(runtime, user) == runtime.day_ends()


@pytest.mark.parametrize(
    ("tz", "expected"),
    [(":Asia/Tokyo", "Asia/Tokyo"), ("Europe/Paris", "Europe/Paris"), ("EST5EDT,M3.2.0,M11.1.0", None)],
)
def test_the_servers_zone_is_named_from_tz(monkeypatch: pytest.MonkeyPatch, tz: str, expected: str | None) -> None:
    monkeypatch.setenv("TZ", tz)
    local_zone_name.cache_clear()
    try:
        assert local_zone_name() == expected
    finally:
        local_zone_name.cache_clear()


def test_times_are_minutes_after_midnight() -> None:
    assert [minutes_of(t) for t in ("00:00", "08:30", "23:59")] == [0, 510, 1439]


# The command


def test_the_preferences_command_changes_only_what_it_names_and_writes_the_calendar(
    run: Any, db_home: Path, tmp_path: Path
) -> None:
    shown = run("preferences", "--sessions-per-day", "2")
    assert shown.exit_code == 0, shown.output
    assert "2 sessions a day, at 08:00 and 14:00, every day." in " ".join(shown.output.split())
    changed = run("preferences", "--times", "07:30,18:00", "--days", "MON,wed,fri", "--time-zone", "Europe/London")
    assert changed.exit_code == 0, changed.output
    saved = json.loads(run("preferences", "--json").output)
    assert saved["sessions_per_day"] == 2
    assert (saved["times"], saved["days"], saved["time_zone"]) == (
        ["07:30", "18:00"],
        ["mon", "wed", "fri"],
        "Europe/London",
    )
    assert saved["minutes"] == 15, "the plan options are kept"
    ics = tmp_path / "sessions.ics"
    assert run("preferences", "--calendar", str(ics)).exit_code == 0
    found = events(ics.read_bytes())
    assert found
    assert all(e["DTSTART"].params["TZID"] == "Europe/London" for e in found)
    assert {e.decoded("dtstart").strftime("%a %H:%M")[:3] for e in found} == {"Mon", "Wed", "Fri"}
    assert run("preferences", "--time-zone", "local").exit_code == 0
    assert json.loads(run("preferences", "--json").output)["time_zone"] is None


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (["--times", "07:00,07:30"], "--times", "less than an hour after 07:00"),
        (["--times", "7am"], "--times", "is not a time: use HH:MM"),
        (["--days", "mon,someday"], "--days", "'someday' is not a day of the week: use mon, tue"),
        (["--days", ""], "--days", "choose at least one day"),
        (["--time-zone", "Atlantis/Capital"], "--time-zone", "is not a time zone: use an IANA"),
        (["--sessions-per-day", "4"], "--sessions-per-day", "1<=x<=3"),
        (["--sessions-per-day", "2", "--times", "08:00"], "--times", "2 sessions a day need 2 times"),
    ],
)
def test_a_bad_schedule_on_the_command_line_exits_2_naming_the_option(
    run: Any, db_home: Path, args: list[str], option: str, words: str
) -> None:
    result = run("preferences", *args)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"'{option}'" in text
    assert words in text
    assert json.loads(run("preferences", "--json").output)["times"] == ["08:00"], "nothing was saved"
