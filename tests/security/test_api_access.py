"""Who may call which ledger endpoint: each staff role exactly what its model permissions
give it in the admin, each API key exactly its scopes, and nobody else anything."""

import pytest

from consent.accounts.models import ApiScope
from consent.accounts.roles import MARKETING, PRIVACY_OFFICER, REPRESENTATIVE
from tests.factories import UserFactory, record, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db

READ, WRITE = "read", "write"


@pytest.fixture
def person():
    subject = subject_for("person@example.com")
    return subject, record(subject, "primary_use", source="registration")


def _calls(person):
    subject, event = person
    return {
        "record": (WRITE, "post", "/api/v1/consents/", {
            "subject": {"email": "person@example.com"}, "purpose": "research", "decision": "withdrawn"}),
        "check": (READ, "post", "/api/v1/consents/check/", {
            "purpose": "marketing_own", "channel": "email", "identifiers": ["person@example.com"]}),
        "state": (READ, "get", f"/api/v1/subjects/{subject.pk}/consents/", None),
        "history": (READ, "get", f"/api/v1/subjects/{subject.pk}/consents/history/", None),
        "receipt": (READ, "get", f"/api/v1/receipts/{event.pk}/", None),
        "lookup": (READ, "post", "/api/v1/subjects/lookup/", {"email": "person@example.com"}),
    }  # fmt: skip


def _call(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


SESSIONS = {
    # role: what it may do through the API (as in the admin)
    "staff without a role": set(),
    MARKETING: set(),
    REPRESENTATIVE: {READ, WRITE},
    PRIVACY_OFFICER: {READ, WRITE},
    "superuser": {READ, WRITE},
}


def _session_user(role: str):
    if role == "staff without a role":
        return UserFactory(is_staff=True)
    if role == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    return staff_in_role(role)


@pytest.mark.parametrize("role", list(SESSIONS))
def test_a_staff_session_may_do_what_its_role_may_in_the_admin(api_client, person, role):
    staff_login(api_client, _session_user(role))
    for name, (needs, method, path, body) in _calls(person).items():
        response = _call(api_client, method, path, body)
        if needs in SESSIONS[role]:
            assert response.status_code in (200, 201), (role, name, response.content)
        else:
            assert response.status_code == 403, (role, name, response.content)
            assert "scope" not in response.json()["error"]["message"], (role, name)


def test_a_signed_in_person_reaches_only_their_own_receipts(api_client, person):
    owner = UserFactory(email="owner@example.com")
    own_event = record(owner.subject, "research", "withdrawn")
    api_client.force_login(owner)
    for name, (_needs, method, path, body) in _calls(person).items():
        expected = 404 if name == "receipt" else 403  # another person's receipt looks like a missing one
        assert _call(api_client, method, path, body).status_code == expected, name
    assert api_client.get(f"/api/v1/receipts/{own_event.pk}/").status_code == 200


KEYS = {
    ApiScope.CONSENT_READ: {READ},
    ApiScope.CONSENT_WRITE: {WRITE},
    ApiScope.SUPPRESSION_READ: set(),
    ApiScope.SUPPRESSION_WRITE: set(),
    ApiScope.REQUESTS_WRITE: set(),
}


@pytest.mark.parametrize("scope", list(KEYS))
def test_an_api_key_may_do_what_its_scope_names(api_key_client, person, scope):
    client = api_key_client(scope)
    for name, (needs, method, path, body) in _calls(person).items():
        response = _call(client, method, path, body)
        if needs in KEYS[scope]:
            assert response.status_code in (200, 201), (scope, name, response.content)
        else:
            assert response.status_code == 403, (scope, name)
            assert f"'consent:{needs}'" in response.json()["error"]["message"], (scope, name)


def test_nobody_signed_in_gets_a_401_and_the_purposes_are_public(api_client, person):
    for name, (_needs, method, path, body) in _calls(person).items():
        assert _call(api_client, method, path, body).status_code == 401, name
    assert api_client.get("/api/v1/purposes/").status_code == 200
