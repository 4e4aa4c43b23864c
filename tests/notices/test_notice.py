"""The notice of a material change on every portal and policy page: in the visitor's
language, linking to what changed, dismissable without JavaScript."""

import pytest

from tests.factories import UserFactory
from tests.notices.conftest import privacy_version_publish

pytestmark = pytest.mark.django_db


def test_a_material_version_is_announced_on_policy_and_portal_pages_in_the_visitors_language(client, policies):
    version = privacy_version_publish("3.0", material=True)
    diff = f"/privacy/privacy-policy/versions/{policies['privacy-policy 2.0'].pk}/diff/{version.pk}/"

    for path in ("/", "/privacy/", "/privacy/versions/", "/accounts/login/"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
        assert 'class="policy-notice"' in page, path
        assert "har ändrats: version 3.0" in page and "din e-postadress delas med partner" in page
        assert f'href="{diff}"' in page
    assert client.get(diff).status_code == 200

    person = UserFactory(country="SE")
    client.force_login(person)
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "a changé : version 3.0" in page


def test_a_dismissed_notice_stays_dismissed_for_that_visitor(client, policies):
    version = privacy_version_publish("3.0", material=True)
    response = client.post("/privacy/notices/dismiss/", {"version": version.pk, "next": "/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/privacy/"
    assert 'class="policy-notice"' not in client.get("/privacy/").content.decode()
    # Another visitor still sees it.
    client.cookies.clear()
    assert 'class="policy-notice"' in client.get("/privacy/").content.decode()


def test_dismissing_never_redirects_elsewhere(client, policies):
    version = privacy_version_publish("3.0", material=True)
    response = client.post("/privacy/notices/dismiss/", {"version": version.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/privacy/"


def test_no_notice_for_minor_versions_old_ones_or_another_countrys(client, policies):
    # The demo's material 2.0 was published long before the notice period.
    assert 'class="policy-notice"' not in client.get("/privacy/").content.decode()
    privacy_version_publish("2.1", material=False)
    assert 'class="policy-notice"' not in client.get("/privacy/").content.decode()
    privacy_version_publish("3.0-FR", material=True, country="FR")
    assert 'class="policy-notice"' not in client.get("/privacy/").content.decode()
    client.force_login(UserFactory(country="FR"))
    assert 'class="policy-notice"' in client.get("/portal/policy/").content.decode()
