"""Failed logins lock out the canonical address, whatever case or spacing each attempt used."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _login(client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


@pytest.fixture
def staff():
    return UserFactory(email="lockme@example.com", password=PASSWORD, is_staff=True, is_superuser=True)


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
    assert client.get("/admin/").status_code == 200
