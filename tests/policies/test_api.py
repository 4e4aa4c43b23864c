import datetime

import pytest

from consent.policies.models import PolicyVersion

pytestmark = pytest.mark.django_db

TEXT_FIELDS = {
    "id",
    "document",
    "label",
    "country",
    "status",
    "effective_at",
    "is_material",
    "published_at",
    "retired_at",
    "language",
    "requested_language",
    "is_fallback",
    "title",
    "summary_of_changes",
    "body",
    "content_hash",
    "url",
    "api_url",
}


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    if field:
        assert field in body["error"]["details"]
        assert body["error"]["message"].startswith(f"{field}:")
    return body["error"]


def test_current_needs_no_key_and_serves_the_language_asked_for(api_client, demo):
    version = demo["privacy-policy 2.0"]

    response = api_client.get("/api/v1/policies/privacy-policy/current/?language=sv")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == TEXT_FIELDS
    assert body["id"] == version.pk
    assert body["document"] == "privacy-policy"
    assert (body["label"], body["country"], body["status"]) == ("2.0", "", "published")
    assert body["effective_at"] == "2026-06-01T00:00:00Z"
    assert body["is_material"] is True
    assert (body["language"], body["is_fallback"]) == ("sv", False)
    assert body["title"] == "Integritetspolicy för Nordlys Meetings"
    assert body["body"] == version.body_sv
    assert body["summary_of_changes"].startswith("Väsentlig ändring.")
    assert body["content_hash"] == version.content_hashes["sv"]
    assert body["url"] == f"http://testserver/privacy/privacy-policy/versions/{version.pk}/"
    assert body["api_url"] == f"http://testserver/api/v1/policies/privacy-policy/versions/{version.pk}/"


def test_current_defaults_to_the_accept_language_header(api_client, demo):
    response = api_client.get("/api/v1/policies/cookie-notice/current/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["language"] == "fr"
    assert response.json()["title"] == "Information sur les cookies de Nordlys Meetings"


def test_current_falls_back_to_english_and_to_the_global_version(api_client, make_version):
    make_version("1.0", publish=True)

    response = api_client.get("/api/v1/policies/privacy-policy/current/?language=fr&country=se")

    body = response.json()
    assert response.status_code == 200
    assert (body["country"], body["language"], body["requested_language"], body["is_fallback"]) == (
        "",
        "en",
        "fr",
        True,
    )


def test_current_serves_a_countrys_own_version(api_client, make_version):
    make_version("1.0", publish=True)
    make_version("1.0-se", country="SE", publish=True)

    body = api_client.get("/api/v1/policies/privacy-policy/current/?country=SE").json()

    assert (body["label"], body["country"]) == ("1.0-se", "SE")


def test_current_at_a_past_moment(api_client, demo):
    # Seeding published every demo version now; before that nothing was in force.
    past = (demo["privacy-policy 1.0"].published_at - datetime.timedelta(days=1)).isoformat()
    assert_error(api_client.get("/api/v1/policies/privacy-policy/current/", {"at": past}), 404, "not_found")

    assert_error(api_client.get("/api/v1/policies/privacy-policy/current/?at=yesterday"), 400, "invalid", "at")


def test_current_refuses_an_unknown_language(api_client, demo):
    response = api_client.get("/api/v1/policies/privacy-policy/current/?language=de")
    assert_error(response, 400, "invalid", "language")


@pytest.mark.parametrize("country", ["XX", "Sweden", "1"])
def test_current_refuses_an_unknown_country(api_client, demo, country):
    response = api_client.get(f"/api/v1/policies/privacy-policy/current/?country={country}")
    error = assert_error(response, 400, "invalid", "country")
    assert country in error["message"]


def test_current_of_an_unknown_document_is_a_json_404(api_client, demo):
    error = assert_error(api_client.get("/api/v1/policies/terms/current/"), 404, "not_found")
    assert "terms" in error["message"]


def test_current_of_an_unpublished_document_is_a_json_404(api_client, make_version):
    make_version("1.0")
    assert_error(api_client.get("/api/v1/policies/privacy-policy/current/"), 404, "not_found")


def test_versions_lists_published_and_retired_without_bodies(api_client, demo):
    draft = PolicyVersion.objects.create(
        document=demo["privacy-policy 2.0"].document,
        label="3.0",
        effective_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
        title_en="Draft",
        body_en="Draft.",
    )

    response = api_client.get("/api/v1/policies/privacy-policy/versions/?language=fr")

    assert response.status_code == 200
    body = response.json()
    assert (body["document"], body["kind"], body["title"]) == (
        "privacy-policy",
        "privacy_policy",
        "Politique de confidentialité",
    )
    versions = body["versions"]
    assert [(v["label"], v["status"]) for v in versions] == [
        ("2.0", "published"),
        ("1.1", "retired"),
        ("1.0", "retired"),
    ]
    assert draft.pk not in {v["id"] for v in versions}
    assert all("body" not in v for v in versions)
    newest, oldest = versions[0], versions[-1]
    assert newest["language"] == "fr"
    assert newest["title"] == "Politique de confidentialité de Nordlys Meetings"
    assert set(newest["content_hashes"]) == {"en", "sv", "fr"}
    assert newest["url"].endswith(f"/privacy/privacy-policy/versions/{newest['id']}/")
    assert newest["diff_from_previous_url"] == (
        f"http://testserver/api/v1/policies/privacy-policy/versions/{versions[1]['id']}/diff/{newest['id']}/"
    )
    assert oldest["diff_from_previous_url"] is None
    assert oldest["retired_at"] is not None


def test_versions_of_an_unknown_document_is_a_json_404(api_client, demo):
    assert_error(api_client.get("/api/v1/policies/terms/versions/"), 404, "not_found")


def test_a_retired_version_can_be_read_but_a_draft_cannot(api_client, demo):
    retired = demo["privacy-policy 1.0"]
    response = api_client.get(f"/api/v1/policies/privacy-policy/versions/{retired.pk}/?language=fr")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["body"]) == ("retired", retired.body_fr)

    draft = PolicyVersion.objects.create(
        document=retired.document,
        label="3.0",
        effective_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
        title_en="Draft",
        body_en="Draft.",
    )
    assert_error(api_client.get(f"/api/v1/policies/privacy-policy/versions/{draft.pk}/"), 404, "not_found")
    # A version is found only under its own document.
    assert_error(api_client.get(f"/api/v1/policies/cookie-notice/versions/{retired.pk}/"), 404, "not_found")


