"""Clinician mode's consent: invitations (the clinician's), accepting, declining and ending links (the patient's),
the clinician's list of patients, and the access log (docs/clinician.md).

A clinician reaches a patient's record only through `Runtime.care`, which logs each use for the patient; the
patient's own side goes through their unit of work. What the clinic's side may do is checked here, once, so the API
and any later adapter refuse a patient alike (`NotAClinician`, 403).
"""

from __future__ import annotations

import datetime as dt

from backcoach.app.runtime import Runtime
from backcoach.domain.clinic import (
    INVITATION_DAYS,
    AccessEntry,
    AlreadyLinked,
    ClinicianProfile,
    Invitation,
    InvitationDates,
    Link,
    NewInvitation,
    NoSuchInvitation,
    NotAClinician,
    OwnInvitation,
    Patient,
    Preview,
    check_usable,
    choose_link,
    format_code,
    hash_code,
    invitation_state,
    new_code,
    normalise_code,
)
from backcoach.domain.errors import NotFound
from backcoach.storage.repository import (
    ClinicRepository,
    ConsentRepository,
    InvitationRow,
    ProfileRow,
    UserRepository,
    profile,
)


def _clinician(repo: UserRepository) -> ProfileRow:
    found = profile(repo.db, repo.user_id)
    if found is None or found.role != "clinician":
        raise NotAClinician()
    return found


def _public(row: ProfileRow) -> ClinicianProfile:
    return ClinicianProfile(row.id, row.name, row.profession, row.verified_at is not None)


def _dates(row: InvitationRow) -> InvitationDates:
    return InvitationDates(row.created_at, row.expires_at, row.used_at, row.declined_at, row.revoked_at)


def _invitation(row: InvitationRow, now: dt.datetime) -> Invitation:
    return Invitation(row.id, row.created_at, row.expires_at, invitation_state(_dates(row), now))


# The clinician's side


def me_as_clinician(runtime: Runtime, clinician_id: int) -> ClinicianProfile:
    with runtime.unit(clinician_id) as repo:
        return _public(_clinician(repo))


def create_invitation(runtime: Runtime, clinician_id: int) -> NewInvitation:
    """A new single-use code, valid for 14 days. Only its hash is stored: the code is in this answer alone."""
    code = new_code()
    now = runtime.now()
    with runtime.unit(clinician_id) as repo:
        _clinician(repo)
        row = ClinicRepository(repo.db, clinician_id).add_invitation(
            hash_code(code), now, now + dt.timedelta(days=INVITATION_DAYS)
        )
    return NewInvitation(_invitation(row, now), format_code(code))


def invitations(runtime: Runtime, clinician_id: int) -> list[Invitation]:
    """The clinician's invitations, newest first, each with its state now."""
    with runtime.unit(clinician_id) as repo:
        _clinician(repo)
        rows = ClinicRepository(repo.db, clinician_id).invitations()
    now = runtime.now()
    return [_invitation(row, now) for row in rows]


def revoke_invitation(runtime: Runtime, clinician_id: int, invitation_id: int) -> Invitation:
    with runtime.unit(clinician_id) as repo:
        _clinician(repo)
        row = ClinicRepository(repo.db, clinician_id).revoke_invitation(invitation_id, runtime.now())
    if row is None:
        raise NotFound(f"invitation {invitation_id} does not exist")
    return _invitation(row, runtime.now())


def patients(runtime: Runtime, clinician_id: int) -> list[Patient]:
    """The clinician's patients now (active links only), each read through `Runtime.care` so that appearing in the
    list is in the patient's access log too."""
    with runtime.unit(clinician_id) as repo:
        _clinician(repo)
        linked = ClinicRepository(repo.db, clinician_id).active_patients()
    found = []
    for patient_id, since in linked:
        try:
            with runtime.care(clinician_id, patient_id, "read", "your name and email, in their list of patients") as p:
                found.append(Patient(patient_id, p.email(), since))
        except NotFound:
            continue  # ended between the two reads: no longer theirs
    return found


def patient(runtime: Runtime, clinician_id: int, patient_id: int) -> Patient:
    """One patient, or `NotFound` for anyone not linked to this clinician now."""
    with runtime.unit(clinician_id) as repo:
        _clinician(repo)
    with runtime.care(clinician_id, patient_id, "read", "your name and email") as p:
        since = ClinicRepository(p.db, clinician_id).link_since(patient_id)
        if since is None:
            raise NotFound(f"patient {patient_id} does not exist")
        return Patient(patient_id, p.email(), since)


