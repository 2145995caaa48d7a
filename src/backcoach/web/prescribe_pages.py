"""The clinician's prescription editor `/clinic/patients/{id}/program` and their templates `/clinic/templates`
(docs/clinician.md "Prescribing in the web app"; docs/web.md).

The editor is a plain form: it works without JavaScript (a fixed number of empty rows, an order number per row, a
remove box), and static/js/prescribe.js only makes it easier. A save calls the same use cases as the API
(`app/prescribing.py`), so every rule is the same: the form is read into the API's JSON shape, validated by the same
models and checked against the same catalogue and ladders. A problem re-renders the form (422) with the message next
to the field, naming it and what is allowed; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from backcoach import content
from backcoach.app import prescribing
from backcoach.app.prescribing import Prescribed
from backcoach.app.runtime import Runtime
from backcoach.domain.catalogue import Prescription
from backcoach.domain.describe import describe
from backcoach.domain.errors import InvalidInput
from backcoach.domain.preferences import WEEKDAYS
from backcoach.domain.prescribed import (
    MAX_ITEMS,
    MAX_SESSIONS_PER_DAY,
    MODES,
    Draft,
    PrescribedItem,
    PrescribedProgram,
    ProgramDraft,
    ProgramError,
    parse_program,
)
from backcoach.web.deps import Caller, PageCaller, RowId, RuntimeDep
from backcoach.web.pages import check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)

EXTRA_ROWS = 3
"""Empty rows under the program's own, so that exercises can be added without JavaScript."""
MAX_ROWS = 100
"""The most rows a form may send (filled or not): more is refused rather than read in part."""
ROW_FIELD = re.compile(r"row-(\d{1,4})-exercise")
NAME_MAX = 120

DOSE_FIELDS: dict[str, str] = {
    "reps": "Repetitions",
    "reps_max": "Up to (repetitions)",
    "hold_s": "Hold (seconds)",
    "hold_s_max": "Up to (seconds)",
    "sets": "Sets",
    "rest_s": "Rest between sets (seconds)",
    "times_per_day": "Times a day",
    "target_reps": "Working up to (repetitions)",
    "holds_per_rep": "Positions held per repetition",
}
"""Every number of a dose, as the program model has them, with the words the form shows."""
MAIN_DOSE = ("reps", "hold_s", "sets", "rest_s")
"""Shown at once; the rest are behind "More of the dose", as few doses use them."""
SIDES: dict[str, tuple[bool, bool, str]] = {
    "both": (False, False, "both sides together, or no sides"),
    "each": (True, False, "on each side"),
    "alternating": (False, True, "alternating sides"),
}
FIELD_WORDS = {
    "title": "Title",
    "note": "Note for the patient",
    "start_date": "Start date",
    "days_per_week": "Days per week",
    "days": "Days",
    "sessions_per_day": "Sessions per day",
    "items": "Exercises",
    "name": "Template name",
    "exercise": "exercise",
    "rung": "rung",
    "dose": "dose",
    "mode": "how the dose may change",
    "ceiling": "progress up to",
    "order": "order",
}


