"""The dashboard: aggregate figures as SVG charts, matching the data, with no person in them."""

import datetime
import re

import pytest
import time_machine

from consent.accounts.roles import AUDITOR, MARKETING, PRIVACY_OFFICER, REPRESENTATIVE
from consent.backoffice.tasks import refresh_dashboard_figures_task
from consent.ledger.services import Actor
from consent.suppression.services import suppression_add
from requests_app.services import request_submit
from tests.factories import UserFactory, record, staff_in_role, staff_login

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.UTC)  # a Wednesday
THIS_WEEK, LAST_WEEK = "2026-11-16", "2026-11-09"


@pytest.fixture
def data():
    people = [
        UserFactory(email=f"person{n}@example.se", first_name="Ingrid", last_name=f"Bergman{n}") for n in range(4)
    ]
    with time_machine.travel(NOW - datetime.timedelta(days=7), tick=False):
        for person in people:
            record(person.subject, "research", "granted")
        record(people[0].subject, "marketing_own", "granted", channel="email")
    with time_machine.travel(NOW, tick=False):
        record(people[0].subject, "research", "withdrawn")
        record(people[1].subject, "research", "withdrawn")
        record(people[1].subject, "research", "granted")
        suppression_add(
            identifiers=["a@example.com", "b@example.com"], reason="complaint", source="t", actor=Actor.system()
        )
        suppression_add(identifiers=["c@example.com"], reason="bounce", source="t", actor=Actor.system())
        for person in people[:2]:
            request_submit(type="access", email=person.email, name="Ingrid", country="JP", channel="web_form")
        refresh_dashboard_figures_task()  # what the beat runs every few minutes
    return people


def _dashboard(client) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get("/admin/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def _titles(html: str, section: str) -> list[str]:
    part = html.split(f'id="chart-{section}"')[1].split("</section>")[0]
    return re.findall(r"<title>([^<]*)</title>", part)


def test_the_numbers_in_the_charts_match_the_data(client, data):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    html = _dashboard(client)

    decisions = _titles(html, "decisions")
    # Registration grants primary use for each person (UserFactory registers through the service).
    assert f"{LAST_WEEK}: 5 granted" in decisions
    assert f"{THIS_WEEK}: 1 granted" in decisions and f"{THIS_WEEK}: 2 withdrawn" in decisions
    rates = _titles(html, "consent_rates")
    # Research: 4 people chose last week, all granted; this week 2 chose: person 0 withdrew,
    # person 1 withdrew, then granted again (their last choice counts).
    assert f"Market research and surveys, {LAST_WEEK}: 100.0% (4 / 4)" in rates
    assert f"Market research and surveys, {THIS_WEEK}: 50.0% (1 / 2)" in rates
    assert f"Our own marketing, {LAST_WEEK}: 100.0% (1 / 1)" in rates
    assert not any(title.startswith(f"Our own marketing, {THIS_WEEK}") for title in rates)  # no one chose
    suppression = _titles(html, "suppression")
    assert "Complaint: 2" in suppression and "Bounce: 1" in suppression and "Imported list: 0" in suppression
    # Accessible: each chart says what it is, and has its table.
    assert html.count("<desc") == 4 and html.count("<details>") == 4
    assert "figures as of 2026-11-18 12:00" in html
    # Requests: two received this week, none completed; the default office has both open.
    assert f"{THIS_WEEK}: 2 received" in _titles(html, "requests")
    offices = html.split('id="chart-offices"')[1].split("</section>")[0]
    assert re.search(r"<td>Privacy office</td><td>2</td><td>0</td><td>0</td><td>—</td>", offices)


def test_no_person_appears(client, data):
    staff_login(client, staff_in_role(MARKETING))
    html = _dashboard(client)
    for person in data:
        assert person.email not in html and str(person.subject.pk) not in html
    assert "Bergman" not in html and "a@example.com" not in html


@pytest.mark.parametrize("role", [PRIVACY_OFFICER, MARKETING, AUDITOR, REPRESENTATIVE])
def test_every_role_sees_it_and_finds_it_on_the_index(client, role):
    staff_login(client, staff_in_role(role))
    assert client.get("/admin/dashboard/").status_code == 200
    assert 'href="/admin/dashboard/"' in client.get("/admin/").content.decode()


def test_staff_without_a_role_or_second_factor_do_not(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)  # no second factor
    assert client.get("/admin/dashboard/").status_code == 302
    staff_login(client, staff)
    assert client.get("/admin/dashboard/").status_code == 403
    assert 'href="/admin/dashboard/"' not in client.get("/admin/").content.decode()


def test_each_chart_is_one_query(client, data, django_assert_max_num_queries):
    staff_login(client, staff_in_role(AUDITOR))
    client.get("/admin/")  # the session and permissions, read once
    with django_assert_max_num_queries(12):
        _dashboard(client)
