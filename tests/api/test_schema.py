import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_is_valid_and_warning_free(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert "/api/v1/consents/check/" in out.read_text()


@pytest.mark.django_db
def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page


@pytest.mark.django_db
def test_the_schema_is_served_as_yaml_or_json_on_request(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/api/schema/").content.startswith(b"openapi:")
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")["Content-Type"].startswith(
        "application/vnd.oai.openapi+json"
    )
