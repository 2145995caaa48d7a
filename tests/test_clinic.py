"""Clinician mode's consent through the application layer, on SQLite and PostgreSQL: roles, invitations and each way
a code stops working, links (several, ended at once), the clinician's patients, the access log, export and deletion.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backcoach.app import accounts, clinic
from backcoach.app.runtime import Runtime
from backcoach.app.transfer import export_account, import_account
from backcoach.domain.clinic import (
    CAN_DO,
    CAN_SEE,
    AlreadyLinked,
    InvitationUnusable,
    NoSuchInvitation,
    NotAClinician,
    OwnInvitation,
    choose_link,
    hash_code,
)
from backcoach.domain.errors import InvalidInput, NotFound
from backcoach.storage.models import Invitation
from tests.conftest import Clock

pytestmark = pytest.mark.databases
PASSWORD = "a long enough password"


def clinician(runtime: Runtime, email: str = "ada@example.org", name: str = "Dr Ada") -> int:
    return accounts.register(runtime, email, PASSWORD, "clinician", name, "physiotherapist").id


def patient(runtime: Runtime, email: str = "pat@example.org") -> int:
    return accounts.register(runtime, email, PASSWORD).id


def linked(runtime: Runtime) -> tuple[int, int]:
    doctor, person = clinician(runtime), patient(runtime)
    clinic.accept(runtime, person, clinic.create_invitation(runtime, doctor).code)
    return doctor, person


def test_a_clinician_needs_a_name_and_profession_and_a_role_must_be_known(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as missing:
        accounts.register(runtime, "a@example.org", PASSWORD, "clinician", "  ", "physio")
    assert missing.value.loc == ("display_name",)
    with pytest.raises(InvalidInput) as long:
        accounts.register(runtime, "a@example.org", PASSWORD, "clinician", "Dr A", "p" * 81)
    assert long.value.loc == ("profession",)
    with pytest.raises(InvalidInput) as role:
        accounts.register(runtime, "a@example.org", PASSWORD, "surgeon")
    assert role.value.loc == ("role",)
    assert "patient, clinician" in role.value.message


def test_an_operator_verifies_a_clinician_and_the_token_carries_role_and_verification(runtime: Runtime) -> None:
    doctor = clinician(runtime)
    issued = accounts.issue_token(runtime, doctor, "api")
    before = accounts.resolve_token(runtime, issued.token, "api")
    assert before is not None
    assert (before.role, before.verified) == ("clinician", False)
    assert accounts.verify_clinician(runtime, "ADA@example.org") == "Dr Ada"
    after = accounts.resolve_token(runtime, issued.token, "api")
    assert after is not None
    assert after.verified
    patient(runtime)
    with pytest.raises(NotFound):
        accounts.verify_clinician(runtime, "pat@example.org")
    with pytest.raises(InvalidInput):
        accounts.verify_clinician(runtime, "not an email")


def test_only_a_clinician_uses_the_clinics_side(runtime: Runtime) -> None:
    person = patient(runtime)
    for use in (clinic.create_invitation, clinic.invitations, clinic.patients):
        with pytest.raises(NotAClinician):
            use(runtime, person)


def test_only_the_codes_hash_is_stored_and_the_preview_says_exactly_what_is_shared(runtime: Runtime) -> None:
    doctor, person = clinician(runtime), patient(runtime)
    made = clinic.create_invitation(runtime, doctor)
    assert made.link == f"/link/{made.code}"
    with runtime.transactions.begin() as db:
        stored = db.scalars(select(Invitation)).one()
        assert stored.code_hash == hash_code(made.code)
        assert made.code.replace("-", "") not in stored.code_hash
        assert stored.expires_at - stored.created_at == __import__("datetime").timedelta(days=14)
    seen = clinic.preview(runtime, person, made.code.lower().replace("-", " "))
    assert seen.clinician.name == "Dr Ada"
    assert not seen.clinician.verified
    assert seen.can_see == CAN_SEE
    assert seen.can_do == CAN_DO
    assert clinic.links(runtime, person) == [], "a preview changes nothing"


@pytest.mark.parametrize("how", ["used", "declined", "revoked", "expired"])
def test_a_code_that_cannot_be_used_says_which_and_links_nobody(runtime: Runtime, clock: Clock, how: str) -> None:
    doctor, person, other = clinician(runtime), patient(runtime), patient(runtime, "other@example.org")
    made = clinic.create_invitation(runtime, doctor)
    if how == "used":
        clinic.accept(runtime, other, made.code)
    elif how == "declined":
        clinic.decline(runtime, other, made.code)
    elif how == "revoked":
        clinic.revoke_invitation(runtime, doctor, made.invitation.id)
    else:
        clock.advance(days=14)
    for attempt in (clinic.preview, clinic.accept, clinic.decline):
        with pytest.raises(InvitationUnusable) as refused:
            attempt(runtime, person, made.code)
        assert refused.value.state == how
        assert how.rstrip("d")[:5] in refused.value.message.replace("withdrawn", "revok")
    assert clinic.links(runtime, person) == []
    assert [i.state for i in clinic.invitations(runtime, doctor)] == [how]


def test_a_code_a_second_before_expiry_still_works(runtime: Runtime, clock: Clock) -> None:
    doctor, person = clinician(runtime), patient(runtime)
    made = clinic.create_invitation(runtime, doctor)
    clock.advance(days=14, seconds=-1)
    assert clinic.accept(runtime, person, made.code).active


def test_unknown_malformed_and_own_codes(runtime: Runtime) -> None:
    doctor, person = clinician(runtime), patient(runtime)
    with pytest.raises(NoSuchInvitation):
        clinic.accept(runtime, person, "ACDE-FGHJ-KMNP")
    with pytest.raises(InvalidInput) as bad:
        clinic.accept(runtime, person, "hello")
    assert bad.value.loc == ("code",)
    with pytest.raises(OwnInvitation):
        clinic.accept(runtime, doctor, clinic.create_invitation(runtime, doctor).code)


def test_a_patient_has_several_clinicians_and_ending_one_cuts_only_its_access_at_once(runtime: Runtime) -> None:
    doctor, person = linked(runtime)
    second = clinician(runtime, "bo@example.org", "Bo Lind")
    clinic.accept(runtime, person, clinic.create_invitation(runtime, second).code)
    with pytest.raises(AlreadyLinked):
        clinic.accept(runtime, person, clinic.create_invitation(runtime, second).code)
    mine = clinic.links(runtime, person)
    assert {link.clinician.name for link in mine} == {"Dr Ada", "Bo Lind"}
    ada = next(link for link in mine if link.clinician.name == "Dr Ada")
    clinic.end_link(runtime, person, ada.id)
    with pytest.raises(NotFound), runtime.care(doctor, person, "read", "sessions"):
        pass
    with runtime.care(second, person, "read", "sessions") as repo:
        assert repo.sessions() == []
    assert [link.active for link in clinic.links(runtime, person)] == [True, False], "active first, then past"
    with pytest.raises(NotFound):
        clinic.patient(runtime, doctor, person)
    assert clinic.patients(runtime, doctor) == []


def test_nobody_ends_or_changes_another_patients_link(runtime: Runtime) -> None:
    _, person = linked(runtime)
    link = clinic.links(runtime, person)[0]
    stranger = patient(runtime, "stranger@example.org")
    with pytest.raises(NotFound):
        clinic.end_link(runtime, stranger, link.id)
    with pytest.raises(NotFound):
        clinic.set_shares_notes(runtime, stranger, link.id, True)
    assert clinic.links(runtime, person)[0].active
    assert not clinic.links(runtime, person)[0].shares_notes
    assert clinic.set_shares_notes(runtime, person, link.id, True).shares_notes


def test_the_clinicians_reads_are_in_the_patients_log_newest_first(runtime: Runtime, clock: Clock) -> None:
    doctor, person = linked(runtime)
    other_doctor = clinician(runtime, "bo@example.org", "Bo Lind")
    other_person = patient(runtime, "other@example.org")
    clinic.accept(runtime, other_person, clinic.create_invitation(runtime, doctor).code)
    assert [p.id for p in clinic.patients(runtime, doctor)] == [person, other_person]
    clock.advance(minutes=1)
    assert clinic.patient(runtime, doctor, person).email == "pat@example.org"
    with pytest.raises(NotFound):
        clinic.patient(runtime, other_doctor, person)
    log = clinic.access_log(runtime, person)
    assert [(e.clinician, e.action, e.what) for e in log] == [
        ("Dr Ada", "read", "your name and email"),
        ("Dr Ada", "read", "your name and email, in their list of patients"),
    ]
    assert len(clinic.access_log(runtime, other_person)) == 1, "one patient's log holds nothing of another's"


def test_the_export_has_the_links_and_log_and_still_imports(runtime: Runtime) -> None:
    doctor, person = linked(runtime)
    clinic.patients(runtime, doctor)
    document = export_account(runtime, person)
    assert [(link["clinician"], link["ended_at"]) for link in document["care_links"]] == [("Dr Ada", None)]
    assert document["access_log"][0]["clinician"] == "Dr Ada"
    assert import_account(runtime, person, document) == {"sessions": 0, "screenings": 0, "outcomes": 0}
    assert len(clinic.links(runtime, person)) == 1, "an import never makes a link"


def test_a_deleted_patient_is_no_patient_of_their_clinician(runtime: Runtime) -> None:
    doctor, person = linked(runtime)
    accounts.delete_account(runtime, person)
    with pytest.raises(NotFound):
        clinic.patient(runtime, doctor, person)
    assert clinic.patients(runtime, doctor) == []


def test_unlinking_by_name_or_email_and_an_ambiguous_name_lists_the_choices(runtime: Runtime) -> None:
    _, person = linked(runtime)
    twin = clinician(runtime, "ada2@example.org", "Dr Ada")
    clinic.accept(runtime, person, clinic.create_invitation(runtime, twin).code)
    with pytest.raises(InvalidInput) as ambiguous:
        choose_link(clinic.links(runtime, person), "dr ada")
    assert "ada@example.org" in ambiguous.value.message
    assert "ada2@example.org" in ambiguous.value.message
    with pytest.raises(InvalidInput) as unknown:
        choose_link(clinic.links(runtime, person), "Dr Who")
    assert "choose one of" in unknown.value.message
    assert clinic.unlink_by_name(runtime, person, "ADA2@example.org").email == "ada2@example.org"
    assert [link.email for link in clinic.links(runtime, person) if link.active] == ["ada@example.org"]


def test_the_command_line_links_lists_unlinks_and_verifies(db_home: object, run: Any) -> None:
    from backcoach.app.runtime import create_runtime

    runtime = create_runtime()
    try:
        clinician(runtime)
        clinician(runtime, "ada2@example.org", "Dr Ada")
        codes = [clinic.create_invitation(runtime, 1 + i).code for i in range(2)]
    finally:
        runtime.dispose()
    shown = run("clinician", "link", codes[0], input="n\n")
    assert shown.exit_code == 0
    assert "Dr Ada, physiotherapist (not verified)" in shown.output
    assert all(line in shown.output for line in CAN_SEE + CAN_DO)
    assert "Not linked" in shown.output
    assert run("clinician", "link", codes[0], input="y\n").exit_code == 0
    assert run("clinician", "link", codes[0], "--accept").exit_code == 1, "a used code"
    assert run("clinician", "link", codes[1], "--accept").exit_code == 0
    assert run("admin", "verify-clinician", "ada@example.org").exit_code == 0
    listed = run("clinician", "list").output
    assert "Dr Ada <ada@example.org>, physiotherapist (verified)" in listed
    assert "Dr Ada <ada2@example.org>, physiotherapist (not verified)" in listed
    ambiguous = run("clinician", "unlink", "Dr Ada")
    assert ambiguous.exit_code == 2
    assert "ada2@example.org, ada@example.org" in ambiguous.output
    assert run("clinician", "unlink", "ada2@example.org").exit_code == 0
    assert "ended" in run("clinician", "list").output
    assert run("admin", "verify-clinician", "not-an-email").exit_code == 2
    assert run("admin", "verify-clinician", "nobody@example.org").exit_code == 1
    assert run("clinician", "link", "nonsense").exit_code == 2
