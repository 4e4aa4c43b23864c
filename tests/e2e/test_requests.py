"""A subject request in a real browser, from the public form to the downloaded copy: the
requester confirms by the emailed link, a representative (password and second factor)
completes it in the back office, and the requester downloads a ZIP holding their events."""

import io
import json
import re
import zipfile

import pytest
from django_otp.oath import TOTP

from consent.accounts.roles import REPRESENTATIVE
from consent.notifications.models import OutboundEmail
from requests_app.models import SubjectRequest
from tests.factories import record, staff_device, staff_in_role, subject_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _link(path: str) -> str:
    for email in OutboundEmail.objects.filter(to_address="ann@example.com").order_by("-pk"):
        match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", email.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no email links to {path}")


def _staff_sign_in(page, base: str) -> None:
    user = staff_in_role(REPRESENTATIVE, email="rita@example.com", password="correct horse battery")
    device = staff_device(user)
    page.goto(f"{base}/admin/")
    page.fill("#id_username", "rita@example.com")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("#id_code", f"{code:06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def test_public_request_to_downloaded_copy(live_server, browser_page):
    base = live_server.url
    subject = subject_for("ann@example.com")
    event = record(subject, "research", "granted")
    page = browser_page

    # The requester fills in the public form.
    page.goto(f"{base}/requests/new/")
    page.select_option("#id_type", "access")
    page.fill("#id_name", "Ann Berg")
    page.fill("#id_email", "ann@example.com")
    page.select_option("#id_country", "SE")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    made = SubjectRequest.objects.get()
    assert made.reference in page.content()

    # ... and confirms it with the link from the outbox.
    page.goto(f"{base}{_link('/requests/verify/')}")
    page.get_by_role("button", name="Confirm my request").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/requests/{made.reference}/"
    assert page.locator(".request-status").inner_text() == "Open"

    # A representative completes it in the back office, in their own browser.
    staff_context = page.context.browser.new_context(locale="en-GB")
    staff_page = staff_context.new_page()
    try:
        _staff_sign_in(staff_page, base)
        staff_page.goto(f"{base}/admin/requests_app/subjectrequest/")
        staff_page.get_by_role("link", name=made.reference).click()
        staff_page.wait_for_load_state()
        assert "Followed an emailed link" in staff_page.content()
        staff_page.select_option("#id_action", "completed")
        staff_page.get_by_role("button", name="Save", exact=True).click()
        staff_page.wait_for_load_state()
    finally:
        staff_context.close()
    made.refresh_from_db()
    assert made.status == "completed"

    # The requester follows the emailed download link to their status page and downloads.
    page.goto(f"{base}{_link(f'/requests/{made.reference}/download/').replace('/download/', '/')}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    data = json.loads(archive.read("data.json"))
    assert [e["id"] for e in data["consent_events"]] == [event.pk]
    assert made.events.filter(kind="downloaded").count() == 1
