import pytest

from tests.api.helpers import error_field
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def test_check_answers_per_identifier(writer):
    subject = subject_for("member@example.com")
    record(subject, "primary_use", source="registration")
    response = writer.post(
        "/api/v1/consents/check/",
        {"purpose": "marketing_own", "channel": "email", "identifiers": ["member@example.com", "stranger@example.com"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"allowed": 1, "denied": 1}
    assert body["results"] == [
        {
            "identifier": "member@example.com",
            "subject_id": str(subject.pk),
            "allowed": True,
            "reason": "opt_out_default",
        },
        {"identifier": "stranger@example.com", "subject_id": None, "allowed": False, "reason": "no_policy_accepted"},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "marketing_own", "channel": "email", "identifiers": ["a@example.com"] * 10_001}, "identifiers"),
        ({"purpose": "marketing_own", "channel": "email", "identifiers": []}, "identifiers"),
        (
            {"purpose": "marketing_own", "channel": "email", "identifiers": ["ok@example.com", "bad@@example.com"]},
            "identifiers",
        ),
        ({"purpose": "marketing_own", "identifiers": ["a@example.com"]}, "channel"),
        ({"purpose": "nope", "channel": "email", "identifiers": ["a@example.com"]}, "purpose"),
    ],
)
def test_bad_checks_are_400s_naming_the_field(writer, body, field):
    assert error_field(writer.post("/api/v1/consents/check/", body, format="json")) == field


def test_a_bad_identifier_is_named_by_its_position(writer):
    response = writer.post(
        "/api/v1/consents/check/",
        {"purpose": "marketing_own", "channel": "email", "identifiers": ["ok@example.com", "bad@@example.com"]},
        format="json",
    )
    assert response.json()["error"]["details"]["identifiers"] == [
        "Item 1 ('bad@@example.com'): Enter a valid email address."
    ]


def test_state_now_and_as_of(writer):
    subject = subject_for("maria@example.se")
    record(subject, "primary_use", source="registration")
    response = writer.get(f"/api/v1/subjects/{subject.pk}/consents/")
    assert response.status_code == 200
    purposes = {p["purpose"]: p for p in response.json()["purposes"]}
    assert purposes["primary_use"]["allowed"] is True
    assert purposes["marketing_own"]["reason"] == "opt_out_default"
    assert [c["channel"] for c in purposes["marketing_own"]["channels"]] == ["email", "phone", "postal"]

    before = writer.get(f"/api/v1/subjects/{subject.pk}/consents/?as_of=2000-01-01").json()
    assert {p["purpose"]: p for p in before["purposes"]}["primary_use"]["reason"] == "not_granted"


def test_bad_as_of_and_unknown_subject(writer):
    subject = subject_for("maria@example.se")
    assert error_field(writer.get(f"/api/v1/subjects/{subject.pk}/consents/?as_of=yesterday")) == "as_of"
    # Well formed but impossible: a 400 too, not a 500.
    for impossible in ("2026-02-30", "2026-01-01T25:00:00"):
        assert error_field(writer.get(f"/api/v1/subjects/{subject.pk}/consents/?as_of={impossible}")) == "as_of"
    assert writer.get("/api/v1/subjects/3b241101-e2bb-4255-8caf-4136c566a962/consents/").status_code == 404
    assert writer.get("/api/v1/subjects/not-a-uuid/consents/").status_code == 404


def test_a_check_costs_one_query_once_the_key_is_known(writer, django_assert_num_queries):
    record(subject_for("member@example.com"), "primary_use", source="registration")
    body = {"purpose": "marketing_own", "channel": "email", "identifiers": ["member@example.com"]}
    assert writer.post("/api/v1/consents/check/", body, format="json").status_code == 200  # verifies the key
    with django_assert_num_queries(1):
        response = writer.post("/api/v1/consents/check/", body, format="json")
    assert response.json()["results"][0]["reason"] == "opt_out_default"


def test_a_check_with_a_charset_or_a_broken_body_answers_as_before(writer):
    record(subject_for("member@example.com"), "primary_use", source="registration")
    body = b'{"purpose": "marketing_own", "channel": "email", "identifiers": ["member@example.com"]}'
    with_charset = writer.post("/api/v1/consents/check/", body, content_type="application/json; charset=utf-8")
    assert with_charset.json()["counts"] == {"allowed": 1, "denied": 0}
    broken = writer.post("/api/v1/consents/check/", body[:-1], content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "parse_error"
