"""At login, the choices this browser made anonymously become the person's own."""

import pytest
from rest_framework.test import APIClient

from consent.banner.visitor import COOKIE_NAME, visitor_cookie_value
from consent.ledger.models import ConsentEvent
from tests.banner.conftest import SITE
from tests.factories import UserFactory, record

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def chain(subject):
    return list(
        ConsentEvent.objects.filter(subject=subject).order_by("id").values_list("purpose_id", "decision", "source")
    )


def test_anonymous_choices_are_re_recorded_on_the_person_at_login():
    person = UserFactory()
    browser = APIClient(HTTP_ORIGIN=SITE)
    browser.post(
        "/api/v1/banner/choices/",
        {"choices": {"analytics": True, "personalisation": False, "advertising": False}, "language": "fr"},
        format="json",
        HTTP_SEC_GPC="1",
    )
    anonymous_events = list(ConsentEvent.objects.order_by("id"))
    anonymous = anonymous_events[0].subject

    response = browser.post("/accounts/login/", {"username": person.email, "password": PASSWORD})

    assert response.status_code == 302
    assert chain(person.subject) == [
        ("cookies_analytics", "granted", "api"),
        ("cookies_personalisation", "withdrawn", "api"),
        ("cookies_advertising", "withdrawn", "gpc"),
    ]
    merged = ConsentEvent.objects.filter(subject=person.subject).order_by("id").select_related("evidence")
    for original, copy in zip(anonymous_events, merged, strict=True):
        # Each cites the anonymous event it came from, and keeps what was shown and from where.
        assert copy.idempotency_key.endswith(f"banner-merge:{original.pk}:{person.subject.pk}")
        assert copy.evidence.language == "fr" and copy.evidence.text_hash == original.evidence.text_hash
    # The anonymous chain stays as it was; the cookie now names the person.
    assert [e.pk for e in ConsentEvent.objects.filter(subject=anonymous).order_by("id")] == [
        e.pk for e in anonymous_events
    ]
    assert response.cookies[COOKIE_NAME].value == visitor_cookie_value(person.subject.pk)
    answer = browser.get("/api/v1/banner/choices/").json()
    assert answer["choices"] == {"analytics": True, "personalisation": False, "advertising": False}

    # Logging in again merges nothing twice.
    browser.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    assert len(chain(person.subject)) == 3


def test_a_choice_the_person_made_later_wins_and_an_equal_one_is_not_repeated():
    person = UserFactory()
    browser = APIClient(HTTP_ORIGIN=SITE)
    browser.post(
        "/api/v1/banner/choices/",
        {"choices": {"analytics": False, "personalisation": True}},
        format="json",
    )
    record(person.subject, "cookies_analytics", "granted")
    record(person.subject, "cookies_personalisation", "granted")

    browser.post("/accounts/login/", {"username": person.email, "password": PASSWORD})

    assert chain(person.subject) == [
        ("cookies_analytics", "granted", "portal"),
        ("cookies_personalisation", "granted", "portal"),
    ]


def test_another_persons_cookie_is_never_merged():
    first, second = UserFactory(), UserFactory()
    browser = APIClient(HTTP_ORIGIN=SITE)
    browser.post("/accounts/login/", {"username": first.email, "password": PASSWORD})
    browser.post("/api/v1/banner/choices/", {"choices": {"analytics": True}}, format="json")
    logout = browser.post("/accounts/logout/")
    # Logging out forgets the person: the next visitor's choices on this computer are not theirs.
    assert logout.cookies[COOKIE_NAME].value == "" and logout.cookies[COOKIE_NAME]["max-age"] == 0

    response = browser.post("/accounts/login/", {"username": second.email, "password": PASSWORD})

    assert chain(second.subject) == []
    assert response.cookies[COOKIE_NAME].value == visitor_cookie_value(second.subject.pk)
