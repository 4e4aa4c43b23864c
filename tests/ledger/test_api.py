import pytest

from consent.accounts.models import Subject
from consent.ledger.models import ConsentEvent
from tests.factories import UserFactory, record, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(api_key_client):
    return api_key_client("consent:write", "consent:read")


def _event_body(**overrides):
    body = {
        "subject": {"email": "Maria@Example.se"},
        "purpose": "marketing_own",
        "channel": "email",
        "decision": "withdrawn",
    }
    body.update(overrides)
    return body


def _error_field(response) -> str:
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    return next(iter(body["details"]))


def test_record_an_event(writer):
    response = writer.post(
        "/api/v1/consents/", _event_body(evidence={"ip_address": "192.0.2.1", "language": "sv"}), format="json"
    )
    assert response.status_code == 201
    event = ConsentEvent.objects.get()
    body = response.json()
    assert body["id"] == event.pk
    assert (body["purpose"], body["channel"], body["decision"], body["source"], body["actor_type"]) == (
        "marketing_own", "email", "withdrawn", "api", "api_key",
    )  # fmt: skip
    assert body["hash"] == event.hash
    assert event.subject == subject_for("maria@example.se")


def test_a_retried_idempotent_post_creates_one_event(writer):
    first = writer.post("/api/v1/consents/", _event_body(), format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    retry = writer.post("/api/v1/consents/", _event_body(), format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert ConsentEvent.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_a_409(writer):
    writer.post("/api/v1/consents/", _event_body(), format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    response = writer.post(
        "/api/v1/consents/", _event_body(decision="granted"), format="json", HTTP_IDEMPOTENCY_KEY="order-77"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert ConsentEvent.objects.count() == 1


def test_idempotency_keys_belong_to_their_caller(api_key_client):
    one, other = api_key_client("consent:write"), api_key_client("consent:write")
    assert one.post("/api/v1/consents/", _event_body(), format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert other.post("/api/v1/consents/", _event_body(), format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert ConsentEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_event_body(purpose="no_such_purpose"), "purpose"),
        (_event_body(purpose="cookies_analytics"), "channel"),
        (_event_body(channel="fax"), "channel"),
        (_event_body(purpose="primary_use", channel=None), "decision"),
        (_event_body(subject={"email": "not an address"}), "subject"),
        (_event_body(subject={}), "subject"),
        (_event_body(decision="perhaps"), "decision"),
        (_event_body(evidence={"ip_address": "999.1.1.1"}), "evidence"),
        (_event_body(policy_version=999999), "policy_version"),
        ({"purpose": "research"}, "subject"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(writer, body, field):
    assert _error_field(writer.post("/api/v1/consents/", body, format="json")) == field
    assert not ConsentEvent.objects.exists()


def test_a_refused_event_leaves_no_new_subject_behind(writer):
    response = writer.post(
        "/api/v1/consents/", _event_body(subject={"email": "first-contact@example.com"}, purpose="nope"), format="json"
    )
    assert response.status_code == 400
    assert not Subject.objects.exists()


def test_a_non_json_body_is_a_400(writer):
    response = writer.post("/api/v1/consents/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_recording_needs_the_write_scope(api_key_client):
    response = api_key_client("consent:read").post("/api/v1/consents/", _event_body(), format="json")
    assert response.status_code == 403


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
    assert _error_field(writer.post("/api/v1/consents/check/", body, format="json")) == field


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
    assert _error_field(writer.get(f"/api/v1/subjects/{subject.pk}/consents/?as_of=yesterday")) == "as_of"
    # Well formed but impossible: a 400 too, not a 500.
    for impossible in ("2026-02-30", "2026-01-01T25:00:00"):
        assert _error_field(writer.get(f"/api/v1/subjects/{subject.pk}/consents/?as_of={impossible}")) == "as_of"
    assert writer.get("/api/v1/subjects/3b241101-e2bb-4255-8caf-4136c566a962/consents/").status_code == 404
    assert writer.get("/api/v1/subjects/not-a-uuid/consents/").status_code == 404


def test_history_is_paginated_by_cursor(writer):
    subject = subject_for("maria@example.se")
    events = [record(subject, "research", "withdrawn" if n % 2 else "granted", channel="email") for n in range(5)]
    page = writer.get(f"/api/v1/subjects/{subject.pk}/consents/history/?page_size=3").json()
    assert [e["id"] for e in page["results"]] == [e.pk for e in events[:3]]
    rest = writer.get(page["next"]).json()
    assert [e["id"] for e in rest["results"]] == [e.pk for e in events[3:]]
    assert rest["results"][-1]["prev_hash"] == events[3].hash


def test_lookup_by_email_without_putting_it_in_a_url(writer):
    subject = subject_for("maria@example.se")
    response = writer.post("/api/v1/subjects/lookup/", {"email": " MARIA@example.se"}, format="json")
    assert response.json()["subject_id"] == str(subject.pk)
    assert writer.post("/api/v1/subjects/lookup/", {"email": "nobody@example.se"}, format="json").status_code == 404


def test_receipts_for_the_owner_staff_and_keys_only(api_client, api_key_client):
    owner = UserFactory(email="owner@example.com")
    event = record(owner.subject, "research", "withdrawn", channel="email")

    api_client.force_login(owner)
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").json()["recordId"] == event.pk

    api_client.force_login(UserFactory(email="someone-else@example.com"))
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 404

    api_client.force_login(UserFactory(email="staff@example.com", is_staff=True))
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 200

    assert api_key_client("consent:read").get(f"/api/v1/receipts/{event.pk}/").status_code == 200
    assert api_key_client("suppression:read").get(f"/api/v1/receipts/{event.pk}/").status_code == 403
    api_client.logout()
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 401


def test_purposes_are_public(api_client):
    response = api_client.get("/api/v1/purposes/", HTTP_ACCEPT_LANGUAGE="fr")
    purposes = {p["code"]: p for p in response.json()}
    assert len(purposes) == 9
    assert purposes["marketing_third_party"]["kind"] == "opt_in"
    assert purposes["primary_use"]["withdrawable"] is False
    assert purposes["cookies_advertising"]["name"] == "Cookies publicitaires"


def test_the_schema_documents_the_ledger(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/consents/",
        "/api/v1/consents/check/",
        "/api/v1/subjects/{subject_id}/consents/",
        "/api/v1/receipts/{event_id}/",
    ]:
        assert path in schema["paths"], path
