import pytest
from django.test import Client

from consent.accounts.identity import email_digest
from consent.decisions.rules import Reason, consent_decisions
from consent.ledger.models import ConsentEvent
from consent.suppression.models import SuppressionEntry
from consent.suppression.tokens import unsubscribe_headers, unsubscribe_link_parse, unsubscribe_token
from tests.factories import UserFactory, record, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria():
    subject = subject_for("maria@example.se")
    record(subject, "primary_use", source="registration")
    record(subject, "marketing_own", "granted", channel="email")
    return subject


def path_of(headers: dict) -> str:
    url = headers["List-Unsubscribe"].strip("<>")
    return url[url.index("/unsubscribe/") :]


def decision(address="maria@example.se"):
    [answer] = consent_decisions(purpose="marketing_own", channel="email", identifiers=[address])
    return answer.allowed, answer.reason


def test_headers_for_any_sender(settings, maria):
    settings.PUBLIC_BASE_URL = "https://privacy.example.com"
    headers = unsubscribe_headers(purpose="marketing_own", email="Maria@Example.se")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<https://privacy.example.com/unsubscribe/")
    assert headers["List-Unsubscribe"].endswith("/>")
    link = unsubscribe_link_parse(path_of(headers).split("/")[2])
    assert (link.subject, link.digest, link.purpose, link.channel) == (
        maria,
        email_digest("maria@example.se"),
        "marketing_own",
        "email",
    )
    assert len(headers["List-Unsubscribe"]) < 200  # compact


def test_rfc8058_one_click_post_without_cookies_suppresses_and_answers_200(maria):
    path = path_of(unsubscribe_headers(purpose="marketing_own", subject=maria))
    client = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token, no login
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "Location" not in response
    entry = SuppressionEntry.objects.get()
    assert (entry.reason, entry.purpose, entry.channel) == ("unsubscribe_link", "marketing_own", "email")
    assert bytes(entry.identifier_digest) == bytes(maria.email_digest)
    event = ConsentEvent.objects.filter(subject=maria).latest("id")
    assert (event.purpose_id, event.channel, event.decision, event.source, event.actor_type) == (
        "marketing_own",
        "email",
        "withdrawn",
        "unsubscribe_link",
        "subject",
    )
    assert decision() == (False, Reason.SUPPRESSED)
    # Mail providers may POST twice: nothing more happens.
    assert (
        client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded").status_code
        == 200
    )
    assert SuppressionEntry.objects.count() == 1
    assert ConsentEvent.objects.filter(subject=maria, source="unsubscribe_link").count() == 1


def test_one_click_as_multipart_too(maria):
    path = path_of(unsubscribe_headers(purpose="marketing_own", email="maria@example.se"))
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert decision() == (False, Reason.SUPPRESSED)


