"""Failed logins lock out the canonical address, whatever case or spacing each attempt used,
and a staff member's wrong second-factor codes count as failed logins too."""

import pytest
from django_otp.oath import TOTP

from tests.factories import UserFactory, staff_device

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _login(client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def _code(client, code: str):
    return client.post("/admin/second-factor/", {"code": code})


@pytest.fixture
def staff():
    user = UserFactory(email="lockme@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    staff_device(user)
    return user


def _right_code(user) -> str:
    device = user.totpdevice_set.get()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_a_locked_address_stays_locked_in_another_case(client, staff, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "lockme@example.com", "wrong password")
    for variant in ("LOCKME@example.com", "LockMe@Example.COM", " lockme@example.com "):
        response = _login(client, variant, PASSWORD)
        assert response.status_code == 429, variant
    assert client.get("/admin/").status_code == 302  # never signed in


def test_failures_in_different_cases_add_up_to_one_lockout(client, staff, settings):
    variants = [
        "lockme@example.com",
        "LOCKME@EXAMPLE.COM",
        "Lockme@example.com",
        " lockme@EXAMPLE.com",
        "LOCKme@example.com",
    ]
    for variant in variants[: settings.AXES_FAILURE_LIMIT]:
        _login(client, variant, "wrong password")
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 429


def test_below_the_limit_the_right_password_still_works(client, staff, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "LOCKME@example.com", "wrong password")
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 302
    assert _code(client, _right_code(staff)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_codes_lock_out_like_wrong_passwords(client, staff, settings):
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 302
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _code(client, "000000").status_code == 200
    locked = _code(client, "999999")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session  # the password-only session is ended too
    assert client.get("/admin/").status_code == 302
    # Locked: neither the right password nor (after it) the right code gets in.
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_wrong_passwords_and_wrong_codes_add_up(client, staff, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 2):
        _login(client, "LockMe@example.com", "wrong password")
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 302
    assert _code(client, "000000").status_code == 200
    assert _code(client, "111111").status_code == 429


def test_a_locked_out_staff_member_is_refused_even_with_the_right_code(client, staff, settings):
    assert _login(client, "lockme@example.com", PASSWORD).status_code == 302
    # Meanwhile, someone else fails the password for the same address from this IP.
    other = type(client)()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(other, "lockme@example.com", "wrong password")

    assert _code(client, _right_code(staff)).status_code == 429
    assert client.get("/admin/").status_code == 302
