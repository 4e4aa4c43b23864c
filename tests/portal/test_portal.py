"""The portal: a person reviews and corrects their details, makes and withdraws choices
(each a ledger event with evidence), keeps receipts, reads the policy, and can report a
compromised password."""

import json
import re

import pytest
from django.test import Client

from consent.accounts.identity import email_digest
from consent.accounts.models import PasswordCompromiseReport, ProfileChange, Subject, User
from consent.ledger.models import ConsentEvent
from consent.notifications.models import OutboundEmail
from consent.policies.selectors import policy_text
from tests.factories import UserFactory, record, staff_in_role, staff_login, subject_for
from tests.portal.helpers import PASSWORD, registration_data

pytestmark = pytest.mark.django_db


def can_log_in(client, email, password) -> bool:
    return client.post("/accounts/login/", {"username": email, "password": password}).status_code == 302


@pytest.fixture
def maria(client, policies) -> User:
    """Maria, registered through the form (so with her registration events), logged in."""
    client.post("/accounts/register/", registration_data(client, language="en"))
    user = User.objects.get(email="maria.lind@example.se")
    client.force_login(user)
    OutboundEmail.objects.all().delete()
    return user


@pytest.mark.parametrize(
    "url",
    ["/portal/", "/portal/profile/", "/portal/choices/", "/portal/history/", "/portal/policy/", "/portal/security/"],
)
def test_every_portal_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("language", ["en", "sv", "fr"])
def test_every_portal_page_speaks_the_persons_language(client, maria, language):
    for url in (
        "/portal/",
        "/portal/profile/",
        "/portal/choices/",
        "/portal/history/",
        "/portal/policy/",
        "/portal/security/",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()


def test_profile_changes_are_saved_and_recorded_in_the_history(client, maria):
    data = {
        field: getattr(maria, field)
        for field in (
            "first_name",
            "last_name",
            "phone",
            "street_address",
            "postal_code",
            "city",
            "language",
            "occupation",
        )
    }
    data.update(email=maria.email, country="SE", city="Göteborg", occupation="")

    response = client.post("/portal/profile/", data)

    assert response.status_code == 302
    maria.refresh_from_db()
    assert (maria.city, maria.occupation) == ("Göteborg", "")
    [change] = ProfileChange.objects.filter(user=maria)
    assert (sorted(change.fields), change.source) == (["city", "occupation"], "portal")
    history = client.get("/portal/history/").content.decode()
    assert "city, occupation" in history or "occupation, city" in history


def test_a_bad_phone_is_refused_next_to_the_field(client, maria):
    data = {
        "email": maria.email,
        "first_name": "Maria",
        "last_name": "Lind",
        "phone": "123",
        "country": "SE",
        "language": "en",
    }
    response = client.post("/portal/profile/", data)
    assert response.status_code == 200 and "international format" in response.content.decode()
    assert not ProfileChange.objects.exists()


def test_a_new_email_address_takes_effect_only_after_its_link(client, maria):
    data = {
        "email": "Maria.New@Example.org",
        "first_name": "Maria",
        "last_name": "Lind",
        "country": "SE",
        "language": "en",
    }

    client.post("/portal/profile/", data)

    maria.refresh_from_db()
    assert (maria.email, maria.pending_email) == ("maria.lind@example.se", "maria.new@example.org")
    [verify] = OutboundEmail.objects.filter(template="email_verify")
    assert verify.to_address == "maria.new@example.org"
    assert not ProfileChange.objects.filter(fields=["email"]).exists()

    link = re.search(r"http://[^/]+(/accounts/verify/\S+/)", verify.body_text).group(1)
    assert client.post(link).status_code == 200

    maria.refresh_from_db()
    assert (maria.email, maria.pending_email) == ("maria.new@example.org", "")
    assert maria.email_verified_at is not None
    assert Subject.objects.get(user=maria).email_digest == email_digest("maria.new@example.org")
    assert ProfileChange.objects.filter(user=maria, fields=["email"], source="email_verification").exists()
    # The old address is told, in case it was not them.
    notice = OutboundEmail.objects.get(template="email_changed")
    assert notice.to_address == "maria.lind@example.se"
    # The link is spent: the address it confirmed is the account's now, no longer pending.
    assert client.post(link).status_code == 200


def test_an_address_taken_by_another_account_is_refused(client, maria):
    UserFactory(email="taken@example.com")
    data = {"email": "taken@example.com", "first_name": "Maria", "last_name": "Lind", "country": "SE", "language": "en"}
    response = client.post("/portal/profile/", data)
    assert "Another account uses this address." in response.content.decode()


def test_choices_show_every_purpose_per_channel_with_one_button_each(client, maria):
    page = client.get("/portal/choices/").content.decode()
    assert page.count('name="decision" value="withdrawn"') >= 4  # own marketing ×3 by default, research, …
    assert "Needed for your account" in page  # primary use cannot be withdrawn here
    for purpose in ("marketing_own", "marketing_third_party", "research", "cookies_analytics", "transfer_in_sale"):
        assert f'id="purpose-{purpose}"' in page


def test_withdrawing_by_email_is_one_click_and_a_ledger_event_with_evidence(client, maria, policies):
    response = client.post(
        "/portal/choices/change/",
        {"purpose": "marketing_own", "channel": "email", "decision": "withdrawn"},
        HTTP_USER_AGENT="Phone browser",
        REMOTE_ADDR="198.51.100.4",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 302 and response["Location"] == "/portal/choices/#purpose-marketing_own"
    event = ConsentEvent.objects.select_related("evidence").latest("id")
    assert (event.purpose_id, event.channel, event.decision, event.source, event.actor_type) == (
        "marketing_own", "email", "withdrawn", "portal", "subject",
    )  # fmt: skip
    current = policies["privacy-policy 2.0"]
    assert event.policy_version_id == current.pk
    assert (event.evidence.ip_address, event.evidence.user_agent, event.evidence.language) == (
        "198.51.100.4",
        "Phone browser",
        "fr",
    )
    assert event.evidence.text_hash == policy_text(version=current, language="fr")["content_hash"]
    page = client.get("/portal/choices/").content.decode()
    row = page.split('id="purpose-marketing_own"')[1].split("</tr>")[1]  # the email row
    assert "state-off" in row and 'value="granted"' in row


def test_granting_an_opt_in_purpose(client, maria):
    client.post(
        "/portal/choices/change/", {"purpose": "marketing_third_party", "channel": "phone", "decision": "granted"}
    )
    assert ConsentEvent.objects.filter(purpose_id="marketing_third_party", channel="phone", decision="granted").exists()


def test_primary_use_cannot_be_withdrawn_and_nonsense_changes_nothing(client, maria):
    before = ConsentEvent.objects.count()
    client.post("/portal/choices/change/", {"purpose": "primary_use", "decision": "withdrawn"})
    client.post("/portal/choices/change/", {"purpose": "nonsense", "decision": "withdrawn"})
    client.post("/portal/choices/change/", {"purpose": "cookies_analytics", "channel": "email", "decision": "granted"})
    assert client.get("/portal/choices/change/").status_code == 405
    assert ConsentEvent.objects.count() == before


def test_history_lists_events_with_receipts_the_person_can_keep(client, maria):
    client.post("/portal/choices/change/", {"purpose": "marketing_own", "channel": "email", "decision": "withdrawn"})
    event = ConsentEvent.objects.latest("id")

    history = client.get("/portal/history/").content.decode()
    assert f'id="event-{event.pk}"' in history
    page = client.get(f"/portal/history/{event.pk}/receipt/")
    assert page.status_code == 200 and event.hash in page.content.decode()

    download = client.get(f"/portal/history/{event.pk}/receipt.json")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="consent-receipt-{event.pk}.json"'
    receipt = json.loads(download.content)
    assert (receipt["recordId"], receipt["eventType"], receipt["collectionMethod"]) == (event.pk, "withdrawn", "portal")
    assert receipt["piiPrincipalId"] == str(event.subject_id)


def test_another_persons_receipt_is_a_404(client, maria):
    stranger = record(subject_for("stranger@example.com"), "cookies_analytics")
    assert client.get(f"/portal/history/{stranger.pk}/receipt/").status_code == 404
    assert client.get(f"/portal/history/{stranger.pk}/receipt.json").status_code == 404
    assert client.get("/portal/history/999999/receipt.json").status_code == 404


def test_the_policy_page_shows_what_was_accepted_and_what_is_in_force(client, maria, policies):
    page = client.get("/portal/policy/").content.decode()
    assert "You accepted version 2.0" in page
    assert "version 2.0" in page
    old, new = policies["privacy-policy 1.1"], policies["privacy-policy 2.0"]
    assert f"/privacy/privacy-policy/versions/{old.pk}/diff/{new.pk}/" in page


def test_reporting_a_compromised_password_ends_every_session_and_forces_a_reset(client, maria, policies):
    maria.set_password(PASSWORD)
    maria.save()
    other_device = Client()
    assert can_log_in(other_device, maria.email, PASSWORD)
    client.force_login(maria)

    response = client.post(
        "/portal/security/report/", {"note": "I typed it on a shared computer."}, REMOTE_ADDR="198.51.100.9"
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/compromised/"
    # Both sessions are over, and the old password opens nothing.
    assert client.get("/portal/").status_code == 302
    assert other_device.get("/portal/").status_code == 302
    assert not can_log_in(Client(), maria.email, PASSWORD)
    report = PasswordCompromiseReport.objects.get(user=maria)
    assert (report.note, report.ip_address, report.handled_at) == (
        "I typed it on a shared computer.",
        "198.51.100.9",
        None,
    )
    assert ProfileChange.objects.filter(user=maria, fields=["password"], source="security").exists()
    # The person gets a reset link, and it works.
    email = OutboundEmail.objects.get(template="password_compromised")
    assert email.to_address == maria.email
    link = re.search(r"http://[^/]+(/accounts/reset/\S+/)", email.body_text).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fresh Passw0rd phrase", "new_password2": "a fresh Passw0rd phrase"},
    )
    assert done.status_code == 302
    assert can_log_in(Client(), maria.email, "a fresh Passw0rd phrase")


def test_staff_see_and_close_compromised_password_reports(client, maria):
    from consent.accounts.roles import PRIVACY_OFFICER

    client.post("/portal/security/report/", {"note": ""})
    report = PasswordCompromiseReport.objects.get()
    staff_login(client, staff_in_role(PRIVACY_OFFICER, email="officer@example.com"))
    page = client.get("/admin/accounts/passwordcompromisereport/", {"state": "open"}).content.decode()
    assert f"/passwordcompromisereport/{report.pk}/change/" in page
    client.post(
        "/admin/accounts/passwordcompromisereport/", {"action": "mark_handled", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.handled_at is not None and report.handled_by.email == "officer@example.com"


def test_a_correction_by_staff_appears_in_the_persons_history(client, maria):
    from consent.accounts.roles import REPRESENTATIVE

    rep = staff_in_role(REPRESENTATIVE, email="rep@example.com")
    staff = Client()
    staff_login(staff, rep)
    form = staff.get(f"/admin/accounts/user/{maria.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        country="SE", city="Malmö", groups=[], user_permissions=[],
        registered_at_0="", last_login_0="",
    )  # fmt: skip
    response = staff.post(f"/admin/accounts/user/{maria.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    [change] = ProfileChange.objects.filter(user=maria, source="representative")
    assert change.fields == ["city"] and change.actor == f"staff:{rep.pk}"
    assert "Customer representative" in client.get("/portal/history/").content.decode()
