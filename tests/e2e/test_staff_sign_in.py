"""A staff member signs in to the back office in a real browser: password, then a TOTP code."""

import pytest
from django_otp.oath import TOTP

from consent.accounts.roles import REPRESENTATIVE
from tests.factories import staff_device, staff_in_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_representative_signs_in_with_password_and_authenticator_code(live_server, browser_page):
    user = staff_in_role(REPRESENTATIVE, email="rita@example.com", first_name="Rita", password="correct horse battery")
    device = staff_device(user)
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "rita@example.com")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    # The password alone leads to the second step, not into the back office.
    assert page.url.startswith(f"{live_server.url}/admin/second-factor/")
    assert page.get_by_role("heading", name="Second factor").is_visible()
    page.goto(f"{live_server.url}/admin/ledger/consentevent/")
    assert "/admin/second-factor/" in page.url

    # The code an authenticator app would show now, computed from the device's secret.
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("#id_code", f"{code:06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()

    assert page.url == f"{live_server.url}/admin/ledger/consentevent/"
    page.goto(f"{live_server.url}/admin/")
    assert page.url == f"{live_server.url}/admin/"
    assert "welcome, rita" in page.locator("#user-tools").inner_text().lower()
    assert page.get_by_role("link", name="Consent events").is_visible()
