"""Issue 12: the access export, a ZIP of data.json and a readable summary in the person's language."""

import io
import json
import zipfile

import pytest
from django.utils import timezone

from consent.accounts.models import ProfileChange
from consent.accounts.services import user_profile_update
from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor
from consent.notifications.services import email_queue
from consent.suppression.services import suppression_add
from requests_app import export
from requests_app.disclosures import disclosure_save
from requests_app.export import access_export_build
from requests_app.models import ThirdParty
from tests.factories import UserFactory, record

pytestmark = pytest.mark.django_db

REQUESTS = [{"reference": "SR-2026-000042", "type": "access", "status": "in_progress", "received_at": "2026-03-01"}]


@pytest.fixture
def karin():
    user = UserFactory(email="karin@example.se", first_name="Karin", last_name="Ek", phone="+46701112233",
                       occupation="<b>Chef</b> & cook", language="sv")  # fmt: skip
    subject = user.subject
    record(subject, "primary_use", source="registration",
           evidence=Evidence(ip_address="192.0.2.10", user_agent="Safari", language="sv", text_hash="ab" * 32))  # fmt: skip
    record(subject, "marketing_third_party", channel="email")
    record(subject, "marketing_own", channel="email")
    record(subject, "marketing_own", "withdrawn", channel="email")
    suppression_add(identifiers=["+46701112233"], channel="phone", reason="representative", source="phone call",
                    actor=Actor.system())  # fmt: skip
    user_profile_update(user=user, changes={"city": "Lund"}, source=ProfileChange.Source.PORTAL)
    email_queue(to=user.email, template="email_changed", context={"user": user, "changed_at": timezone.now()},
                language="sv", subject=subject)  # fmt: skip
    partner = ThirdParty.objects.create(name="Nordic Offers AB", kind="partner", country="SE", address="Box 9, Lund")
    disclosure_save(third_party=partner, basis="partner_marketing", data_categories=["name", "email"],
                    subjects=[subject], disclosed_at=timezone.now(), reference="LIST-9")  # fmt: skip
    return user


@pytest.fixture
def stranger():
    user = UserFactory(email="stranger@example.com", first_name="Sven", last_name="Strangersson")
    record(user.subject, "primary_use", source="registration", evidence=Evidence(ip_address="203.0.113.99"))
    record(user.subject, "marketing_third_party", channel="postal")
    court = ThirdParty.objects.create(name="Stranger's Court", kind="authority", country="SE", address="Court 1")
    disclosure_save(third_party=court, basis="legal_process", data_categories=["name"], subjects=[user.subject],
                    disclosed_at=timezone.now())  # fmt: skip
    return user


def unzip(content: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "summary.html"]
        return json.loads(archive.read("data.json")), archive.read("summary.html").decode()


def test_data_json_holds_the_persons_events_receipts_suppression_disclosures_and_requests(karin, stranger):
    data, _summary = unzip(access_export_build(subject=karin.subject, language="sv", requests=REQUESTS))

    ledger = list(ConsentEvent.objects.filter(subject=karin.subject).order_by("id"))
    assert [(e["id"], e["hash"], e["prev_hash"], e["evidence_digest"]) for e in data["consent_events"]] == [
        (e.pk, e.hash, e.prev_hash, e.evidence_digest) for e in ledger
    ]
    first = data["consent_events"][0]
    assert first["evidence"] == {"ip_address": "192.0.2.10", "user_agent": "Safari", "language": "sv",
                                 "text_hash": "ab" * 32}  # fmt: skip
    assert first["receipt"]["integrity"]["hash"] == ledger[0].hash
    assert first["receipt"]["piiPrincipalId"] == str(karin.subject.pk)
    assert data["profile"]["email"] == "karin@example.se" and data["profile"]["phone"] == "+46701112233"
    assert "password" not in data["profile"] and data["profile"]["password_set"] is True
    choices = {c["purpose"]: c for c in data["current_choices"]}
    assert choices["marketing_third_party"]["channels"][0] == {**choices["marketing_third_party"]["channels"][0],
                                                               "channel": "email", "allowed": True}  # fmt: skip
    assert data["suppression"]["suppressed"] is False
    assert [(e["identifier"], e["channel"], e["reason"]) for e in data["suppression"]["entries"]] == [
        ("phone", "phone", "representative")
    ]
    assert [(d["third_party"]["name"], d["basis"]) for d in data["disclosures"]] == [
        ("Nordic Offers AB", "partner_marketing")
    ]
    assert data["requests"] == REQUESTS
    assert [c["fields"] for c in data["profile_changes"]] == [["city"]]
    assert [(e["template"], e["to_address"]) for e in data["emails"]] == [("email_changed", "karin@example.se")]
    assert "body_text" not in data["emails"][0]


def test_the_summary_is_in_swedish_self_contained_and_escaped(karin):
    _data, summary = unzip(access_export_build(subject=karin.subject, language="sv", requests=REQUESTS))

    assert '<html lang="sv">' in summary
    for heading in ["Dina personuppgifter", "Samtyckeshistorik", "Utlämnanden till tredje part", "Dina begäranden"]:
        assert heading in summary
    assert "Your personal data" not in summary
    assert "&lt;b&gt;Chef&lt;/b&gt; &amp; cook" in summary and "<b>Chef</b>" not in summary
    assert "Nordic Offers AB" in summary and "SR-2026-000042" in summary
    assert "<script" not in summary and "src=" not in summary and "href=" not in summary


def test_the_summary_follows_the_language_asked_for(karin):
    _data, french = unzip(access_export_build(subject=karin.subject, language="fr", requests=[]))
    assert "Vos données personnelles" in french and "Aucune demande." in french


def test_another_persons_data_never_appears(karin, stranger):
    content = access_export_build(subject=karin.subject, language="en", requests=[])
    data, summary = unzip(content)
    everything = json.dumps(data) + summary
    others = ConsentEvent.objects.filter(subject=stranger.subject)
    for needle in ["stranger@example.com", "Strangersson", "203.0.113.99", "Stranger's Court", str(stranger.subject.pk),
                   *others.values_list("hash", flat=True)]:  # fmt: skip
        assert needle not in everything, needle


def test_a_long_history_is_streamed_in_chunks_and_complete(karin, monkeypatch):
    monkeypatch.setattr(export, "EVENT_CHUNK", 7)
    for n in range(40):
        record(karin.subject, "research", "granted" if n % 2 else "withdrawn")
    expected = list(ConsentEvent.objects.filter(subject=karin.subject).order_by("id").values_list("hash", flat=True))

    data, summary = unzip(access_export_build(subject=karin.subject, language="en", requests=[]))

    assert [e["hash"] for e in data["consent_events"]] == expected
    assert data["consent_event_count"] == len(expected) == 44
    assert all(digest in summary for digest in expected)
