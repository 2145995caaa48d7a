"""A printable PDF of a plan or a program (reportlab): each exercise's key frames drawn from the figure model, its
steps and cues, the dosage as a table, and the safety notes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backcoach.domain.catalogue import Article, Exercise, Prescription
from backcoach.domain.describe import describe, span
from backcoach.render import kinematics
from backcoach.render.figures import FAR, NEAR, TRUNK, figure_of
from backcoach.render.kinematics import HEAD_RADIUS, place

FRAME_WIDTH = 52 * mm


def a4_document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    """Every backcoach PDF is A4 with the same margins, so a clinic's printouts line up."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="backcoach",
    )


def frame_drawing(exercise: Exercise, moment: str) -> Drawing:
    """One key frame of the exercise's figure as reportlab vector graphics (y up, like the model)."""
    spec = kinematics.figures()[exercise.id]
    fig = figure_of(exercise, spec)
    points = place(fig.pose_at(fig.key_times()[moment]))
    width_cm, height_cm, x0, y0 = 255.0, spec.view_height, -15.0, -8.0
    scale = FRAME_WIDTH / width_cm
    drawing = Drawing(FRAME_WIDTH, height_cm * scale)

    def xy(name: str) -> list[float]:
        x, y = points[name]
        return [(x - x0) * scale, (y - y0) * scale]

    def chain(names: Sequence[str], color: str, width: float) -> PolyLine:
        coords = [c for n in names for c in xy(n)]
        return PolyLine(
            coords, strokeColor=colors.HexColor(color), strokeWidth=width * scale, strokeLineCap=1, strokeLineJoin=1
        )

    drawing.add(Line(0, -y0 * scale, FRAME_WIDTH, -y0 * scale, strokeColor=colors.grey, strokeWidth=0.6))
    drawing.add(chain(["hip", "far_knee", "far_ankle", "far_toe"], FAR, 7))
    drawing.add(chain(["shoulder", "far_elbow", "far_wrist", "far_hand"], FAR, 6))
    drawing.add(chain(["hip", "lower_back", "shoulder", "head_base"], TRUNK, 12))
    hx, hy = xy("head_centre")
    drawing.add(Circle(hx, hy, HEAD_RADIUS * scale, fillColor=colors.HexColor(TRUNK), strokeColor=None))
    drawing.add(chain(["hip", "near_knee", "near_ankle", "near_toe"], NEAR, 8))
    drawing.add(chain(["shoulder", "near_elbow", "near_wrist", "near_hand"], NEAR, 7))
    return drawing


def _dose_table(dose: Prescription) -> Table:
    reps = span(dose.reps, dose.reps_max) or "not given"
    if dose.per_side:
        reps += " each side"
    elif dose.alternating:
        reps += ", alternating"
    hold = span(dose.hold_s, dose.hold_s_max, " s")
    rows = [
        ["Repetitions", reps],
        ["Sets", str(dose.sets or 1)],
        ["Hold", hold or "-"],
        ["Rest between sets", f"{dose.rest_s} s" if dose.rest_s else "-"],
    ]
    if dose.times_per_day:
        rows.append(["Times a day", str(dose.times_per_day)])
    if dose.target_reps:
        rows.append(["Build up to", str(dose.target_reps)])
    table = Table(rows, colWidths=[34 * mm, 34 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3f1")),
            ]
        )
    )
    return table


def handout_pdf(
    title: str,
    items: Sequence[tuple[Exercise, Prescription]],
    notes: Sequence[str],
    *,
    minutes: int | None = None,
    article: Article | None = None,
    header: Sequence[str] = (),
    item_notes: Sequence[str] | None = None,
) -> bytes:
    """The handout of a plan (with its `minutes`) or of a program (with the `article` it reproduces, named as a
    person reads it: title and publisher). A clinician's program adds `header` lines (who prescribed it, the version,
    their note) and a note for each item; both are a person's words, so they are escaped, never read as markup."""
    buffer = io.BytesIO()
    doc = a4_document(buffer, f"backcoach: {title}")
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=9, leading=11.5)
    story: list[object] = [Paragraph(f"backcoach: {title}", styles["Title"])]
    intro = []
    if minutes:
        intro.append(f"About {minutes} minutes.")
    if article is not None:
        intro.append(f"From the article {article.cite}.")
    intro.append("Not medical advice: stop any exercise that makes your pain worse.")
    story += [Paragraph(escape(line), styles["BodyText"]) for line in header]
    story += [Paragraph(" ".join(intro), styles["BodyText"]), Spacer(1, 4 * mm)]
    for number, (exercise, dose) in enumerate(items, 1):
        frames = Table(
            [[frame_drawing(exercise, "start"), frame_drawing(exercise, "hold")]], colWidths=[FRAME_WIDTH + 2 * mm] * 2
        )
        steps = "".join(f"<br/>{i}. {s}" for i, s in enumerate(exercise.steps, 1))
        cues = "".join(f"<br/>• {c}" for c in exercise.cues)
        text = [
            Paragraph(f"{number}. {exercise.name}", styles["Heading2"]),
            Paragraph(f"<b>Dose:</b> {describe(dose, today=True)}", small),
        ]
        if item_notes is not None and item_notes[number - 1]:
            text.append(Paragraph(f"<b>Notes:</b> {escape(item_notes[number - 1])}", small))
        text += [
            Paragraph(f"<b>How</b>{steps}", small),
            Paragraph(f"<b>Form cues</b>{cues}", small),
        ]
        if exercise.cautions:
            cautions = "".join(f"<br/>• {c}" for c in exercise.cautions)
            text.append(Paragraph(f"<b>Take care</b>{cautions}", small))
        block = Table([[frames, _dose_table(dose)]], colWidths=[110 * mm, 70 * mm])
        block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(KeepTogether([*text, Spacer(1, 2 * mm), block, Spacer(1, 5 * mm)]))
    story.append(Paragraph("Safety notes", styles["Heading2"]))
    for note in notes:
        story.append(Paragraph(f"• {note}", small))
    doc.build(story)
    return buffer.getvalue()
