"""An iCalendar feed of the sessions to come, with a reminder before each (RFC 5545, via icalendar).

The sessions fall on the person's chosen days at their chosen local times (`domain.preferences.session_starts`).
With a named time zone each DTSTART carries its TZID and the feed its VTIMEZONE, so a calendar keeps 08:00 at 08:00
across a daylight-saving change and shows it right wherever the person travels; without one the times float (the
device's local time). See docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from backcoach.domain.preferences import Preferences, session_starts

DAYS_AHEAD = 28
REMINDER_MINUTES = 10


def plan_calendar(
    prefs: Preferences, today: dt.date, now: dt.datetime, zone: dt.tzinfo | None, days: int = DAYS_AHEAD
) -> bytes:
    """The sessions of the `days` days from `today` (the person's own day), each with a display alarm
    `REMINDER_MINUTES` before it. `now` stamps the events (DTSTAMP)."""
    named = zone if isinstance(zone, ZoneInfo) else None
    cal = Calendar()
    cal.add("prodid", "-//backcoach//plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "backcoach sessions")
    if named is not None:
        cal.add("x-wr-timezone", named.key)
    per_day = len(prefs.times)
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for start in session_starts(prefs, today, days, named):
        slot = prefs.times.index(start.strftime("%H:%M"))
        event = Event()
        # The same day and slot keep their UID, so a calendar updates an event when the time is changed.
        event.add("uid", f"{start.date().isoformat()}-{slot}@backcoach")
        numbered = f", session {slot + 1} of {per_day}" if per_day > 1 else ""
        event.add("summary", f"Back exercises{numbered} (backcoach)")
        event.add("description", f"Your {prefs.minutes}-minute session. Stop any exercise that makes your pain worse.")
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=prefs.minutes))
        event.add("dtstamp", stamp)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Time for your back exercises")
        alarm.add("trigger", dt.timedelta(minutes=-REMINDER_MINUTES))
        event.add_component(alarm)
        cal.add_component(event)
    if named is not None:
        # Only the rules of the feed's own weeks: the zone's whole history since 1970 would be most of the feed.
        cal.add_missing_timezones(today - dt.timedelta(days=1), today + dt.timedelta(days=days + 1))
    body: bytes = cal.to_ical()
    return body