class FormProblem(Exception):
    """A problem with the form: `where` is the field it is shown next to, `message` names it in words."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where, self.message = where, message


# What the form holds: strings as typed, so that a form with a problem comes back exactly as it was sent


def _blank_dose() -> dict[str, str]:
    return dict.fromkeys(DOSE_FIELDS, "") | {"sides": "both"}


@dataclass
class Row:
    key: int
    exercise: str = ""
    rung: str = ""
    dose: dict[str, str] = field(default_factory=_blank_dose)
    note: str = ""
    mode: str = "keep"
    ceiling_rung: str = ""
    ceiling: dict[str, str] = field(default_factory=_blank_dose)
    order: str = ""


@dataclass
class Entered:
    title: str = ""
    note: str = ""
    start_date: str = ""
    days_per_week: str = "3"
    days: list[str] = field(default_factory=list)
    sessions_per_day: str = "1"
    rows: list[Row] = field(default_factory=list)
    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    """Messages by the field they sit next to: "title", "row-3-dose", "name"..."""

    def padded(self) -> Entered:
        """The filled rows as sent, then `EXTRA_ROWS` empty ones; rows (and the problems next to them) numbered
        afresh from 0, so a form sent back and forth never outgrows `MAX_ROWS`."""
        filled = [r for r in self.rows if r.exercise]
        keys = {r.key: i for i, r in enumerate(filled)}
        errors = {}
        for where, message in self.errors.items():
            found = re.fullmatch(r"row-(\d+)-(.+)", where)
            moved = found and int(found.group(1)) in keys
            errors[f"row-{keys[int(found.group(1))]}-{found.group(2)}" if found and moved else where] = message
        for i, r in enumerate(filled):
            r.key = i
            r.order = r.order or str(i + 1)
        blank = [Row(key=i, order=str(i + 1)) for i in range(len(filled), len(filled) + EXTRA_ROWS)]
        self.rows, self.errors = filled + blank, errors
        return self


def _dose_strings(dose: Prescription) -> dict[str, str]:
    values = dose.model_dump()
    sides = "each" if dose.per_side else "alternating" if dose.alternating else "both"
    return {name: "" if values[name] is None else str(values[name]) for name in DOSE_FIELDS} | {"sides": sides}


def _row(key: int, item: PrescribedItem) -> Row:
    return Row(
        key=key,
        exercise=item.exercise,
        rung=item.rung,
        dose=_dose_strings(item.dose),
        note=item.note,
        mode=item.mode,
        ceiling_rung=item.ceiling.rung if item.ceiling else "",
        ceiling=_dose_strings(item.ceiling.dose) if item.ceiling else _blank_dose(),
    )


def entered_from(program: ProgramDraft, name: str = "") -> Entered:
    start = program.start_date.isoformat() if isinstance(program, PrescribedProgram) else ""
    return Entered(
        title=program.title,
        note=program.note,
        start_date=start,
        days_per_week=str(program.days_per_week),
        days=list(program.days),
        sessions_per_day=str(program.sessions_per_day),
        rows=[_row(i, item) for i, item in enumerate(program.items)],
        name=name,
    )


def entered_of(form: FormData) -> Entered:
    """The form as sent, every value a string; rows beyond `MAX_ROWS` are not read."""

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    def dose(prefix: str) -> dict[str, str]:
        return {name: text(f"{prefix}-{name}").strip() for name in DOSE_FIELDS} | {
            "sides": text(f"{prefix}-sides") or "both"
        }

    keys = sorted({int(m.group(1)) for name in form for m in [ROW_FIELD.fullmatch(name)] if m})
    if len(keys) > MAX_ROWS:
        raise FormProblem("items", f"Exercises: at most {MAX_ITEMS}")
    rows = []
    for key in keys:
        prefix = f"row-{key}"
        row = Row(
            key=key,
            exercise=text(f"{prefix}-exercise").strip(),
            rung=text(f"{prefix}-rung").strip(),
            dose=dose(prefix),
            note=text(f"{prefix}-note"),
            mode=text(f"{prefix}-mode") or "keep",
            ceiling_rung=text(f"{prefix}-ceiling-rung").strip(),
            ceiling=dose(f"{prefix}-ceiling"),
            order=text(f"{prefix}-order").strip(),
        )
        if text(f"{prefix}-remove") != "yes":
            rows.append(row)
    return Entered(
        title=text("title"),
        note=text("note"),
        start_date=text("start_date").strip(),
        days_per_week=text("days_per_week").strip(),
        days=[d for d in form.getlist("days") if isinstance(d, str)],
        sessions_per_day=text("sessions_per_day").strip(),
        rows=rows,
        name=text("name"),
    )


# Reading the form into the API's shape


def _whole(value: str, where: str, words: str, low: int = 1, high: int | None = None) -> int | None:
    if not value:
        return None
    allowed = f"a whole number from {low} to {high}" if high else f"a whole number, {low} or more"
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise FormProblem(where, f"{words}: {value!r} is not {allowed}")
    number = int(value)
    if number < low or (high is not None and number > high):
        raise FormProblem(where, f"{words}: {number} is not {allowed}")
    return number


def _dose(values: dict[str, str], where: str, words: str) -> dict[str, Any]:
    dose: dict[str, Any] = {}
    for name, label in DOSE_FIELDS.items():
        number = _whole(values.get(name, ""), where, f"{words}, {label.lower()}")
        if number is not None:
            dose[name] = number
    sides = values.get("sides", "both")
    if sides not in SIDES:
        raise FormProblem(where, f"{words}, sides: choose one of {', '.join(SIDES)}")
    dose["per_side"], dose["alternating"], _ = SIDES[sides]
    return dose


def _row_words(position: int, row: Row, runtime: Runtime) -> str:
    name = runtime.names.get(row.exercise)
    return f"Exercise {position}" + (f" ({name})" if name else "")


def raw_program(runtime: Runtime, entered: Entered, with_start: bool) -> tuple[dict[str, Any], list[Row]]:
    """The form in the API's JSON shape, and the rows in the order of its items (for placing a problem)."""
    raw: dict[str, Any] = {"title": " ".join(entered.title.split()), "note": entered.note.strip()}
    if not 1 <= len(raw["title"]) <= NAME_MAX:
        raise FormProblem("title", f"Title: 1 to {NAME_MAX} characters")
    if len(raw["note"]) > 2000:
        raise FormProblem("note", "Note for the patient: at most 2,000 characters")
    if with_start:
        try:
            raw["start_date"] = dt.date.fromisoformat(entered.start_date)
        except ValueError:
            raise FormProblem("start_date", "Start date: a date as YYYY-MM-DD, for example 2026-11-23") from None
    raw["days_per_week"] = _whole(entered.days_per_week, "days_per_week", "Days per week", 1, 7)
    if raw["days_per_week"] is None:
        raise FormProblem("days_per_week", "Days per week: a whole number from 1 to 7")
    unknown = [d for d in entered.days if d not in WEEKDAYS]
    if unknown:
        raise FormProblem("days", f"Days: {unknown[0]!r} is not a weekday; allowed: {', '.join(WEEKDAYS)}")
    raw["days"] = [d for d in WEEKDAYS if d in entered.days]
    sessions = _whole(entered.sessions_per_day, "sessions_per_day", "Sessions per day", 1, MAX_SESSIONS_PER_DAY)
    if sessions is None:
        raise FormProblem("sessions_per_day", f"Sessions per day: a whole number from 1 to {MAX_SESSIONS_PER_DAY}")
    raw["sessions_per_day"] = sessions
    filled = [r for r in entered.rows if r.exercise]
    for r in filled:
        _whole(r.order, f"row-{r.key}-order", "Order", 1, 999)
    rows = sorted(filled, key=lambda r: (int(r.order) if r.order else r.key + 1000, r.key))
    items = []
    for position, row in enumerate(rows, 1):
        words = _row_words(position, row, runtime)
        where = f"row-{row.key}"
        if row.mode not in MODES:
            raise FormProblem(f"{where}-mode", f"{words}, how the dose may change: choose keep or progress")
        item: dict[str, Any] = {
            "exercise": row.exercise,
            "rung": row.rung or row.exercise,
            "dose": _dose(row.dose, f"{where}-dose", f"{words}, dose"),
            "note": row.note.strip(),
            "mode": row.mode,
        }
        if row.mode == "progress":
            item["ceiling"] = {
                "rung": row.ceiling_rung or item["rung"],
                "dose": _dose(row.ceiling, f"{where}-ceiling", f"{words}, progress up to"),
            }
        items.append(item)
    raw["items"] = items
    return raw, rows