@pytest.mark.parametrize("tamper", ["flip_signature", "flip_payload", "truncate", "garbage", "other_salt"])
def test_a_forged_or_altered_token_gets_400_and_changes_nothing(maria, tamper):
    token = unsubscribe_token(purpose="marketing_own", subject=maria)
    payload, _sep, signature = token.rpartition(":")
    forged = {
        "flip_signature": f"{payload}:{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}",
        "flip_payload": f"{payload[:-1]}{'x' if payload[-1] != 'x' else 'y'}:{signature}",
        "truncate": token[:-5],
        "garbage": "not-a-token",
        "other_salt": __import__("django.core.signing").core.signing.dumps(
            ["s", maria.pk.hex, "marketing_own", "email", ""], salt="other"
        ),
    }[tamper]
    before = ConsentEvent.objects.count()
    response = Client().post(f"/unsubscribe/{forged}/", "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert Client().get(f"/unsubscribe/{forged}/").status_code == 400
    assert not SuppressionEntry.objects.exists()
    assert ConsentEvent.objects.count() == before


def test_get_shows_a_page_in_the_recipients_language_and_changes_nothing(maria):
    user = UserFactory(email="sven@example.se", language="sv")
    subject = user.subject
    record(subject, "primary_use", source="registration")
    path = path_of(unsubscribe_headers(purpose="marketing_own", subject=subject))
    page = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page["Content-Language"] == "sv"
    assert "Avregistrera" in page.content.decode() or "avregistrera" in page.content.decode()
    assert not SuppressionEntry.objects.exists()  # link scanners fetch links: GET never unsubscribes


def test_the_page_unsubscribes_and_undo_is_a_new_grant(maria):
    path = path_of(unsubscribe_headers(purpose="marketing_own", subject=maria))
    client = Client(enforce_csrf_checks=True)
    assert "Do you want to stop" in client.get(path).content.decode()
    done = client.post(path, {"action": "unsubscribe"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    assert decision() == (False, Reason.SUPPRESSED)
    events_before = ConsentEvent.objects.filter(subject=maria).count()
    undone = client.post(path, {"action": "undo"})
    assert "subscribed again" in undone.content.decode()
    assert decision() == (True, Reason.GRANTED)
    assert not SuppressionEntry.objects.exists()
    last = ConsentEvent.objects.filter(subject=maria).latest("id")
    assert ConsentEvent.objects.filter(subject=maria).count() == events_before + 1
    assert (last.decision, last.source, last.actor_type) == ("granted", "unsubscribe_link", "subject")


def test_undo_does_not_lift_an_entry_made_for_another_reason(maria):
    from consent.ledger.services import Actor
    from consent.suppression.services import suppression_add

    suppression_add(identifiers=["maria@example.se"], reason="bounce", source="t", actor=Actor.system())
    path = path_of(unsubscribe_headers(purpose="marketing_own", subject=maria))
    Client().post(path, {"action": "unsubscribe"})
    page = Client().post(path, {"action": "undo"})
    assert "another reason" in page.content.decode()
    assert list(SuppressionEntry.objects.values_list("reason", flat=True)) == ["bounce"]
    assert decision() == (False, Reason.SUPPRESSED)


def test_a_recipient_unknown_to_the_platform_is_suppressed_by_address():
    path = path_of(unsubscribe_headers(purpose="marketing_own", email="stranger@example.com"))
    assert Client().post(path, "List-Unsubscribe=One-Click", content_type="text/plain").status_code == 200
    assert bytes(SuppressionEntry.objects.get().identifier_digest) == email_digest("stranger@example.com")


def test_links_api_returns_header_values_and_the_checks_answer(api_key_client, maria):
    client = api_key_client("suppression:read")
    body = {
        "recipients": [
            {"email": "maria@example.se", "purpose": "marketing_own"},
            {"email": "stranger@example.com", "purpose": "marketing_third_party", "channel": "email", "language": "fr"},
        ]
    }
    response = client.post("/api/v1/unsubscribe-links/", body, format="json")
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert (first["allowed"], first["reason"]) == (True, "granted")
    assert (second["allowed"], second["reason"]) == (False, "not_granted")
    assert first["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    # The link works: one click and the check says no.
    path = first["list_unsubscribe"].strip("<>")
    path = path[path.index("/unsubscribe/") :]
    Client().post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert decision() == (False, Reason.SUPPRESSED)


def test_links_api_names_a_bad_recipient(api_key_client):
    client = api_key_client("suppression:read")
    response = client.post(
        "/api/v1/unsubscribe-links/", {"recipients": [{"email": "nope", "purpose": "marketing_own"}]}, format="json"
    )
    assert response.status_code == 400
    assert "recipients" in response.json()["error"]["details"]
    response = client.post(
        "/api/v1/unsubscribe-links/",
        {"recipients": [{"email": "a@example.com", "purpose": "cookies_analytics"}]},
        format="json",
    )
    assert response.status_code == 400


def test_a_person_never_subscribed_is_not_told_they_unsubscribed():
    stranger = subject_for("never@example.com")  # no accepted policy: the opt-out default does not apply
    path = path_of(unsubscribe_headers(purpose="marketing_own", subject=stranger))
    content = Client().get(path).content.decode()
    assert "You are not subscribed" in content and "You are unsubscribed" not in content
    assert 'value="unsubscribe"' in content
