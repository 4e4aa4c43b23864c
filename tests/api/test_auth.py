import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.models import ApiKey
from consent.accounts.roles import REPRESENTATIVE
from tests.factories import UserFactory, staff_in_role, staff_login

pytestmark = pytest.mark.django_db


class ScopedProbeApi(APIView):
    required_scopes = {"GET": "consent:read", "POST": "consent:write"}

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [path("api/v1/probe/", ScopedProbeApi.as_view())]


def _assert_error(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


@pytest.fixture(autouse=True)
def probe_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_no_key_is_401(api_client):
    response = api_client.get("/api/v1/probe/")
    _assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key abc.def", "Api-Key ", "Api-Key a.b.c"])
def test_bad_key_is_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    _assert_error(api_client.get("/api/v1/probe/"), 401, "authentication_failed")


def test_revoked_key_is_401(api_key_client):
    client = api_key_client("consent:read")
    ApiKey.objects.update(revoked=True)
    _assert_error(client.get("/api/v1/probe/"), 401, "authentication_failed")


def test_key_with_a_wrong_secret_is_401(api_key_client, api_client):
    api_key_client("consent:read")
    prefix = ApiKey.objects.get().prefix
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {prefix}.wrongsecretwrongsecretwrongsecre")
    _assert_error(api_client.get("/api/v1/probe/"), 401, "authentication_failed")


def test_key_without_the_scope_is_403(api_key_client):
    client = api_key_client("consent:read")
    response = client.post("/api/v1/probe/", {}, format="json")
    _assert_error(response, 403, "permission_denied")
    assert "consent:write" in response.json()["error"]["message"]


def test_key_with_the_scope_is_allowed(api_key_client):
    client = api_key_client("consent:read", "consent:write")
    assert client.get("/api/v1/probe/").status_code == 200
    assert client.post("/api/v1/probe/", {}, format="json").status_code == 200


def test_a_staff_session_has_what_its_role_gives_it_in_the_admin(api_client):
    staff_login(api_client, UserFactory(is_staff=True))
    response = api_client.get("/api/v1/probe/")
    _assert_error(response, 403, "permission_denied")
    assert "scope" not in response.json()["error"]["message"]  # a person is not told about key scopes

    staff_login(api_client, staff_in_role(REPRESENTATIVE))
    assert api_client.get("/api/v1/probe/").status_code == 200
    assert api_client.post("/api/v1/probe/", {}, format="json").status_code == 200

    api_client.force_login(UserFactory())
    _assert_error(api_client.get("/api/v1/probe/"), 403, "permission_denied")


def test_unknown_api_path_is_a_json_404(api_client, settings):
    settings.ROOT_URLCONF = "config.urls"
    _assert_error(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_current_key_endpoint(api_key_client, settings):
    settings.ROOT_URLCONF = "config.urls"
    client = api_key_client("suppression:read", "consent:read")
    response = client.get("/api/v1/auth/key/")
    assert response.status_code == 200
    assert response.json()["scopes"] == ["consent:read", "suppression:read"]


def test_the_api_answers_json_whatever_the_client_accepts(api_key_client):
    client = api_key_client("consent:read")
    response = client.get("/api/v1/probe/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"ok": True}