def place(exc: InvalidInput, rows: list[Row], runtime: Runtime) -> FormProblem:
    """A use case's error as a problem next to the field its `loc` names, in words that name it."""
    loc = [p for p in exc.loc if p != "program"]
    message = exc.message or "please check this field"
    if loc and loc[0] == "items" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(rows):
        row = rows[loc[1]]
        part = str(loc[2]) if len(loc) > 2 else "mode"
        part = part if part in ("exercise", "rung", "dose", "ceiling", "mode") else "dose"
        words = f"{_row_words(loc[1] + 1, row, runtime)}, {FIELD_WORDS[part]}"
        return FormProblem(f"row-{row.key}-{part}", f"{words}: {message}")
    where = str(loc[0]) if loc else "items"
    where = where if where in FIELD_WORDS else "items"
    return FormProblem(where, f"{FIELD_WORDS[where]}: {message}")


@contextmanager
def placed(runtime: Runtime, rows: list[Row]) -> Iterator[None]:
    """A program's problem, from the model or from the use case's checks, as a `FormProblem` next to its field."""
    try:
        yield
    except ProgramError as exc:
        raise place(exc, rows, runtime) from None


def read_program(runtime: Runtime, entered: Entered, kind: type[Draft]) -> tuple[Draft, list[Row]]:
    """The form as a program (or a template's draft) the model accepts: the first problem as `FormProblem`. The
    catalogue and ladders are checked by the use case it is given to, inside `placed`."""
    raw, rows = raw_program(runtime, entered, with_start=kind is PrescribedProgram)
    with placed(runtime, rows):
        return parse_program(raw, kind), rows


