"""Every staff look at a person's data leaves one access-log row; other pages leave none (R8)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent.accounts.models import DataAccess
from consent.accounts.roles import AUDITOR, PRIVACY_OFFICER, REPRESENTATIVE
from tests.factories import UserFactory, record, staff_in_role, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client):
    user = staff_in_role(REPRESENTATIVE, email="rita@example.com")
    staff_login(client, user)
    return user


@pytest.fixture
def maria():
    return UserFactory(email="maria@example.se")


@pytest.fixture
def event(maria):
    return record(maria.subject, "marketing_own", "withdrawn", channel="email")


def _rows():
    return list(DataAccess.objects.order_by("id").values_list("actor_label", "kind", "object_id", "subject_id"))


def test_a_profile_page_is_logged_against_the_person(client, rep, maria):
    response = client.get(f"/admin/accounts/user/{maria.pk}/change/", HTTP_USER_AGENT="Firefox/140")

    assert response.status_code == 200
    assert _rows() == [("rita@example.com", "profile", str(maria.pk), maria.subject.pk)]
    row = DataAccess.objects.get()
    assert (row.staff_id, row.ip_address, row.user_agent) == (rep.pk, "127.0.0.1", "Firefox/140")


def test_the_subject_page_is_logged(client, rep, maria):
    assert client.get(f"/admin/accounts/subject/{maria.subject.pk}/change/").status_code == 200
    assert _rows() == [("rita@example.com", "subject", str(maria.subject.pk), maria.subject.pk)]


def test_a_consent_event_page_is_logged(client, rep, event):
    assert client.get(f"/admin/ledger/consentevent/{event.pk}/change/").status_code == 200
    assert _rows() == [("rita@example.com", "ledger", str(event.pk), event.subject_id)]


def test_a_read_only_profile_page_is_logged_too(client, maria):
    auditor = staff_in_role(AUDITOR, email="audit@example.com")
    staff_login(client, auditor)
    page = client.get(f"/admin/accounts/user/{maria.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert _rows() == [("audit@example.com", "profile", str(maria.pk), maria.subject.pk)]


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/admin/accounts/user/", "accounts.user"),
        ("/admin/accounts/subject/", "accounts.subject"),
        ("/admin/ledger/consentevent/", "ledger.consentevent"),
    ],
)
def test_a_list_of_people_is_one_row_naming_the_list_not_the_search(client, rep, event, url, model):
    assert client.get(url, {"q": "maria@example.se"}).status_code == 200
    assert _rows() == [("rita@example.com", "list", model, None)]
    assert "maria" not in str(DataAccess.objects.values().get())


def test_a_page_costs_one_insert_and_no_read_of_the_log(client, rep, maria):
    client.get(f"/admin/accounts/user/{maria.pk}/change/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/admin/accounts/user/{maria.pk}/change/")
    touching_log = [q["sql"] for q in queries.captured_queries if "accounts_dataaccess" in q["sql"]]
    assert len(touching_log) == 1 and touching_log[0].startswith("INSERT")
    # The person's subject came with the user, in the page's own query.
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_subject"')]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/policies/policyversion/",
        "/admin/policies/policydocument/",
        "/admin/ledger/purpose/",
        "/admin/ledger/purpose/marketing_own/change/",
        "/admin/accounts/dataaccess/",
        "/admin/accounts/apikey/",
        "/admin/auth/group/",
        "/admin/otp_totp/totpdevice/",
    ],
)
def test_pages_about_no_person_are_not_logged(client, url):
    staff_login(client, staff_in_role(PRIVACY_OFFICER, email="po@example.com"))
    assert client.get(url).status_code == 200
    assert not DataAccess.objects.exists()


def test_a_refused_page_is_not_logged(client, maria):
    staff_login(client, UserFactory(email="norole@example.com", is_staff=True))
    assert client.get(f"/admin/accounts/user/{maria.pk}/change/").status_code == 403
    assert not DataAccess.objects.exists()


# ---------------------------------------------------------------------------- the API
def test_api_reads_of_one_person_by_a_staff_session_are_logged(api_client, rep, maria, event):
    staff_login(api_client, rep)
    subject = maria.subject

    assert api_client.get(f"/api/v1/subjects/{subject.pk}/consents/").status_code == 200
    assert api_client.get(f"/api/v1/subjects/{subject.pk}/consents/history/").status_code == 200
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 200
    assert api_client.post("/api/v1/subjects/lookup/", {"email": "maria@example.se"}, format="json").status_code == 200

    assert _rows() == [
        ("rita@example.com", "ledger", str(subject.pk), subject.pk),
        ("rita@example.com", "ledger", str(subject.pk), subject.pk),
        ("rita@example.com", "ledger", str(event.pk), subject.pk),
        ("rita@example.com", "lookup", str(subject.pk), subject.pk),
    ]


def test_api_reads_by_a_key_are_logged_by_key(api_key_client, maria):
    client = api_key_client("consent:read")
    assert client.get(f"/api/v1/subjects/{maria.subject.pk}/consents/history/").status_code == 200
    row = DataAccess.objects.get()
    assert (row.actor_type, row.kind, row.subject_id) == ("api_key", "ledger", maria.subject.pk)
    assert row.actor_label.startswith("test (")


def test_the_person_reading_their_own_receipt_and_the_batch_check_are_not_logged(api_client, writer, maria, event):
    api_client.force_login(maria)
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 200
    check = {"purpose": "marketing_own", "channel": "email", "identifiers": ["maria@example.se"]}
    assert writer.post("/api/v1/consents/check/", check, format="json").status_code == 200
    assert not DataAccess.objects.exists()


def test_an_api_answer_that_shows_no_one_is_not_logged(api_client, rep):
    staff_login(api_client, rep)
    assert (
        api_client.post("/api/v1/subjects/lookup/", {"email": "nobody@example.com"}, format="json").status_code == 404
    )
    assert api_client.get("/api/v1/subjects/not-a-uuid/consents/").status_code == 404
    assert not DataAccess.objects.exists()


def test_the_log_answers_who_looked_at_a_person_and_what_a_staff_member_looked_at(client, maria):
    other = UserFactory(email="other@example.com")
    rep = staff_in_role(REPRESENTATIVE, email="rita@example.com")
    staff_login(client, rep)
    client.get(f"/admin/accounts/user/{maria.pk}/change/")
    client.get(f"/admin/accounts/user/{other.pk}/change/")
    staff_login(client, staff_in_role(AUDITOR, email="audit@example.com"))

    by_person = client.get("/admin/accounts/dataaccess/", {"q": str(maria.subject.pk)}).content.decode()
    assert by_person.count(f"/admin/accounts/subject/{maria.subject.pk}/change/") == 1
    assert f"/admin/accounts/subject/{other.subject.pk}/change/" not in by_person
    by_staff = client.get("/admin/accounts/dataaccess/", {"q": str(rep.pk)}).content.decode()
    assert by_staff.count("rita@example.com") == 2
    assert client.get("/admin/accounts/dataaccess/", {"q": "nonsense"}).status_code == 200
