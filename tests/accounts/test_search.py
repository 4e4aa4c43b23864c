"""One search box finds a person by email, phone, name, id or request reference, through indexes."""

import pytest
from django.db import connection

from consent.accounts.roles import MARKETING, REPRESENTATIVE
from tests.database import query_plans
from tests.factories import UserFactory, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "maria": UserFactory(email="maria@example.se", first_name="Maria", last_name="Lindqvist", phone="+46701234567"),
        "marie": UserFactory(email="marie@example.fr", first_name="Marie", last_name="Curie", phone="+33612345678"),
        "imported": subject_for("imported@example.com"),
    }


@pytest.fixture
def rep(client):
    staff_login(client, staff_in_role(REPRESENTATIVE))


def _ids(client, term: str, people) -> set[str]:
    html = client.get("/admin/accounts/subject/", {"q": term}).content.decode()
    subjects = {
        "maria": people["maria"].subject.pk,
        "marie": people["marie"].subject.pk,
        "imported": people["imported"].pk,
    }
    return {name for name, pk in subjects.items() if f"/admin/accounts/subject/{pk}/story/" in html}


def test_by_email_in_any_case(client, rep, people):
    assert _ids(client, "  Maria@EXAMPLE.se ", people) == {"maria"}
    assert _ids(client, "imported@example.com", people) == {"imported"}
    assert _ids(client, "nobody@example.com", people) == set()


def test_by_phone_in_any_usual_format(client, rep, people):
    assert _ids(client, "+46 70 123 45 67", people) == {"maria"}
    assert _ids(client, "+33612345678", people) == {"marie"}


def test_a_person_known_only_by_phone_is_found_by_their_number(client, rep, people):
    from consent.accounts.services import subject_get_or_create_by_phone

    caller = subject_get_or_create_by_phone(phone="070-765 43 21", region="SE")
    html = client.get("/admin/accounts/subject/", {"q": "+46 70 765 43 21"}).content.decode()
    assert f"/admin/accounts/subject/{caller.pk}/story/" in html
    assert _ids(client, "+46 70 765 43 21", people) == set()
    assert _ids(client, "+46701234567", people) == {"maria"}


def test_by_the_start_of_a_name(client, rep, people):
    assert _ids(client, "mar", people) == {"maria", "marie"}
    assert _ids(client, "Maria L", people) == {"maria"}
    assert _ids(client, "marie curie", people) == {"marie"}
    assert _ids(client, "lindqvist", people) == set()  # first name first: a prefix, not a substring


def test_by_subject_id_and_external_id(client, rep, people):
    assert _ids(client, str(people["marie"].subject.pk), people) == {"marie"}


def test_an_unknown_request_reference_finds_no_one(client, rep, people):
    # requests_app registers the "SR-" resolver (tests/backoffice/test_subject_page.py finds one).
    assert _ids(client, "SR-2026-999999", people) == set()


def test_marketing_finds_no_one(client, people):
    staff_login(client, staff_in_role(MARKETING))
    assert client.get("/admin/accounts/subject/", {"q": "maria@example.se"}).status_code == 403
    assert client.get("/admin/accounts/user/", {"q": "maria@example.se"}).status_code == 403


def test_the_name_and_phone_searches_use_their_indexes(people):
    from consent.accounts.models import Subject
    from consent.accounts.search import subject_search

    for term, indexes in [
        ("Maria L", ["accounts_user_name_prefix"]),
        ("+46701234567", ["accounts_user_phone", "accounts_subject_digest_hash"]),
    ]:
        with query_plans() as plans:
            found = list(subject_search(queryset=Subject.objects.order_by("-pk"), term=term).queryset)
        assert found == [people["maria"].subject]
        assert all(any(index in line for line in plans) for index in indexes), plans


def test_the_list_of_found_people_is_read_by_their_ids_not_by_walking_every_person(people):
    from consent.accounts.models import Subject
    from consent.accounts.search import subject_search

    # A list is ordered and cut to a page: filtered by a subquery, the planner walks every
    # subject in id order to find the few the search names (a second per million people).
    page = subject_search(queryset=Subject.objects.order_by("-pk"), term="Maria L").queryset[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan and "accounts_user" not in plan, plan
