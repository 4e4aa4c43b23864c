import io
import re

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(out),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    return yaml.safe_load(out.read_text())


def test_the_openapi_schema_is_valid_and_warning_free(schema):
    validate(schema)  # the OpenAPI 3 validator, beside spectacular's own --validate
    assert "/api/v1/consents/check/" in schema["paths"]


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_path_parameter_is_in_its_path_and_every_one_is_declared(schema):
    for path, method, operation in _operations(schema):
        declared = sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
        assert declared == sorted(re.findall(r"{(\w+)}", path)), f"{method.upper()} {path}"


def test_every_answer_has_a_typed_body(schema):
    """One typed contract per endpoint: no response is a bare 'any object'."""
    for path, method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                body = media["schema"]
                if media_type != "application/json":  # a file download (a CSV report) is typed as bytes
                    assert body == {"type": "string", "format": "binary"}, f"{method.upper()} {path} {status}"
                    continue
                assert "$ref" in body or body.get("type") == "array" or "properties" in body, (
                    f"{method.upper()} {path} {status}"
                )


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page


def test_the_schema_is_served_as_yaml_or_json_on_request(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/api/schema/").content.startswith(b"openapi:")
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")["Content-Type"].startswith(
        "application/vnd.oai.openapi+json"
    )
