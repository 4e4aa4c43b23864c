"""At the next login a material version must be answered before any portal page; a
non-material one is accepted by continued use; declining keeps the account usable."""

import re

import pytest

from consent.ledger.models import ConsentEvent
from tests.factories import UserFactory, staff_login
from tests.notices.conftest import privacy_version_publish

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


@pytest.fixture
def person(policies):
    return UserFactory(email="maria@example.se", first_name="Maria", country="SE", language="sv")


def _answer_page(client, language: str = "en") -> dict:
    page = client.get("/portal/policy-update/?next=/portal/choices/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return dict(re.findall(r'name="(policy_\w+|next)" value="([^"]*)"', page))


def test_a_material_version_comes_before_any_portal_page_and_its_acceptance_is_in_the_ledger(client, person):
    version = privacy_version_publish("3.0", material=True)
    client.force_login(person)

    response = client.get("/portal/choices/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 302
    assert response["Location"] == "/portal/policy-update/?next=%2Fportal%2Fchoices%2F"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Jag godkänner version 3.0" in page
    assert "din e-postadress delas med partner" in page
    # The other pages wait too; the policy pages and the answer page do not.
    assert client.get("/portal/profile/").status_code == 302
    assert client.get("/privacy/").status_code == 200

    fields = _answer_page(client, "sv")
    response = client.post(
        "/portal/policy-update/",
        {**fields, "answer": "accept"},
        HTTP_ACCEPT_LANGUAGE="sv",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302 and response["Location"] == "/portal/choices/"

    event = ConsentEvent.objects.filter(source="policy_update").select_related("evidence").get()
    assert (event.subject_id, event.purpose_id, event.decision, event.policy_version_id) == (
        person.subject.pk,
        "primary_use",
        "granted",
        version.pk,
    )
    # The evidence: where from, and the exact text shown, in Swedish.
    assert (event.evidence.ip_address, event.evidence.user_agent, event.evidence.language) == (
        "192.0.2.7",
        BROWSER,
        "sv",
    )
    assert event.evidence.text_hash == version.content_hashes["sv"]
    assert client.get("/portal/choices/").status_code == 200
    # Once answered, a new session is not asked again.
    client.logout()
    client.force_login(person)
    assert client.get("/portal/").status_code == 200


def test_declining_keeps_the_account_usable_and_offers_the_policys_choices(client, person):
    privacy_version_publish("3.0", material=True)
    client.force_login(person)

    response = client.post("/portal/policy-update/", {**_answer_page(client), "answer": "decline"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your account stays usable on version 2.0" not in page  # never accepted 2.0 in the ledger
    assert 'href="/portal/choices/"' in page and 'href="/portal/requests/?type=deletion"' in page
    assert not ConsentEvent.objects.filter(source="policy_update").exists()
    # The portal works for the rest of the session…
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/choices/").status_code == 200
    # …and the question comes back at the next login.
    client.logout()
    client.force_login(person)
    assert client.get("/portal/").status_code == 302


def test_declining_names_the_version_the_account_stays_on(client, person, policies):
    from tests.factories import record

    record(person.subject, "primary_use", policy_version=policies["privacy-policy 2.0"], source="registration")
    privacy_version_publish("3.0", material=True)
    client.force_login(person)
    page = client.post("/portal/policy-update/", {**_answer_page(client), "answer": "decline"}).content.decode()
    assert "Your account stays usable on version 2.0, the one you accepted last." in page


def test_a_non_material_version_is_accepted_by_continued_use_at_the_next_login(client, person):
    version = privacy_version_publish("2.1", material=False)
    client.force_login(person)

    response = client.get("/portal/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 200
    event = ConsentEvent.objects.select_related("evidence").get(source="policy_update")
    assert (event.purpose_id, event.decision, event.policy_version_id) == ("primary_use", "granted", version.pk)
    assert event.idempotency_key.endswith(f"policy-continued-use:{version.pk}:{person.pk}")
    assert (event.evidence.ip_address, event.evidence.user_agent) == ("192.0.2.8", BROWSER)
    # Recorded once, not on every page or login.
    client.get("/portal/choices/")
    client.logout()
    client.force_login(person)
    client.get("/portal/")
    assert ConsentEvent.objects.filter(source="policy_update").count() == 1


def test_a_skipped_material_version_still_needs_an_answer_after_a_minor_one(client, person):
    privacy_version_publish("3.0", material=True)
    minor = privacy_version_publish("3.1", material=False)
    client.force_login(person)
    assert client.get("/portal/").status_code == 302
    assert f'name="policy_version" value="{minor.pk}"' in client.get("/portal/policy-update/").content.decode()


def test_people_who_registered_under_the_version_in_force_are_not_asked(client, person):
    client.force_login(person)  # the demo's 2.0 was published before they registered
    assert client.get("/portal/").status_code == 200
    assert not ConsentEvent.objects.filter(source="policy_update").exists()


def test_the_admin_is_not_held_back(client, policies):
    staff = UserFactory(email="officer@example.com", is_staff=True, is_superuser=True)
    privacy_version_publish("3.0", material=True)
    staff_login(client, staff)
    assert client.get("/admin/").status_code == 200