def test_diff_lists_the_changed_lines(api_client, demo):
    old, new = demo["privacy-policy 1.1"], demo["privacy-policy 2.0"]

    response = api_client.get(f"/api/v1/policies/privacy-policy/versions/{old.pk}/diff/{new.pk}/?language=fr")

    assert response.status_code == 200
    body = response.json()
    assert (body["old"]["label"], body["new"]["label"], body["language"]) == ("1.1", "2.0", "fr")
    assert {"op": "insert", "text": "### Transferts hors de l'EEE"} in body["lines"]
    assert body["inserted"] == sum(line["op"] == "insert" for line in body["lines"]) > 0
    assert body["deleted"] == sum(line["op"] == "delete" for line in body["lines"]) > 0
    assert {line["op"] for line in body["lines"]} == {"equal", "insert", "delete"}


def test_diff_refuses_bad_input(api_client, demo):
    old, new = demo["privacy-policy 1.1"], demo["privacy-policy 2.0"]
    url = f"/api/v1/policies/privacy-policy/versions/{old.pk}/diff/{new.pk}/"
    assert_error(api_client.get(url + "?language=xx"), 400, "invalid", "language")
    assert_error(api_client.get(f"/api/v1/policies/privacy-policy/versions/{old.pk}/diff/999999/"), 404, "not_found")


def test_the_schema_documents_the_policy_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/policies/{slug}/current/",
        "/api/v1/policies/{slug}/versions/",
        "/api/v1/policies/{slug}/versions/{id}/",
        "/api/v1/policies/{slug}/versions/{id}/diff/{other_pk}/",
    ):
        assert "get" in schema["paths"][path], path
    current = schema["paths"]["/api/v1/policies/{slug}/current/"]["get"]
    assert {p["name"] for p in current["parameters"]} >= {"language", "country", "at", "slug"}
    assert set(current["responses"]) == {"200", "400", "404"}


def test_blank_parameters_mean_the_defaults(api_client, demo):
    response = api_client.get("/api/v1/policies/privacy-policy/current/?language=&country=", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert (response.json()["language"], response.json()["country"]) == ("sv", "")


@pytest.mark.parametrize(
    ("at", "label"), [("2024-06-01T00:00:00Z", "1.0"), ("2025-06-01T00:00:00Z", "1.1"), ("2026-07-01T00:00:00Z", "2.0")]
)
def test_the_demo_history_answers_for_any_date_between_versions(api_client, demo, at, label):
    response = api_client.get("/api/v1/policies/privacy-policy/current/", {"at": at})
    assert response.status_code == 200 and response.json()["label"] == label
