"""The office seam: a registered scope narrows every back-office path to people a staff member may see."""

import pytest

from consent.accounts.roles import REPRESENTATIVE
from consent.accounts.scope import subject_scope_register, subject_scope_unregister, subjects_for_staff
from tests.factories import UserFactory, record, staff_in_role, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "mine": UserFactory(email="mine@example.se", country="SE"),
        "theirs": UserFactory(email="theirs@example.fr", country="FR"),
    }


@pytest.fixture
def swedish_office_only(people):
    """Stands in for requests_app's office rule: representatives see Swedish customers only."""

    def scope(*, user, queryset):
        if user.groups.filter(name=REPRESENTATIVE).exists():
            return queryset.filter(user__country="SE")
        return queryset

    subject_scope_register(scope)
    yield scope
    subject_scope_unregister(scope)


def test_without_a_scope_everyone_is_visible(people):
    rep = staff_in_role(REPRESENTATIVE)
    assert {people["mine"].subject, people["theirs"].subject} <= set(subjects_for_staff(user=rep))


def test_a_scope_narrows_the_admin_lists_and_pages(client, people, swedish_office_only):
    staff_login(client, staff_in_role(REPRESENTATIVE))
    mine, theirs = people["mine"], people["theirs"]
    theirs_event = record(theirs.subject, "research", "withdrawn")

    subjects = client.get("/admin/accounts/subject/").content.decode()
    assert str(mine.subject.pk) in subjects and str(theirs.subject.pk) not in subjects
    users = client.get("/admin/accounts/user/").content.decode()
    assert "mine@example.se" in users and "theirs@example.fr" not in users
    assert client.get(f"/admin/accounts/user/{theirs.pk}/change/").status_code == 302  # "does not exist"
    assert client.get(f"/admin/accounts/subject/{theirs.subject.pk}/change/").status_code == 302
    assert client.get(f"/admin/ledger/consentevent/{theirs_event.pk}/change/").status_code == 302
    assert client.get(f"/admin/accounts/subject/{mine.subject.pk}/change/").status_code == 200


def test_a_scope_narrows_staff_sessions_in_the_api_but_not_keys(
    api_client, api_key_client, people, swedish_office_only
):
    staff_login(api_client, staff_in_role(REPRESENTATIVE))
    theirs = people["theirs"].subject
    event = record(theirs, "research", "withdrawn")

    assert api_client.get(f"/api/v1/subjects/{theirs.pk}/consents/").status_code == 404
    assert api_client.get(f"/api/v1/subjects/{theirs.pk}/consents/history/").status_code == 404
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 404
    assert api_client.post("/api/v1/subjects/lookup/", {"email": "theirs@example.fr"}, format="json").status_code == 404
    assert api_client.get(f"/api/v1/subjects/{people['mine'].subject.pk}/consents/").status_code == 200
    assert api_key_client("consent:read").get(f"/api/v1/subjects/{theirs.pk}/consents/").status_code == 200


def test_superusers_are_never_narrowed(people, swedish_office_only):
    boss = UserFactory(is_staff=True, is_superuser=True)
    assert people["theirs"].subject in subjects_for_staff(user=boss)
