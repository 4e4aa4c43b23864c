"""Every big list in the back office costs the same few queries however many rows it shows
(no query per row), and pages through a bounded count rather than COUNT(*) of the table."""

import pytest

from consent.accounts.models import DataAccess, ProfileChange
from consent.accounts.services import data_access_record
from consent.db import CappedCountPaginator
from consent.ledger.services import Actor
from consent.notifications.models import OutboundEmail
from consent.suppression.models import SuppressionImport
from consent.suppression.services import suppression_add
from requests_app.services import request_submit
from tests.factories import UserFactory, record, staff_login

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/accounts/subject/",
    "/admin/accounts/user/",
    "/admin/ledger/consentevent/",
    "/admin/suppression/suppressionentry/",
    "/admin/suppression/suppressionimport/",
    "/admin/notifications/outboundemail/",
    "/admin/accounts/dataaccess/",
    "/admin/accounts/profilechange/",
    "/admin/requests_app/subjectrequest/",
]
MAX_QUERIES = 14


def _rows(n: int, offset: int) -> None:
    """n more rows in every list."""
    for i in range(offset, offset + n):
        person = UserFactory(email=f"p{i}@example.com")
        record(person.subject, "research", "granted")
        suppression_add(identifiers=[f"s{i}@example.com"], reason="bounce", source="t", actor=Actor.system())
        SuppressionImport.objects.create(
            file_name=f"{i}.csv", file_size=1, sha256=f"{i:064d}", created_by="t", reason="import"
        )
        OutboundEmail.objects.create(
            template="t", language="en", subject=person.subject, from_address="a@b.c", message_id=f"<{i}@t>"
        )
        ProfileChange.objects.create(user=person, fields=["city"], source="portal")
        request_submit(type="access", email=person.email, name="P", country="SE", channel="web_form")


@pytest.fixture
def boss(client):
    user = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    staff_login(client, user)
    return user


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_queries_for_few_and_many_rows(client, boss, url, django_assert_max_num_queries):
    _rows(2, 0)
    request = type("R", (), {"user": boss, "META": {}})()
    data_access_record(request=request, kind=DataAccess.Kind.PROFILE)
    client.get(url)  # the session and permissions, warmed
    with django_assert_max_num_queries(MAX_QUERIES) as few:
        assert client.get(url).status_code == 200
    _rows(12, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", LISTS)
def test_no_list_counts_the_whole_table(client, boss, url, django_assert_max_num_queries):
    _rows(1, 0)
    with django_assert_max_num_queries(MAX_QUERIES) as queries:
        client.get(url)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 10000" in sql for sql in counts), counts


def test_the_paginator_stops_counting_at_its_cap(monkeypatch):
    _rows(3, 0)
    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    from consent.accounts.models import Subject

    assert CappedCountPaginator(Subject.objects.order_by("pk"), 1).count == 2
