"""POST/GET /api/v1/banner/choices/: a visitor's own cookie choices, from allowed sites only."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from consent.banner.visitor import COOKIE_NAME, visitor_cookie_value
from consent.ledger.models import ConsentEvent
from tests.banner.conftest import SITE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/banner/choices/"
REJECT_ALL = {"analytics": False, "personalisation": False, "advertising": False}


def choose(client, choices=None, **extra):
    return client.post(URL, {"choices": choices or {}, "language": "sv-SE"}, format="json", **extra)


def events():
    return list(ConsentEvent.objects.order_by("id").values_list("subject_id", "purpose_id", "decision", "source"))


# ---------------------------------------------------------------------------- cross-origin
def test_an_allowed_site_gets_cors_with_credentials_and_a_preflight_answer(visitor):
    preflight = visitor.options(
        URL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type"
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SITE
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]

    response = choose(visitor, REJECT_ALL)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"]
    assert response.json()["choices"] == REJECT_ALL


def test_a_returning_visitors_read_carries_cors_gpc_and_no_store(visitor):
    choose(visitor, {**REJECT_ALL, "analytics": True})

    response = visitor.get(URL, HTTP_SEC_GPC="1")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "choices": {**REJECT_ALL, "analytics": True},
        "decided": True,
        "gpc_signal": True,
        "gpc_honoured": True,  # advertising is off and the browser asks for it to be
    }
    assert (response["Access-Control-Allow-Origin"], response["Access-Control-Allow-Credentials"]) == (SITE, "true")
    assert "Origin" in response["Vary"] and response["Cache-Control"] == "private, no-store"
    stranger = APIClient(HTTP_ORIGIN="https://evil.example.net")
    stranger.cookies[COOKIE_NAME] = visitor.cookies[COOKIE_NAME].value
    assert "Access-Control-Allow-Origin" not in stranger.get(URL)  # the browser keeps it from that page


def test_another_origin_gets_no_cors_and_its_posts_are_refused(db):
    stranger = APIClient(HTTP_ORIGIN="https://evil.example.net")

    preflight = stranger.options(URL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight

    config = stranger.get("/api/v1/banner/config/")
    assert "Access-Control-Allow-Origin" not in config

    response = choose(stranger, REJECT_ALL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in response
    assert COOKIE_NAME not in response.cookies
    assert events() == []


def test_the_platforms_own_pages_may_call_it_and_record_as_the_portal(db):
    portal = APIClient(HTTP_ORIGIN="http://testserver")

    assert choose(portal, {"analytics": True}).status_code == 200

    assert [source for *_rest, source in events()] == ["portal"]


def test_the_visitor_cookie_is_httponly_and_names_a_fresh_anonymous_subject(visitor):
    response = choose(visitor, REJECT_ALL)

    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    subject_ids = {subject_id for subject_id, *_rest in events()}
    assert len(subject_ids) == 1
    (subject_id,) = subject_ids
    assert cookie.value == visitor_cookie_value(subject_id)
    from consent.accounts.models import Subject

    subject = Subject.objects.get(pk=subject_id)
    assert subject.user_id is None and subject.email_digest is None
    assert subject.external_id.startswith("banner-visitor:")


# ---------------------------------------------------------------------------- isolation
def test_a_visitor_reads_only_their_own_choices(visitor):
    choose(visitor, {"analytics": True, "personalisation": True, "advertising": True})
    (subject_id,) = {subject_id for subject_id, *_rest in events()}

    other = APIClient(HTTP_ORIGIN=SITE)
    assert other.get(URL).json()["choices"] == {"analytics": None, "personalisation": None, "advertising": None}

    # Naming the first visitor's subject in an unsigned or badly signed cookie gets nothing either.
    for forged in (str(subject_id), f"{subject_id}:forged-signature"):
        other.cookies[COOKIE_NAME] = forged
        answer = other.get(URL).json()
        assert answer["choices"] == {"analytics": None, "personalisation": None, "advertising": None}
        assert answer["decided"] is False

    # And a forged cookie's choices go to a new subject, never to the one it named.
    choose(other, REJECT_ALL)
    assert visitor.get(URL).json()["choices"] == {"analytics": True, "personalisation": True, "advertising": True}


# ---------------------------------------------------------------------------- only changes
def test_only_changes_are_recorded(visitor):
    first = choose(visitor, REJECT_ALL)
    assert first.json() == {"choices": REJECT_ALL, "decided": True, "gpc_signal": False, "gpc_honoured": False}
    assert [(p, d, s) for _subject, p, d, s in events()] == [
        ("cookies_analytics", "withdrawn", "api"),
        ("cookies_personalisation", "withdrawn", "api"),
        ("cookies_advertising", "withdrawn", "api"),
    ]

    choose(visitor, REJECT_ALL)
    assert len(events()) == 3

    later = choose(visitor, {**REJECT_ALL, "analytics": True})
    assert later.json()["choices"] == {**REJECT_ALL, "analytics": True}
    assert [(p, d) for _subject, p, d, _source in events()][3:] == [("cookies_analytics", "granted")]
    assert visitor.get(URL).json()["choices"] == {**REJECT_ALL, "analytics": True}


def test_the_evidence_is_where_from_and_what_was_shown(visitor):
    shown = visitor.get("/api/v1/banner/config/?language=sv").json()["text_hash"]

    choose(visitor, {"analytics": True}, HTTP_USER_AGENT="Mozilla/5.0 Test", REMOTE_ADDR="203.0.113.7")

    evidence = ConsentEvent.objects.select_related("evidence").get().evidence
    assert (evidence.ip_address, evidence.user_agent, evidence.language, evidence.text_hash) == (
        "203.0.113.7",
        "Mozilla/5.0 Test",
        "sv",
        shown,
    )


def test_unknown_categories_are_a_400_in_the_api_shape(visitor):
    response = choose(visitor, {"necessary": False, "tracking": True})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert events() == []


# ---------------------------------------------------------------------------- GPC
def test_a_gpc_header_withdraws_advertising_without_a_click(visitor):
    response = choose(visitor, {}, HTTP_SEC_GPC="1")

    assert response.json() == {
        "choices": {"analytics": None, "personalisation": None, "advertising": False},
        "decided": False,
        "gpc_signal": True,
        "gpc_honoured": True,
    }
    assert [(p, d, s) for _subject, p, d, s in events()] == [("cookies_advertising", "withdrawn", "gpc")]

    # The signal wins over "accept all", and an unchanged withdrawal is not recorded again.
    again = choose(visitor, {"analytics": True, "personalisation": True, "advertising": True}, HTTP_SEC_GPC="1")
    assert again.json()["choices"] == {"analytics": True, "personalisation": True, "advertising": False}
    assert [(p, s) for _subject, p, _d, s in events()][1:] == [
        ("cookies_analytics", "api"),
        ("cookies_personalisation", "api"),
    ]


def test_gpc_for_a_signed_in_person_also_withdraws_partners_marketing(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(URL, {"gpc": True}, content_type="application/json", HTTP_ORIGIN="http://testserver")

    assert response.json()["gpc_honoured"] is True
    assert [(s, p, d, src) for s, p, d, src in events()] == [
        (person.subject.pk, "cookies_advertising", "withdrawn", "gpc"),
        (person.subject.pk, "marketing_third_party", "withdrawn", "gpc"),
    ]


# ---------------------------------------------------------------------------- rate limit
def test_the_choices_endpoint_is_rate_limited_per_address(visitor, settings):
    cache.clear()
    settings.CONSENT_BANNER_RATE = "3/h"

    statuses = [choose(visitor, REJECT_ALL, REMOTE_ADDR="198.51.100.9").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = choose(visitor, {"analytics": True}, REMOTE_ADDR="198.51.100.9")
    assert response.json()["error"]["code"] == "throttled"
    assert len(events()) == 3
    # Reading one's own choices is not counted: it is one indexed read.
    assert visitor.get(URL, REMOTE_ADDR="198.51.100.9").status_code == 200
    cache.clear()


def test_only_json_is_accepted_so_a_foreign_form_cannot_post(visitor):
    response = visitor.post(URL, "choices=analytics", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert events() == []