# What every form page needs


def choices(runtime: Runtime, me: int) -> dict[str, Any]:
    ladders = runtime.ladders
    exercises = [(e.id, e.name) for e in runtime.catalogue]
    rungs = [(e.id, e.name, [(r.id, r.name, describe(r.top)) for r in ladders[e.id].rungs]) for e in runtime.catalogue]
    articles = [(pid, p.title) for pid, p in content.programs().items()]
    templates = [(t.id, t.name) for t, _ in prescribing.list_templates(runtime, me)]
    return {
        "exercises": exercises,
        "rungs": rungs,
        "articles": articles,
        "templates": templates,
        "dose_fields": DOSE_FIELDS,
        "main_dose": MAIN_DOSE,
        "sides": {k: v[2] for k, v in SIDES.items()},
        "weekdays": WEEKDAYS,
        "max_items": MAX_ITEMS,
        "max_sessions": MAX_SESSIONS_PER_DAY,
    }


def clinician(runtime: Runtime, caller: Caller | None) -> int:
    """The signed-in clinician's id: a patient's account is refused (403) exactly as the API refuses it."""
    me = signed_in(caller)
    if not prescribing.is_clinician(runtime, me.user_id):
        raise prescribing.NotAClinician()
    return me.user_id


def starting_point(runtime: Runtime, me: int, start: str, today: dt.date) -> ProgramDraft | None:
    """What `?start=article:ID` or `?start=template:ID` names, as a program starting today; None for nothing."""
    kind, _, name = start.partition(":")
    if kind == "article":
        return prescribing.starting_program(runtime, me, start_date=today, article=name)
    if kind == "template":
        if not (name.isascii() and name.isdigit() and 0 < len(name) <= 18):
            raise InvalidInput(f"{name!r} is not a template number", ("start",))
        return prescribing.starting_program(runtime, me, start_date=today, template=int(name))
    if start:
        raise InvalidInput(f"start from article:ID, template:ID or the current program, not {start!r}", ("start",))
    return None


# The prescription editor


def _current(programs: list[Prescribed]) -> Prescribed | None:
    """The program a save changes: the clinician's newest one for the patient that has not ended."""
    active = [p for p in programs if p.stored.ended_at is None]
    return active[-1] if active else None


def _editor(
    request: Request,
    runtime: Runtime,
    me: Caller,
    patient_id: int,
    entered: Entered | None,
    status_code: int = 200,
    message: str | None = None,
) -> HTMLResponse:
    patient, programs = prescribing.editor_view(runtime, me.user_id, patient_id)
    current = _current(programs)
    if entered is None:
        entered = entered_from(current.program) if current else Entered(start_date=runtime.today().isoformat())
    return render(
        request,
        "prescribe.html",
        me,
        status_code,
        f=entered.padded(),
        current=current,
        patient_id=patient_id,
        patient=patient,
        message=message,
        action=f"/clinic/patients/{patient_id}/program",
        **choices(runtime, me.user_id),
    )


@router.get("/clinic/patients/{patient_id}/program", response_class=HTMLResponse)
def editor(
    patient_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller, start: str = "", saved: str = ""
) -> HTMLResponse:
    me = clinician(runtime, caller)
    found = starting_point(runtime, me, start, runtime.today())
    message = "Saved: the patient's Today follows the new version." if saved else None
    entered = entered_from(found) if found else None
    return _editor(request, runtime, signed_in(caller), patient_id, entered, 200, message)


