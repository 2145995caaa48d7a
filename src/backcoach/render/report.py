"""The progress report PDF for a clinic's records (reportlab, like the handouts): the period, sessions and adherence
per week against the prescription, pain around the sessions, the weekly check, each exercise's dose and rung over
time, and the program's versions. Everything a person typed is escaped, never read as markup."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from backcoach.domain.outcome import OutcomeRecord
from backcoach.domain.report import NOT_A_DIAGNOSIS, Stretch, Week
from backcoach.render.handout import a4_document


@dataclass(frozen=True)
class VersionLine:
    program: str
    version: int
    made: dt.date
    by: str
    start: dt.date
    days: str
    sessions_per_day: int
    items: str
    sessions: int


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "nothing prescribed" if value is None else f"{round(value * 100)}%"


def _table(rows: list[list[str]], widths: Sequence[float], small: ParagraphStyle) -> Table:
    cells = [[Paragraph(escape(c), small) for c in row] for row in rows]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def report_pdf(
    *,
    patient: str,
    clinician: str,
    first: dt.date,
    last: dt.date,
    made_at: dt.datetime,
    weeks: Sequence[Week],
    outcomes: Sequence[OutcomeRecord],
    stretches: Sequence[Stretch],
    versions: Sequence[VersionLine],
    names: Mapping[str, str],
) -> bytes:
    buffer = io.BytesIO()
    doc = a4_document(buffer, f"backcoach: progress report for {patient}")
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5)
    story: list[object] = [
        Paragraph("backcoach: progress report", styles["Title"]),
        Paragraph(escape(f"Patient: {patient}"), body),
        Paragraph(escape(f"Period: {first.isoformat()} to {last.isoformat()}"), body),
        Paragraph(escape(f"For: {clinician}. Made on {made_at.date().isoformat()}."), body),
        Paragraph(f"<b>{escape(NOT_A_DIAGNOSIS)}</b>", body),
        Spacer(1, 3 * mm),
    ]

    done = sum(w.sessions for w in weeks)
    asked = sum(w.prescribed for w in weeks)
    story.append(Paragraph("Sessions and adherence per week", styles["Heading2"]))
    overall = f"{done} sessions done; {asked} prescribed" + (f" ({round(100 * done / asked)}%)." if asked else ".")
    story.append(Paragraph(escape(overall), body))
    rows = [["Week of", "Sessions", "Prescribed", "Adherence", "Pain before", "Pain after", "Next morning"]]
    rows += [
        [
            w.start.isoformat(),
            str(w.sessions),
            str(w.prescribed),
            _percent(w.adherence),
            _number(w.pain_before),
            _number(w.pain_after),
            _number(w.pain_next_morning),
        ]
        for w in weeks
    ]
    story += [_table(rows, [24, 20, 22, 30, 26, 26, 28], small), Spacer(1, 2 * mm)]
    story.append(Paragraph("Pain is 0 (none) to 10 (worst), the average of the week's sessions.", small))

    story.append(Paragraph("Weekly check (Patient-Specific Functional Scale)", styles["Heading2"]))
    if outcomes:
        rows = [["Date", "Average", "Activities, each 0 (unable) to 10 (as before)"]]
        rows += [
            [
                o.date.isoformat(),
                f"{o.average:.1f}",
                "; ".join(f"{a.activity}: {a.score}" for a in o.activities),
            ]
            for o in outcomes
        ]
        story.append(_table(rows, [24, 20, 132], small))
    else:
        story.append(Paragraph("No weekly check in this period.", body))

    story.append(Paragraph("Each exercise's dose and rung over time", styles["Heading2"]))
    if stretches:
        rows = [["Exercise", "Rung", "Dose", "From", "To", "Sessions", "Not finished"]]
        rows += [
            [
                names.get(s.exercise, s.exercise),
                names.get(s.rung, s.rung),
                s.dose,
                s.first.isoformat(),
                s.last.isoformat(),
                str(s.sessions),
                str(s.not_finished),
            ]
            for s in stretches
        ]
        story.append(_table(rows, [28, 28, 38, 21, 21, 20, 22], small))
    else:
        story.append(Paragraph("No session in this period.", body))

    story.append(Paragraph("Programs you prescribed, by version", styles["Heading2"]))
    if versions:
        rows = [["Program", "Version", "Made", "By", "Start", "Days", "Exercises", "Sessions"]]
        rows += [
            [
                v.program,
                str(v.version),
                v.made.isoformat(),
                v.by,
                v.start.isoformat(),
                f"{v.days}, {v.sessions_per_day} a day",
                v.items,
                str(v.sessions),
            ]
            for v in versions
        ]
        story.append(_table(rows, [24, 17, 21, 22, 21, 24, 29, 20], small))
    else:
        story.append(Paragraph("You have not prescribed this patient a program.", body))
    doc.build(story)
    return buffer.getvalue()
