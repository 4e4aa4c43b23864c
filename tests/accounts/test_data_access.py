"""The access log's service and table: one INSERT per look, and nobody can change the record."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from consent.accounts.models import DataAccess
from consent.accounts.services import api_key_create, data_access_record
from tests.database import as_non_owner
from tests.factories import UserFactory, subject_for

pytestmark = pytest.mark.django_db


def _request(user=None, auth=None, **meta):
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_USER_AGENT": "Firefox/140", **meta}
    request = RequestFactory().get("/somewhere/", **meta)
    request.user = user
    if auth is not None:
        request.auth = auth
    return request


def test_a_staff_view_is_one_insert_naming_who_what_when_and_where():
    staff = UserFactory(email="rita@example.com", is_staff=True)
    subject = subject_for("maria@example.se")
    request = _request(staff)

    with CaptureQueriesContext(connection) as queries:
        entry = data_access_record(
            request=request, kind=DataAccess.Kind.SUBJECT, object_id=subject.pk, subject_id=subject.pk
        )

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    row = DataAccess.objects.values().get(pk=entry.pk)
    assert row | {"id": None, "viewed_at": None} == {
        "id": None,
        "viewed_at": None,
        "actor_type": "staff",
        "staff_id": staff.pk,
        "api_key_prefix": "",
        "actor_label": "rita@example.com",
        "kind": "subject",
        "object_id": str(subject.pk),
        "subject_id": subject.pk,
        "ip_address": "198.51.100.7",
        "user_agent": "Firefox/140",
    }


def test_an_api_key_is_recorded_by_its_prefix_and_name():
    api_key, _secret = api_key_create(name="crm", scopes=["consent:read"])
    subject = subject_for("maria@example.se")

    entry = data_access_record(request=_request(None, auth=api_key), kind="ledger", subject_id=subject.pk)

    entry.refresh_from_db()
    assert (entry.actor_type, entry.staff_id, entry.api_key_prefix) == ("api_key", None, api_key.prefix)
    assert entry.actor_label == f"crm ({api_key.prefix})"


def test_the_person_themselves_and_strangers_are_not_logged():
    customer = UserFactory(email="maria@example.se")
    assert data_access_record(request=_request(customer), kind="ledger", subject_id=customer.subject.pk) is None
    assert data_access_record(request=_request(AnonymousUser()), kind="ledger") is None
    assert not DataAccess.objects.exists()


def test_an_address_that_is_no_ip_is_left_out_not_an_error():
    staff = UserFactory(is_staff=True)
    entry = data_access_record(request=_request(staff, REMOTE_ADDR=""), kind="list", object_id="accounts.user")
    assert DataAccess.objects.get(pk=entry.pk).ip_address is None


@pytest.fixture
def entry():
    staff = UserFactory(is_staff=True)
    return data_access_record(request=_request(staff), kind="profile", subject_id=uuid.uuid4())


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_dataaccess SET actor_label = 'someone else' WHERE id = %s",
        "DELETE FROM accounts_dataaccess WHERE id = %s",
    ],
)
def test_nobody_can_change_or_delete_the_record(entry, sql):
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert DataAccess.objects.filter(pk=entry.pk, kind="profile").exists()


def test_nobody_but_the_owner_can_truncate_the_record(entry):
    with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
        # Granted TRUNCATE outright, a non-owner is still refused, whatever it sets.
        with as_non_owner("TRUNCATE ON accounts_dataaccess") as cursor:
            cursor.execute("SET LOCAL consent.allow_truncate = 'on'")
            cursor.execute("TRUNCATE accounts_dataaccess")
    assert DataAccess.objects.filter(pk=entry.pk).exists()


def test_the_table_refuses_a_row_with_no_one_or_two_actors():
    with pytest.raises(DatabaseError), transaction.atomic():
        DataAccess.objects.create(actor_type="staff", actor_label="nobody", kind="profile")
    with pytest.raises(DatabaseError), transaction.atomic():
        DataAccess.objects.create(
            actor_type="api_key", staff_id=1, api_key_prefix="abcd1234", actor_label="both", kind="profile"
        )
