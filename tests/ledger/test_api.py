import pytest

from consent.accounts.models import Subject
from consent.accounts.roles import REPRESENTATIVE
from consent.ledger.models import ConsentEvent
from tests.api.helpers import error_field
from tests.factories import UserFactory, record, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


def _event_body(**overrides):
    body = {
        "subject": {"email": "Maria@Example.se"},
        "purpose": "marketing_own",
        "channel": "email",
        "decision": "withdrawn",
    }
    body.update(overrides)
    return body


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
    assert error_field(writer.post("/api/v1/consents/", body, format="json")) == field
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


def test_history_is_paginated_by_cursor(writer):
    subject = subject_for("maria@example.se")
    events = [record(subject, "research", "withdrawn" if n % 2 else "granted", channel="email") for n in range(5)]
    page = writer.get(f"/api/v1/subjects/{subject.pk}/consents/history/?page_size=3").json()
    assert [e["id"] for e in page["results"]] == [e.pk for e in events[:3]]
    rest = writer.get(page["next"]).json()
    assert [e["id"] for e in rest["results"]] == [e.pk for e in events[3:]]
    assert rest["results"][-1]["prev_hash"] == events[3].hash


def test_receipts_for_the_owner_staff_and_keys_only(api_client, api_key_client):
    owner = UserFactory(email="owner@example.com")
    event = record(owner.subject, "research", "withdrawn", channel="email")

    api_client.force_login(owner)
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").json()["recordId"] == event.pk

    api_client.force_login(UserFactory(email="someone-else@example.com"))
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 404

    staff_login(api_client, UserFactory(email="staff@example.com", is_staff=True))
    assert api_client.get(f"/api/v1/receipts/{event.pk}/").status_code == 403  # staff without a role
    staff_login(api_client, staff_in_role(REPRESENTATIVE, email="rep@example.com"))
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
