"""Inputs an outside tester used to reach a 500: each is now a 4xx in the API's error shape."""

import json

import pytest

from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db

SURROGATE = '"\\ud800"'  # valid JSON, but no Unicode text: it cannot be encoded back out
DEEP = "[" * 100_000 + "]" * 100_000


def _error(response, status=400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


@pytest.mark.parametrize("field", ["channel", "decision", "source"])
def test_an_unpaired_surrogate_in_an_event_is_a_400(writer, field):
    body = {"subject": {"email": "a@example.com"}, "purpose": "marketing_own", "channel": "email"}
    body.update(decision="granted", source="api")
    body[field] = "SURROGATE"
    raw = json.dumps(body).replace('"SURROGATE"', SURROGATE)
    error = _error(writer.post("/api/v1/consents/", raw, content_type="application/json"))
    assert error["code"] == "parse_error"
    assert "surrogate" in error["message"]


def test_an_unpaired_surrogate_in_the_checks_purpose_is_a_400(writer):
    raw = '{"purpose": ' + SURROGATE + ', "channel": "email", "identifiers": ["a@example.com"]}'
    assert _error(writer.post("/api/v1/consents/check/", raw, content_type="application/json"))["code"] == (
        "parse_error"
    )


def test_a_paired_surrogate_escape_is_ordinary_text(writer):
    # "\ud83d\ude00" is one emoji written as a surrogate pair: valid text, refused only as an address.
    raw = '{"purpose": "marketing_own", "channel": "email", "identifiers": ["\\ud83d\\ude00@example.com"]}'
    response = writer.post("/api/v1/consents/check/", raw, content_type="application/json")
    assert _error(response)["code"] == "invalid"


@pytest.mark.parametrize("path", ["/api/v1/consents/", "/api/v1/consents/check/"])
def test_deep_nesting_is_a_400(writer, path):
    error = _error(writer.post(path, DEEP, content_type="application/json"))
    assert (error["code"], error["message"]) == ("parse_error", "JSON parse error - nested too deeply.")


@pytest.mark.parametrize(
    "as_of",
    [
        "2026-01-01T00:00:00+16:00",
        "2026-01-01T00:00:00-16:00",
        "2026-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_far_offsets_in_as_of_are_answered(writer, as_of):
    subject = subject_for("offset@example.com")
    record(subject, "primary_use", source="registration")
    response = writer.get(f"/api/v1/subjects/{subject.pk}/consents/", {"as_of": as_of})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert "as_of" in response.json()["error"]["details"]


def test_an_offset_is_read_in_utc(writer):
    subject = subject_for("offset@example.com")
    record(subject, "primary_use", source="registration")
    body = writer.get(f"/api/v1/subjects/{subject.pk}/consents/", {"as_of": "2026-01-01T00:00:00+16:00"}).json()
    assert body["as_of"] == "2025-12-31T08:00:00Z"


def test_a_body_over_the_limit_is_a_json_413(writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"purpose": "marketing_own", "channel": "email", "identifiers": ["' + "a" * 2000 + '@example.com"]}'
    error = _error(writer.post("/api/v1/consents/check/", body, content_type="application/json"), status=413)
    assert error["code"] == "payload_too_large"
