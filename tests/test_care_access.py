"""A clinician reaches a patient's record only through an active care link, and every use is logged for the
patient; reading is not a change (the patient's revision, and so their cache, is left alone)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backcoach.app import accounts
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import NotFound
from backcoach.storage.models import AccessLogRow, CareLink, User

pytestmark = pytest.mark.databases


def people(runtime: Runtime) -> tuple[int, int, int]:
    """A clinician, their patient, and another person who never linked."""
    clinician = accounts.register(runtime, "clin@example.org", "a long enough password").id
    patient = accounts.register(runtime, "pat@example.org", "a long enough password").id
    other = accounts.register(runtime, "other@example.org", "a long enough password").id
    with runtime.transactions.begin() as db:
        user = db.get(User, clinician)
        assert user is not None
        user.role, user.display_name = "clinician", "Dr Ada"
        db.add(CareLink(clinician_id=clinician, patient_id=patient, accepted_at=runtime.now()))
    return clinician, patient, other


def log(runtime: Runtime, patient: int) -> list[tuple[str, str, str]]:
    with runtime.transactions.begin() as db:
        rows = db.scalars(select(AccessLogRow).where(AccessLogRow.patient_id == patient).order_by(AccessLogRow.id))
        return [(r.clinician_name, r.action, r.what) for r in rows]


def test_a_linked_clinician_reads_and_each_read_is_logged_without_a_new_revision(runtime: Runtime) -> None:
    clinician, patient, _ = people(runtime)
    before = runtime.revision(patient)
    with runtime.care(clinician, patient, "read", "sessions") as repo:
        assert repo.sessions() == []
    assert runtime.revision(patient) == before
    assert log(runtime, patient) == [("Dr Ada", "read", "sessions")]


def test_a_change_through_the_link_bumps_the_patients_revision(runtime: Runtime) -> None:
    clinician, patient, _ = people(runtime)
    before = runtime.revision(patient)
    with runtime.care(clinician, patient, "change", "preferences") as repo:
        repo.save_preferences({"minutes": 10})
    assert runtime.revision(patient) != before
    assert log(runtime, patient) == [("Dr Ada", "change", "preferences")]


@pytest.mark.parametrize("case", ["never linked", "ended", "not a clinician", "the patient themselves"])
def test_no_active_link_is_no_such_patient_and_nothing_is_logged(runtime: Runtime, case: str) -> None:
    clinician, patient, other = people(runtime)
    who, whom = clinician, patient
    with runtime.transactions.begin() as db:
        if case == "never linked":
            whom = other
        elif case == "ended":
            link = db.scalars(select(CareLink)).one()
            link.ended_at, link.ended_by = runtime.now() + dt.timedelta(seconds=0), "patient"
        elif case == "not a clinician":
            db.add(CareLink(clinician_id=other, patient_id=patient, accepted_at=runtime.now()))
            who = other
        else:
            who = patient
    with pytest.raises(NotFound), runtime.care(who, whom, "read", "sessions"):
        pass
    assert log(runtime, whom) == []
