"""A representative on the phone, in a real browser: finds the caller by email in the search
box, takes them off marketing from their page, and sees the withdrawal on the timeline. The
dashboard with the demo data is saved as a screenshot (var/artifacts/dashboard.png)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_otp.oath import TOTP

from consent.accounts.roles import PRIVACY_OFFICER, REPRESENTATIVE
from consent.suppression.models import SuppressionEntry
from tests.factories import UserFactory, record, staff_device, staff_in_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "artifacts"


def _sign_in(page, live_server, user, device) -> None:
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("#id_code", f"{code:06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def test_a_representative_finds_a_caller_and_takes_them_off_marketing(live_server, browser_page):
    rep = staff_in_role(REPRESENTATIVE, email="rita@example.com", password="correct horse battery")
    device = staff_device(rep)
    caller = UserFactory(email="maria@example.se", first_name="Maria", last_name="Lindqvist")
    record(caller.subject, "marketing_own", "granted", channel="email")
    page = browser_page
    _sign_in(page, live_server, rep, device)

    page.goto(f"{live_server.url}/admin/accounts/subject/")
    page.fill("#searchbar", "Maria@Example.se")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name="Open").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Identity and contact").is_visible()
    assert "Maria Lindqvist" in page.locator("#section-identity").inner_text()

    page.fill("#id_note", "Asked by phone to receive no marketing")
    page.once("dialog", lambda dialog: dialog.accept())  # the confirmation
    page.get_by_role("button", name="Take off marketing lists").click()
    page.wait_for_load_state()

    assert "Taken off marketing lists." in page.locator(".messagelist").inner_text()
    timeline = page.locator("#section-timeline").inner_text()
    assert "Customer representative" in timeline and "Withdrawn" in timeline
    suppression = page.locator("#section-suppression").inner_text()
    assert "Customer representative" in suppression and "Asked by phone" in suppression
    assert SuppressionEntry.objects.filter(reason="representative", created_by=f"staff:{rep.pk}").exists()


def test_the_dashboard_with_the_demo_data_is_saved_as_a_screenshot(live_server, browser_page):
    call_command("seed_demo", verbosity=0)
    officer = staff_in_role(PRIVACY_OFFICER, email="olga@example.com", password="correct horse battery")
    device = staff_device(officer)
    page = browser_page
    page.set_viewport_size({"width": 1200, "height": 900})
    _sign_in(page, live_server, officer, device)

    page.get_by_role("link", name="Dashboard: consent rates, grants and withdrawals, do-not-contact entries").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Consent rates per purpose").is_visible()
    assert page.locator("#chart-decisions rect").count() > 0

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"dashboard screenshot: {path}")
    assert path.stat().st_size > 10_000
