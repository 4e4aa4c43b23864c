"""Registration is consent (R2) and is confirmed (R3): the policy version shown, the
marketing choices as the policy frames them, evidence on every event, one transaction."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.utils import timezone

from config import settings as project_settings
from consent.accounts.identity import email_digest
from consent.accounts.models import Subject, User
from consent.ledger.models import ConsentEvent
from consent.notifications.models import OutboundEmail
from consent.policies.selectors import policy_text
from consent.policies.services import policy_version_create, policy_version_publish
from consent.suppression.models import SuppressionEntry
from tests.factories import UserFactory, record, subject_for
from tests.portal.helpers import registration_data

pytestmark = pytest.mark.django_db


def events(subject) -> list[tuple]:
    return list(
        ConsentEvent.objects.filter(subject=subject)
        .order_by("id")
        .values_list("purpose_id", "channel", "decision", "source")
    )


def test_the_form_shows_the_policy_in_force_and_the_marketing_choices_as_the_policy_frames_them(client, policies):
    version = policies["privacy-policy 2.0"]

    page = client.get("/accounts/register/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert '<html lang="sv">' in page and "Registrera" in page
    assert version.content_hashes["sv"] in page
    assert f'name="policy_version" value="{version.pk}"' in page
    assert "version 2.0" in page
    # Own marketing (opt-out): every channel ticked in advance. Partners' (opt-in): none.
    own = re.findall(r'<input type="checkbox" name="marketing_own" value="(\w+)"[^>]*>', page)
    theirs = re.findall(r'<input type="checkbox" name="marketing_third_party"[^>]*>', page)
    assert own == ["email", "phone", "postal"]
    assert all("checked" in tag for tag in re.findall(r'<input type="checkbox" name="marketing_own"[^>]*>', page))
    assert len(theirs) == 3 and not any("checked" in tag for tag in theirs)
    for label in ("E-postadress", "Lösenord", "Förnamn", "Din ålder", "Telefon", "Land", "Yrke"):
        assert label in page, label


def test_registering_records_the_person_their_consent_with_evidence_and_the_confirmation(client, policies):
    version = policies["privacy-policy 2.0"]
    data = registration_data(client, marketing_own=["email", "postal"], marketing_third_party=["email"])

    response = client.post("/accounts/register/", data, HTTP_USER_AGENT="Mozilla/5.0 (Test)", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302 and response["Location"] == "/accounts/register/done/"
    user = User.objects.get(email="maria.lind@example.se")
    assert (user.first_name, user.phone, user.country.code, user.language) == ("Maria", "+46701234567", "SE", "sv")
    assert user.email_verified_at is None
    subject = Subject.objects.get(user=user)
    assert subject.email_digest == email_digest("maria.lind@example.se")
    assert events(subject) == [
        ("primary_use", None, "granted", "registration"),
        ("marketing_own", "email", "granted", "registration"),
        ("marketing_own", "phone", "withdrawn", "registration"),
        ("marketing_own", "postal", "granted", "registration"),
        ("marketing_third_party", "email", "granted", "registration"),
    ]
    shown = policy_text(version=version, language="en")
    for event in ConsentEvent.objects.filter(subject=subject).select_related("evidence"):
        assert event.policy_version_id == version.pk
        assert event.actor_type == "subject"
        assert (event.evidence.ip_address, event.evidence.user_agent) == ("203.0.113.7", "Mozilla/5.0 (Test)")
        assert (event.evidence.language, event.evidence.text_hash) == ("en", shown["content_hash"])
    [email] = OutboundEmail.objects.all()
    assert (email.template, email.to_address, email.language, email.subject_id) == (
        "registration_confirmation", user.email, "sv", subject.pk,
    )  # fmt: skip
    assert "Vår egen marknadsföring, Telefon: nej" in email.body_text
    assert "Partners marknadsföring, E-post: ja" in email.body_text


def test_passwords_are_hashed_with_argon2(client, policies, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    client.post("/accounts/register/", registration_data(client))
    user = User.objects.get(email="maria.lind@example.se")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a long Passw0rd phrase")


def test_a_version_retired_between_showing_and_submitting_is_refused_with_the_new_text(client, policies):
    data = registration_data(client)
    newer = policy_version_create(
        document=policies["privacy-policy 2.0"].document, label="2.1",
        effective_at=timezone.now(), title={"en": "Policy 2.1"}, body={"en": "## New\n\nNew text.\n"},
        summary_of_changes={"en": "New."},
    )  # fmt: skip
    policy_version_publish(version=newer)

    response = client.post("/accounts/register/", data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "is not the one this page showed you" in page
    assert f'name="policy_version" value="{newer.pk}"' in page and "New text." in page
    assert not User.objects.exists() and not ConsentEvent.objects.exists() and not OutboundEmail.objects.exists()

    # Read, and submitted again: the new version is the one accepted.
    client.post("/accounts/register/", registration_data(client))
    assert ConsentEvent.objects.get(purpose_id="primary_use").policy_version_id == newer.pk


def test_a_country_with_its_own_version_is_shown_it_before_accepting(client, policies):
    data = registration_data(client, country="")
    data["country"] = "FR"
    french = policy_version_create(
        document=policies["privacy-policy 2.0"].document, label="2.0-fr", country="FR",
        effective_at=timezone.now(), title={"en": "French policy"}, body={"en": "Pour la France.\n"},
        summary_of_changes={"en": "."},
    )  # fmt: skip
    policy_version_publish(version=french)

    response = client.post("/accounts/register/", data)

    assert response.status_code == 200 and "Pour la France." in response.content.decode()
    assert not User.objects.exists()


def test_a_text_hash_that_is_not_the_texts_is_refused(client, policies):
    data = registration_data(client, policy_text_hash="0" * 64)
    assert client.post("/accounts/register/", data).status_code == 200
    assert not User.objects.exists()


@pytest.mark.parametrize("other_errors", [{}, {"password2": "different", "phone": "not a phone"}])
def test_under_13_is_refused_kindly_and_nothing_is_kept(client, policies, every_log, other_errors, settings):
    settings.DEBUG = True  # SQL and its parameters are logged too
    address = "young.person@example.com"

    response = client.post("/accounts/register/", registration_data(client, email=address, age="12", **other_errors))

    assert response.status_code == 200
    assert "We cannot register you" in response.content.decode()
    assert address not in response.content.decode()
    assert not User.objects.exists()
    assert not Subject.objects.filter(email_digest=email_digest(address)).exists()
    assert not ConsentEvent.objects.exists() and not OutboundEmail.objects.exists()
    assert "sessionid" not in response.cookies
    assert address not in every_log.text
    assert "SELECT" in every_log.text


def test_someone_who_unsubscribed_before_registering_is_joined_and_stays_unsubscribed(client, policies):
    earlier = subject_for("maria.lind@example.se")
    record(earlier, "marketing_own", "withdrawn", channel="email", source="unsubscribe_link")
    SuppressionEntry.objects.create(
        identifier_digest=earlier.email_digest, purpose="marketing_own", channel="phone", reason="unsubscribe_link"
    )

    client.post("/accounts/register/", registration_data(client))  # every own channel left ticked

    user = User.objects.get()
    assert Subject.objects.count() == 1 and Subject.objects.get().user == user
    assert events(earlier) == [
        ("marketing_own", "email", "withdrawn", "unsubscribe_link"),
        ("primary_use", None, "granted", "registration"),
        ("marketing_own", "postal", "granted", "registration"),
    ]
    body = OutboundEmail.objects.get().body_text
    assert "Vår egen marknadsföring, E-post: nej" in body
    assert "Vår egen marknadsföring, Telefon: nej" in body
    assert "Vår egen marknadsföring, Post: ja" in body


def test_an_address_with_an_account_changes_nothing_and_its_owner_is_told_once_a_day(client, policies):
    owner = UserFactory(email="maria.lind@example.se", first_name="Maria", language="fr")
    data = registration_data(client, first_name="Impostor")

    first = client.post("/accounts/register/", data)
    second = client.post("/accounts/register/", data)

    assert first["Location"] == second["Location"] == "/accounts/register/done/"  # same answer as a success
    assert User.objects.count() == 1 and User.objects.get().first_name == "Maria"
    assert not ConsentEvent.objects.exists()
    [notice] = OutboundEmail.objects.all()
    assert (notice.template, notice.to_address, notice.language) == ("registration_existing_account", owner.email, "fr")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Enter a valid email address."),
        ("phone", "12", "international format"),
        ("password2", "something else", "The two passwords differ."),
        ("password1", "password123", "too common"),
        ("age", "-1", "greater than or equal to 0"),
        ("country", "XX", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(client, policies, field, value, message):
    data = registration_data(client, **{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post("/accounts/register/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_the_verification_link_confirms_the_address_and_expires(client, policies, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/accounts/register/", registration_data(client))
    link = re.search(r"http://[^/]+(/accounts/verify/[^/\s]+/)", OutboundEmail.objects.get().body_text).group(1)
    user = User.objects.get()
    assert "maria" not in link.lower()  # no address in URLs (or in access logs)

    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        confirm = client.get(link)
        assert confirm.status_code == 200 and "Confirm my address" in confirm.content.decode()
        user.refresh_from_db()
        assert user.email_verified_at is None  # a mail scanner's GET verifies nothing
        assert client.post(link).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is not None

    with time_machine.travel(start + datetime.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 1), tick=False):
        expired = client.get(link)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert client.get(link[:-5] + "AAAA/").status_code == 400