# The patient's side


def _open_invitation(repo: ConsentRepository, code: object, now: dt.datetime) -> InvitationRow:
    """The invitation this code opens, usable now and not the patient's own; every other case is an error that
    says which."""
    digest = hash_code(normalise_code(code))
    row = repo.invitation(digest)
    if row is None:
        raise NoSuchInvitation()
    check_usable(_dates(row), now)
    if row.clinician_id == repo.patient_id:
        raise OwnInvitation()
    return row


def preview(runtime: Runtime, patient_id: int, code: object) -> Preview:
    """Who invites the patient and exactly what they could see and do, before the patient says yes or no."""
    with runtime.unit(patient_id) as repo:
        consent = ConsentRepository(repo.db, patient_id)
        row = _open_invitation(consent, code, runtime.now())
        clinician = profile(repo.db, row.clinician_id)
        if clinician is None or clinician.role != "clinician":
            raise NoSuchInvitation()
        if consent.active_link_to(row.clinician_id):
            raise AlreadyLinked(clinician.name)
    return Preview(_public(clinician), row.expires_at)


def accept(runtime: Runtime, patient_id: int, code: object) -> Link:
    """Link the patient to the invitation's clinician, using the code up. Whatever the patient saw in `preview` is
    what the link allows (the lists are the domain's constants, not stored per link)."""
    now = runtime.now()
    with runtime.unit(patient_id) as repo:
        consent = ConsentRepository(repo.db, patient_id)
        row = _open_invitation(consent, code, now)
        clinician = profile(repo.db, row.clinician_id)
        if clinician is None or clinician.role != "clinician":
            raise NoSuchInvitation()
        if consent.active_link_to(row.clinician_id):
            raise AlreadyLinked(clinician.name)
        consent.mark_invitation(row.id, now, used=True)
        link_id = consent.add_link(row.clinician_id, row.id, now)
    return Link(link_id, _public(clinician), clinician.email, now, None, None, False)


def decline(runtime: Runtime, patient_id: int, code: object) -> None:
    """Say no: the code cannot be used again, by anyone, and the clinician sees it was declined."""
    with runtime.unit(patient_id) as repo:
        consent = ConsentRepository(repo.db, patient_id)
        row = _open_invitation(consent, code, runtime.now())
        consent.mark_invitation(row.id, runtime.now(), used=False)


def links(runtime: Runtime, patient_id: int) -> list[Link]:
    """The patient's clinicians: active links first, then past ones, newest first."""
    with runtime.unit(patient_id) as repo:
        rows = ConsentRepository(repo.db, patient_id).links()
    return [
        Link(r.id, _public(r.clinician), r.clinician.email, r.accepted_at, r.ended_at, r.ended_by, r.shares_notes)
        for r in rows
    ]


def end_link(runtime: Runtime, patient_id: int, link_id: int) -> None:
    """End a link at once: from this commit on, `Runtime.care` refuses the clinician."""
    with runtime.unit(patient_id) as repo:
        if not ConsentRepository(repo.db, patient_id).end_link(link_id, runtime.now()):
            raise NotFound(f"link {link_id} does not exist")


def unlink_by_name(runtime: Runtime, patient_id: int, name: str) -> Link:
    """End the active link to the clinician with this display name or email (the command line's way)."""
    chosen = choose_link(links(runtime, patient_id), name)
    end_link(runtime, patient_id, chosen.id)
    return chosen


def set_shares_notes(runtime: Runtime, patient_id: int, link_id: int, shares: bool) -> Link:
    with runtime.unit(patient_id) as repo:
        if not ConsentRepository(repo.db, patient_id).set_shares_notes(link_id, shares):
            raise NotFound(f"link {link_id} does not exist")
    return next(link for link in links(runtime, patient_id) if link.id == link_id)


def access_log(runtime: Runtime, patient_id: int) -> list[AccessEntry]:
    """Every time a clinician read or changed the patient's record, newest first."""
    with runtime.unit(patient_id) as repo:
        return ConsentRepository(repo.db, patient_id).access_log()
