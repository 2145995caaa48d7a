"""A clinician and a patient, each in their own browser context, against a real `backcoach serve`: invite, accept,
a template saved in the editor and prescribed, the session run in the Player with pain 6 on one exercise, the flare
first on the dashboard, the dose lowered, the new version on the patient's Today, the link ended and the patient's
page gone. Screenshots of the dashboard and the prescription editor at a phone's and a laptop's size."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import browser, output_folder
from tests.web.test_browser import PASSWORD, PHONE, api_sessions, server
from tests.web.test_clinic_pages import SESSION, _account, _call

__all__ = ["browser", "server"]

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 800}


def invite(page: Any, base: str) -> str:
    """An invitation made with the dashboard's button: the link it shows once."""
    page.goto(f"{base}/clinic")
    page.get_by_role("button", name="Invite a patient").click()
    page.wait_for_load_state()
    found = re.search(r"/link/([A-Z0-9-]+)", page.locator("main").inner_text())
    assert found, page.locator("main").inner_text()
    return found.group(0)


def watch(page: Any, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_clinician_and_a_patient_from_invitation_to_unlinking(browser: Any, server: str) -> None:
    folder = output_folder("web")
    errors: list[str] = []
    doctor = browser.new_context(viewport=LAPTOP).new_page()
    patient = browser.new_context(viewport=PHONE).new_page()
    watch(doctor, errors)
    watch(patient, errors)

    # The clinician signs up as one and invites in the UI.
    doctor.goto(f"{server}/signup")
    doctor.get_by_label("Email").fill("ada@example.org")
    doctor.get_by_label("Password").fill(PASSWORD)
    doctor.get_by_label("a clinician who prescribes exercises and follows patients").check()
    doctor.get_by_label("Your name as patients will see it").fill("Dr Ada Lee")
    doctor.get_by_label("Profession").fill("physical therapist")
    doctor.get_by_role("button", name="Sign up").click()
    doctor.wait_for_url(f"{server}/account")
    link = invite(doctor, server)

    # The patient opens the link before having an account: sign up, and back to the link.
    patient.goto(server + link)
    patient.wait_for_url(re.compile(r".*/signin\?next="))
    patient.get_by_role("link", name="Create an account").click()
    patient.get_by_label("Email").fill("pat@example.org")
    patient.get_by_label("Password").fill(PASSWORD)
    patient.get_by_role("button", name="Sign up").click()
    patient.wait_for_url(server + link)
    assert "Dr Ada Lee asks to follow your exercise" in patient.locator("h1").inner_text()
    patient.get_by_role("button", name="Accept").click()
    patient.wait_for_url(f"{server}/account")
    patient.goto(f"{server}/onboarding")
    patient.get_by_label("How old are you?").fill("42")
    patient.get_by_role("button", name="Check").click()
    patient.wait_for_url(f"{server}/preferences")
    patient.get_by_label("Minutes per session").fill("5")
    patient.get_by_role("button", name="Save and see today's session").click()
    patient.wait_for_url(f"{server}/today")

    # A second patient, linked through the API, with a session that needs no attention.
    other_link = invite(doctor, server)
    other = _account(server, "quiet@example.org")
    _call(server, "POST", "/api/v1/clinicians/accept", {"code": other_link.rsplit("/", 1)[1]}, token=other)
    _call(server, "POST", "/api/v1/screening", {"age": 40}, token=other)
    _call(server, "POST", "/api/v1/sessions", {**SESSION, "pain_after": 2}, token=other)

    # The clinician builds a program in the editor, saves it as a template, and prescribes from the template.
    doctor.goto(f"{server}/clinic")
    doctor.get_by_role("link", name=re.compile(r"^pat")).click()
    doctor.wait_for_url(re.compile(r".*/clinic/patients/\d+$"))
    patient_page = doctor.url
    doctor.get_by_role("link", name="Prescribe a program").click()
    editor = patient_page + "/program"
    doctor.wait_for_url(editor)
    form = doctor.locator("form.rx-form")
    form.get_by_label("Title").fill("Bridge and pumps")
    form.locator("textarea[name=note]").fill("Little and often, Pat.")
    form.get_by_label("Days per week (1 to 7)").fill("7")
    doctor.locator("select[name=row-0-exercise]").select_option("bridge")
    doctor.locator("select[name=row-0-rung]").select_option("bridge")
    doctor.locator("input[name=row-0-reps]").fill("10")
    doctor.locator("textarea[name=row-0-note]").fill("Squeeze at the top.")
    assert doctor.locator("li.rx-row:nth-child(2)").is_hidden()  # empty rows wait behind "Add an exercise"
    doctor.get_by_role("button", name="Add an exercise").click()
    doctor.locator("select[name=row-1-exercise]").select_option("ankle-pump")
    assert doctor.locator("select[name=row-1-rung] option[value='bridge']").is_disabled()
    doctor.locator("input[name=row-1-reps]").fill("10")
    doctor.locator("select[name=row-1-sides]").select_option("each")
    doctor.locator("fieldset.rx-template").get_by_label("Template name").fill("Gentle start")
    doctor.get_by_role("button", name="Save as a template").click()
    doctor.wait_for_load_state()
    assert "Saved as the template 'Gentle start'." in doctor.locator("main").inner_text()
    doctor.goto(editor)
    doctor.get_by_label("Start from").select_option(label="Gentle start")
    doctor.get_by_role("button", name="Load it into the form").click()
    doctor.wait_for_url(re.compile(r".*start=template"))
    assert doctor.locator("input[name=title]").input_value() == "Bridge and pumps"
    doctor.get_by_role("button", name="Prescribe this program").click()
    doctor.wait_for_url(re.compile(r".*saved=1"))
    assert doctor.locator("#versions tbody tr").count() == 1

    # The patient's Today follows it; the session in the Player, with pain 6 during an exercise.
    patient.goto(f"{server}/today")
    program_card = patient.locator("#your-program").inner_text()
    assert "Your program: Bridge and pumps" in program_card
    assert "Dr Ada Lee" in program_card
    assert "Little and often, Pat." in program_card
    assert "Squeeze at the top." in patient.locator("main").inner_text()
    patient.goto(f"{server}/player?speed=60")
    patient.get_by_label("How much does your back hurt right now?").select_option("2")
    patient.get_by_role("button", name="Start").click()
    patient.wait_for_selector("#live:not([hidden])")
    patient.locator("#btn-pain").click()
    patient.wait_for_selector("#pain-dialog[open]")
    patient.locator("#pain-now").select_option("6")
    patient.wait_for_selector("#pain-advice:not([hidden])")
    patient.get_by_role("button", name="Carry on").click()
    patient.wait_for_selector("#after:not([hidden])", timeout=120_000)
    patient.get_by_label("How much does your back hurt now?").select_option("2")
    patient.get_by_role("button", name="Save").click()
    patient.wait_for_selector("#done:not([hidden])")
    patient.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
    [session] = api_sessions(patient, server)
    [hurt] = [i for i in session["items"] if i["pain_during"] == 6]
    assert hurt["exercise"] in ("bridge", "ankle-pump")

    # The dashboard puts this patient first, with the flare; screenshots at both sizes.
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        doctor.set_viewport_size(size)
        doctor.goto(f"{server}/clinic")
        first = doctor.locator(".clinic-patients > li").first
        assert "pat@example.org" in first.inner_text().replace("\u200b", "")
        assert "Flare" in first.inner_text()
        assert doctor.locator(".clinic-patients > li").count() == 2
        doctor.screenshot(path=str(folder / f"clinic-dashboard-{name}.png"), full_page=True)

    # The clinician lowers the dose of the exercise that hurt: its easier rung, fewer repetitions; version 2. (Only
    # the rung and dose together are lower than what the dose rules' step down after the flare gives: a step down
    # lands on the easier rung at its top, and a kept dose is replaced only by a lower one.)
    doctor.set_viewport_size(LAPTOP)
    doctor.goto(editor)
    row, easier, shown = (
        ("row-0", "bridge/short", "Short bridge")
        if hurt["exercise"] == "bridge"
        else ("row-1", "ankle-pump/small-range", "Small ankle pumps")
    )
    assert doctor.locator(f"select[name={row}-exercise]").input_value() == hurt["exercise"]
    doctor.locator(f"select[name={row}-rung]").select_option(easier)
    doctor.locator(f"input[name={row}-reps]").fill("5")
    doctor.get_by_role("button", name="Save as version 2").click()
    doctor.wait_for_url(re.compile(r".*saved=1"))
    assert doctor.locator("#versions tbody tr").count() == 2
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        doctor.set_viewport_size(size)
        doctor.goto(editor)
        doctor.screenshot(path=str(folder / f"clinic-prescribe-{name}.png"), full_page=True)

    # The patient's Today shows the new version and dose.
    patient.goto(f"{server}/today")
    assert "version 2" in patient.locator("#your-program").inner_text()
    lowered = patient.locator("ol.plan > li", has_text=shown).first.inner_text()
    assert re.search(r"\b5 repetitions", lowered), lowered

    assert not errors, errors  # before the 404s below, which the console reports as errors

    # The patient ends the link on Account; the clinician's page for them is gone at once.
    patient.goto(f"{server}/account")
    patient.get_by_role("button", name="End the link to Dr Ada Lee").click()
    patient.wait_for_url(f"{server}/account")
    gone = doctor.goto(patient_page)
    assert gone is not None
    assert gone.status == 404
    assert doctor.goto(editor).status == 404
    doctor.goto(f"{server}/clinic")
    assert doctor.locator(".clinic-patients > li").count() == 1