@router.post("/clinic/patients/{patient_id}/program", response_class=HTMLResponse)
async def save(patient_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    clinician(runtime, caller)
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    entered = Entered()
    try:
        entered = entered_of(form)
        if form.get("action") == "template":
            name = _template_name(entered.name)
            draft, rows = read_program(runtime, entered, ProgramDraft)
            with placed(runtime, rows):
                prescribing.create_template(runtime, me.user_id, name, draft)
            entered.name = ""
            return _editor(request, runtime, me, patient_id, entered, message=f"Saved as the template {name!r}.")
        program, rows = read_program(runtime, entered, PrescribedProgram)
        current = _current(prescribing.list_programs(runtime, me.user_id, patient_id))
        with placed(runtime, rows):
            if current is None:
                prescribing.create_program(runtime, me.user_id, patient_id, program)
            else:
                prescribing.change_program(runtime, me.user_id, patient_id, current.stored.id, program)
    except FormProblem as problem:
        entered.errors[problem.where] = problem.message
        return _editor(request, runtime, me, patient_id, entered, 422)
    return redirect(f"/clinic/patients/{patient_id}/program?saved=1#versions")


def _template_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise FormProblem("name", f"Template name: 1 to {NAME_MAX} characters")
    return name


# Templates


@router.get("/clinic/templates", response_class=HTMLResponse)
def templates_page(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = clinician(runtime, caller)
    found = prescribing.list_templates(runtime, me)
    articles = [(pid, p.title) for pid, p in content.programs().items()]
    return render(request, "templates.html", signed_in(caller), templates=found, articles=articles)


def _template_page(
    request: Request,
    runtime: Runtime,
    me: Caller,
    template_id: int | None,
    entered: Entered,
    status_code: int = 200,
) -> HTMLResponse:
    action = f"/clinic/templates/{template_id}" if template_id else "/clinic/templates/new"
    return render(
        request,
        "template_edit.html",
        me,
        status_code,
        f=entered.padded(),
        template_id=template_id,
        action=action,
        **choices(runtime, me.user_id),
    )


@router.get("/clinic/templates/new", response_class=HTMLResponse)
def new_template(request: Request, runtime: RuntimeDep, caller: PageCaller, start: str = "") -> HTMLResponse:
    me = clinician(runtime, caller)
    found = starting_point(runtime, me, start, runtime.today())
    entered = entered_from(found, found.title) if found else Entered()
    return _template_page(request, runtime, signed_in(caller), None, entered)


@router.get("/clinic/templates/{template_id}", response_class=HTMLResponse)
def open_template(template_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = clinician(runtime, caller)
    stored, draft = prescribing.get_template(runtime, me, template_id)
    return _template_page(request, runtime, signed_in(caller), template_id, entered_from(draft, stored.name))


async def _save_template(
    request: Request, runtime: Runtime, caller: Caller | None, template_id: int | None
) -> Response:
    clinician(runtime, caller)
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    if template_id is not None:
        prescribing.get_template(runtime, me.user_id, template_id)  # another clinician's is 404 before any check
    entered = Entered()
    try:
        entered = entered_of(form)
        name = _template_name(entered.name)
        draft, rows = read_program(runtime, entered, ProgramDraft)
        with placed(runtime, rows):
            if template_id is None:
                prescribing.create_template(runtime, me.user_id, name, draft)
            else:
                prescribing.replace_template(runtime, me.user_id, template_id, name, draft)
    except FormProblem as problem:
        entered.errors[problem.where] = problem.message
        return _template_page(request, runtime, me, template_id, entered, 422)
    return redirect("/clinic/templates")


@router.post("/clinic/templates/new", response_class=HTMLResponse)
async def create_template(request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    return await _save_template(request, runtime, caller, None)


@router.post("/clinic/templates/{template_id}", response_class=HTMLResponse)
async def save_template(template_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    return await _save_template(request, runtime, caller, template_id)


@router.post("/clinic/templates/{template_id}/delete")
async def delete_template(template_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = clinician(runtime, caller)
    form = await request.form()
    check_csrf(request, signed_in(caller), str(form.get("csrf", "")))
    prescribing.delete_template(runtime, me, template_id)
    return redirect("/clinic/templates")
