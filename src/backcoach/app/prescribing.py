"""Programs a clinician prescribes, their versions and the clinician's templates (docs/clinician.md, "Programs and
versions").

A clinician reaches a patient's programs only through `Runtime.care`, so each use needs an active care link and is
in the patient's access log; the patient reads their own through `Runtime.unit`. A change is a new version, never an
edit: sessions keep the version they followed. Templates belong to one clinician: anyone else's is no such template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from backcoach import content
from backcoach.app import preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput, NotFound, Refused
from backcoach.domain.prescribed import (
    PrescribedProgram,
    ProgramDraft,
    ProgramError,
    check_program,
    from_article,
    from_template,
    parse_program,
)
from backcoach.storage.repository import (
    PatientPrograms,
    StoredProgram,
    StoredTemplate,
    Templates,
    UserRepository,
    account_role,
)

Template = StoredTemplate
"""A clinician's saved template, as the adapters see it."""


class NotAClinician(Refused):
    """Only a clinician account prescribes programs and keeps templates (403)."""

    def __init__(self) -> None:
        super().__init__("this needs a clinician account")


@dataclass(frozen=True)
class Prescribed:
    """A stored program with its current version read back through validation."""

    stored: StoredProgram
    program: PrescribedProgram

    @property
    def version(self) -> int:
        return self.stored.current.version

    @property
    def version_id(self) -> int:
        return self.stored.current.id

    @property
    def prescribed_by(self) -> str:
        return self.stored.current.clinician_name


def _read(stored: StoredProgram) -> Prescribed:
    return Prescribed(stored, PrescribedProgram.model_validate(stored.current.body))


def _no_program(program_id: int) -> NotFound:
    return NotFound(f"program {program_id} does not exist")


def _no_template(template_id: int) -> NotFound:
    return NotFound(f"template {template_id} does not exist")


def _checked(runtime: Runtime, program: ProgramDraft) -> None:
    check_program(program, runtime.catalogue, runtime.ladders)


def _name(repo: UserRepository, clinician_id: int) -> str:
    found = account_role(repo.db, clinician_id)
    return (found[1] if found else None) or "your clinician"


def _clinician(repo: UserRepository, clinician_id: int) -> None:
    found = account_role(repo.db, clinician_id)
    if found is None or found[0] != "clinician":
        raise NotAClinician()


def is_clinician(runtime: Runtime, user_id: int) -> bool:
    with runtime.unit(user_id) as repo:
        found = account_role(repo.db, user_id)
    return found is not None and found[0] == "clinician"


# Building a program from its sources


def starting_program(
    runtime: Runtime,
    clinician_id: int,
    *,
    start_date: dt.date,
    article: str | None = None,
    template: int | None = None,
    body: object = None,
) -> PrescribedProgram:
    """The program to prescribe: from one of the five article programs, a template of the clinician's own, or a
    full body; exactly one of them."""
    given = [name for name, value in (("article", article), ("template", template), ("program", body)) if value]
    if len(given) != 1:
        raise InvalidInput("give exactly one of article, template or program", ("source",))
    if article is not None:
        found = content.programs().get(article)
        if found is None:
            allowed = ", ".join(content.programs())
            raise InvalidInput(f"unknown article program {article!r}; allowed: {allowed}", ("article",))
        program = from_article(found, start_date, runtime.ladders)
    elif template is not None:
        program = from_template(get_template(runtime, clinician_id, template)[1], start_date)
    else:
        program = parse_program(body, PrescribedProgram)
    _checked(runtime, program)
    return program


# The clinician's side, through the care link


def create_program(runtime: Runtime, clinician_id: int, patient_id: int, program: PrescribedProgram) -> Prescribed:
    """A new program for a linked patient, at version 1."""
    _checked(runtime, program)
    with runtime.care(clinician_id, patient_id, "change", f"prescribed the program {program.title!r}") as repo:
        programs = PatientPrograms(repo.db, patient_id)
        at = runtime.now()
        program_id = programs.add_program(clinician_id, program.title, at)
        programs.add_version(
            program_id, program.title, program.model_dump(mode="json"), clinician_id, _name(repo, clinician_id), at
        )
        stored = programs.program(program_id)
    assert stored is not None
    return _read(stored)


def change_program(
    runtime: Runtime, clinician_id: int, patient_id: int, program_id: int, program: PrescribedProgram
) -> Prescribed:
    """A new version of one of the clinician's programs for the patient; the earlier versions stay as they were."""
    _checked(runtime, program)
    with runtime.care(clinician_id, patient_id, "change", f"changed the program {program.title!r}") as repo:
        programs = PatientPrograms(repo.db, patient_id)
        found = programs.program(program_id, clinician_id)
        if found is None:
            raise _no_program(program_id)
        if found.ended_at is not None:
            raise InvalidInput(f"program {program_id} has ended; prescribe a new one", ("program_id",))
        programs.add_version(
            program_id,
            program.title,
            program.model_dump(mode="json"),
            clinician_id,
            _name(repo, clinician_id),
            runtime.now(),
        )
        stored = programs.program(program_id)
    assert stored is not None
    return _read(stored)


