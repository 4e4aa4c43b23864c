"""Staff sign in with a password and a second factor; a password alone opens no admin page."""

import re

import pytest
import time_machine
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.accounts.roles import REPRESENTATIVE
from consent.accounts.second_factor import backup_codes_replace
from tests.factories import UserFactory, staff_device, staff_in_role

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
SECOND_FACTOR = "/admin/second-factor/"
ENROL = "/admin/second-factor/enrol/"


def _password(client, email: str, password: str = PASSWORD, next_url: str = "/admin/"):
    return client.post(f"/admin/login/?next={next_url}", {"username": email, "password": password})


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def staff():
    user = staff_in_role(REPRESENTATIVE, email="rita@example.com", password=PASSWORD)
    staff_device(user)
    return user


def test_the_right_password_leads_to_the_second_factor_not_the_admin(client, staff):
    response = _password(client, "rita@example.com", next_url="/admin/ledger/consentevent/")

    assert response.status_code == 302
    assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fadmin%2Fledger%2Fconsentevent%2F"
    for page in ("/admin/", "/admin/ledger/consentevent/", "/admin/accounts/subject/", "/admin/password_change/"):
        assert client.get(page).status_code == 302, page
        assert client.get(page)["Location"].startswith("/admin/login/"), page
    # The login page itself sends a half-signed-in session on to the second step.
    assert client.get("/admin/login/?next=/admin/")["Location"] == f"{SECOND_FACTOR}?next=%2Fadmin%2F"


def test_a_session_that_skipped_the_second_factor_is_refused_by_admin_and_api(client, staff):
    client.force_login(staff)  # signed in, never verified

    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/accounts/subject/").status_code == 302
    response = client.post("/api/v1/subjects/lookup/", {"email": "x@example.com"}, content_type="application/json")
    assert response.status_code == 403


def test_a_code_from_the_authenticator_opens_the_admin(client, staff):
    _password(client, "rita@example.com", next_url="/admin/ledger/consentevent/")
    page = client.get(f"{SECOND_FACTOR}?next=/admin/ledger/consentevent/")
    assert page.status_code == 200
    assert b'name="code"' in page.content

    device = TOTPDevice.objects.get(user=staff)
    response = client.post(SECOND_FACTOR, {"code": _code(device), "next": "/admin/ledger/consentevent/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/ledger/consentevent/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/ledger/consentevent/").status_code == 200


def test_a_code_typed_with_a_space_is_accepted(client, staff):
    _password(client, "rita@example.com")
    code = _code(TOTPDevice.objects.get(user=staff))
    assert client.post(SECOND_FACTOR, {"code": f" {code[:3]} {code[3:]} "})["Location"] == "/admin/"


def test_a_backup_code_works_once(client, staff):
    codes = backup_codes_replace(user=staff)

    _password(client, "rita@example.com")
    assert client.post(SECOND_FACTOR, {"code": codes[0].upper()})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert StaticDevice.objects.get(user=staff).token_set.count() == len(codes) - 1

    client.logout()
    _password(client, "rita@example.com")
    response = client.post(SECOND_FACTOR, {"code": codes[0]})
    assert response.status_code == 200
    assert b"not right" in response.content
    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_is_refused_and_says_so(client, staff):
    _password(client, "rita@example.com")
    response = client.post(SECOND_FACTOR, {"code": "000000"})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert client.get("/admin/").status_code == 302


def test_the_next_page_must_be_on_this_site(client, staff):
    _password(client, "rita@example.com")
    device = TOTPDevice.objects.get(user=staff)
    response = client.post(SECOND_FACTOR, {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_cancel_signs_out(client, staff):
    _password(client, "rita@example.com")
    response = client.post(SECOND_FACTOR, {"cancel": "1"})
    assert response["Location"] == "/admin/login/"
    assert "_auth_user_id" not in client.session


def test_people_who_are_not_half_signed_in_staff_are_sent_to_the_login(client):
    assert client.get(SECOND_FACTOR)["Location"] == "/admin/login/"
    assert client.get(ENROL)["Location"] == "/admin/login/"
    client.force_login(UserFactory(email="customer@example.com"))
    assert client.get(SECOND_FACTOR)["Location"] == "/admin/login/"
    assert client.post(SECOND_FACTOR, {"code": "123456"})["Location"] == "/admin/login/"


def test_a_customer_cannot_sign_in_to_the_admin(client):
    UserFactory(email="customer@example.com", password=PASSWORD)
    response = _password(client, "customer@example.com")
    assert response.status_code == 200  # the login form again, with its error
    assert client.get("/admin/").status_code == 302


# ---------------------------------------------------------------------------- enrolment
def test_staff_without_an_authenticator_enrol_before_any_admin_page(client):
    user = staff_in_role(REPRESENTATIVE, email="new@example.com", password=PASSWORD)

    response = _password(client, "new@example.com")
    assert client.get(response["Location"])["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert "<svg" in page and "<img" not in page  # the QR code is drawn inline, no request leaves the page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert secret.replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()
    # Reloading shows the same secret: the app scanned first still works.
    assert client.get(ENROL).content.decode().count(secret) == 1
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert client.get("/admin/").status_code == 302

    wrong = client.post(ENROL, {"code": "000000"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    device.refresh_from_db()
    assert device.confirmed is False

    with time_machine.travel(device.throttling_failure_timestamp.timestamp() + 2):  # past the 1 s slow-down
        done = client.post(ENROL, {"code": _code(device), "next": "/admin/"})
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
        assert len(codes) == 10
        device.refresh_from_db()
        assert device.confirmed is True
        assert sorted(StaticDevice.objects.get(user=user).token_set.values_list("token", flat=True)) == sorted(codes)
        assert client.get("/admin/").status_code == 200


def test_an_enrolled_staff_member_cannot_enrol_another_authenticator_with_the_password_alone(client, staff):
    _password(client, "rita@example.com")
    response = client.get(ENROL)
    assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fadmin%2F"
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(SECOND_FACTOR)
    assert TOTPDevice.objects.filter(user=staff).count() == 1
