"""An iCalendar feed of the planned sessions, with a reminder before each (RFC 5545, via icalendar)."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

DAYS_AHEAD = 28
REMINDER_MINUTES = 10
START = dt.time(8, 0)


def plan_calendar(today: dt.date, minutes: int, sessions_per_day: int = 1, days: int = DAYS_AHEAD) -> bytes:
    """`sessions_per_day` events a day (the first at 08:00, the others 6 hours apart, floating local time) for the
    next four weeks."""
    cal = Calendar()
    cal.add("prodid", "-//backcoach//plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "backcoach sessions")
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        for slot in range(max(1, sessions_per_day)):
            start = dt.datetime.combine(day, START) + dt.timedelta(hours=6 * slot)
            event = Event()
            event.add("uid", f"{day.isoformat()}-{slot}@backcoach")
            event.add("summary", "Back exercises (backcoach)")
            event.add("description", f"Today's {minutes}-minute session. Stop any exercise that makes your pain worse.")
            event.add("dtstart", start)
            event.add("dtend", start + dt.timedelta(minutes=minutes))
            event.add("dtstamp", dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC))
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", "Time for your back exercises")
            alarm.add("trigger", dt.timedelta(minutes=-REMINDER_MINUTES))
            event.add_component(alarm)
            cal.add_component(event)
    body: bytes = cal.to_ical()
    return body