def end_program(runtime: Runtime, clinician_id: int, patient_id: int, program_id: int) -> Prescribed:
    """End a program: Today stops following it; it and its versions stay in the patient's record."""
    with runtime.care(clinician_id, patient_id, "change", f"ended program {program_id}") as repo:
        programs = PatientPrograms(repo.db, patient_id)
        if programs.program(program_id, clinician_id) is None:
            raise _no_program(program_id)
        programs.end_program(program_id, runtime.now())
        stored = programs.program(program_id)
    assert stored is not None
    return _read(stored)


def list_programs(runtime: Runtime, clinician_id: int, patient_id: int) -> list[Prescribed]:
    """The programs this clinician prescribed the patient, oldest first (another clinician's are not theirs to
    see)."""
    with runtime.care(clinician_id, patient_id, "read", "programs") as repo:
        stored = PatientPrograms(repo.db, patient_id).programs(clinician_id)
    return [_read(s) for s in stored]


def get_program(runtime: Runtime, clinician_id: int, patient_id: int, program_id: int) -> Prescribed:
    with runtime.care(clinician_id, patient_id, "read", f"program {program_id}") as repo:
        stored = PatientPrograms(repo.db, patient_id).program(program_id, clinician_id)
    if stored is None:
        raise _no_program(program_id)
    return _read(stored)


def editor_view(runtime: Runtime, clinician_id: int, patient_id: int) -> tuple[str, list[Prescribed]]:
    """For the web app's prescription editor: the patient's email and the programs this clinician prescribed them,
    oldest first, in one read (so one line in the patient's access log)."""
    with runtime.care(clinician_id, patient_id, "read", "your email and programs, for the prescription editor") as repo:
        email = repo.email() or f"patient {patient_id}"
        stored = PatientPrograms(repo.db, patient_id).programs(clinician_id)
    return email, [_read(s) for s in stored]


# The patient's side


def active_programs(repo: UserRepository) -> list[Prescribed]:
    """The patient's programs that have not ended, inside a unit of work the caller holds."""
    return [_read(s) for s in PatientPrograms(repo.db, repo.user_id).programs(active_only=True)]


def followed_on(programs: list[Prescribed], on: dt.date) -> Prescribed | None:
    """The program a plan follows on `on`: of those due that day, the one that started last (then the newest)."""
    due = [p for p in programs if p.program.due(on)]
    return max(due, key=lambda p: (p.program.start_date, p.stored.id)) if due else None


def current_program(runtime: Runtime, patient_id: int) -> tuple[Prescribed | None, dt.date]:
    """The patient's program (the one today follows, else the newest that has not ended) and their today."""
    with runtime.unit(patient_id) as repo:
        today = runtime.today(preferences.zone_in(runtime, repo))
        programs = active_programs(repo)
    return followed_on(programs, today) or (programs[-1] if programs else None), today


def mark_following(repo: UserRepository, session_id: int, on: dt.date) -> None:
    """Record which program version a new session on `on` followed: the one today's plan follows, when a program is
    due that day and its current version was already there (an older session followed an older plan)."""
    programs = PatientPrograms(repo.db, repo.user_id)
    if not programs.has_active():
        return
    followed = followed_on(active_programs(repo), on)
    if followed is not None and on >= followed.stored.current.created_at.date():
        programs.mark_session(session_id, followed.version_id)


def session_versions(runtime: Runtime, patient_id: int) -> dict[int, int]:
    """Each session that followed a program, with the program version's id."""
    with runtime.unit(patient_id) as repo:
        return PatientPrograms(repo.db, patient_id).session_versions()


# Templates, the clinician's own


def list_templates(runtime: Runtime, clinician_id: int) -> list[tuple[StoredTemplate, ProgramDraft]]:
    with runtime.unit(clinician_id) as repo:
        _clinician(repo, clinician_id)
        found = Templates(repo.db, clinician_id).list()
    return [(t, ProgramDraft.model_validate(t.body)) for t in found]


def get_template(runtime: Runtime, clinician_id: int, template_id: int) -> tuple[StoredTemplate, ProgramDraft]:
    with runtime.unit(clinician_id) as repo:
        _clinician(repo, clinician_id)
        found = Templates(repo.db, clinician_id).get(template_id)
    if found is None:
        raise _no_template(template_id)
    return found, ProgramDraft.model_validate(found.body)


def _draft(runtime: Runtime, draft: ProgramDraft) -> dict[str, Any]:
    try:
        _checked(runtime, draft)
    except ProgramError as exc:
        raise ProgramError(exc.message, ("program", *exc.loc)) from None
    return draft.model_dump(mode="json")


def create_template(runtime: Runtime, clinician_id: int, name: str, draft: ProgramDraft) -> StoredTemplate:
    body = _draft(runtime, draft)
    with runtime.unit(clinician_id) as repo:
        _clinician(repo, clinician_id)
        return Templates(repo.db, clinician_id).add(name, body, runtime.now())


def replace_template(
    runtime: Runtime, clinician_id: int, template_id: int, name: str, draft: ProgramDraft
) -> StoredTemplate:
    body = _draft(runtime, draft)
    with runtime.unit(clinician_id) as repo:
        _clinician(repo, clinician_id)
        found = Templates(repo.db, clinician_id).replace(template_id, name, body, runtime.now())
    if found is None:
        raise _no_template(template_id)
    return found


def delete_template(runtime: Runtime, clinician_id: int, template_id: int) -> None:
    with runtime.unit(clinician_id) as repo:
        _clinician(repo, clinician_id)
        if not Templates(repo.db, clinician_id).delete(template_id):
            raise _no_template(template_id)
