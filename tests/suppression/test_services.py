import hashlib

import pytest
from django.core.exceptions import ValidationError

from consent.accounts.identity import email_digest, phone_digest
from consent.decisions.rules import Reason, consent_decisions
from consent.ledger.models import ConsentEvent
from consent.ledger.services import BULK_LOCK_LIMIT, Actor, consent_record_many
from consent.suppression import services
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import subject_take_off_marketing, suppression_add
from tests.api.helpers import error_field
from tests.factories import UserFactory, ledger_verified, record, subject_for

pytestmark = pytest.mark.django_db


def test_canonicalisation_and_hashing_are_the_ledgers():
    """The entry for any spelling of an address has the digest of the person's Subject."""
    maria = subject_for("maria@example.se")
    suppression_add(identifiers=["  MARIA@Example.SE "], reason="import", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.get()
    assert bytes(entry.identifier_digest) == bytes(maria.email_digest) == email_digest("maria@example.se")
    # A SHA-256 of the canonical address, as lists are exchanged, names the same person.
    sha = hashlib.sha256(b"maria@example.se").hexdigest()
    assert suppression_add(identifiers=[sha], reason="import", source="t", actor=Actor.system()).added == 0


def test_phone_numbers_are_e164_digests():
    suppression_add(identifiers=["+46 70-123 45 67"], channel="phone", reason="legal", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.get()
    assert (bytes(entry.identifier_digest), entry.channel) == (phone_digest("+46701234567"), "phone")


def test_the_address_is_never_stored():
    suppression_add(identifiers=["secret.person@example.com"], reason="import", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.values().get()
    assert not any("secret.person" in str(value) for value in entry.values())


def test_one_bad_identifier_refuses_the_call():
    with pytest.raises(ValidationError) as caught:
        suppression_add(identifiers=["a@example.com", "nope"], reason="import", source="t", actor=Actor.system())
    assert "Item 1" in caught.value.message_dict["identifiers"][0]
    assert not SuppressionEntry.objects.exists()


def test_a_scope_must_make_sense():
    with pytest.raises(ValidationError) as caught:
        suppression_add(identifiers=["a@example.com"], purpose="cookies_analytics", reason="import", source="t",
                        actor=Actor.system())  # fmt: skip
    assert "purpose" in caught.value.message_dict
    with pytest.raises(ValidationError):
        suppression_add(identifiers=["a@example.com"], purpose="research", channel="postal", reason="import",
                        source="t", actor=Actor.system())  # fmt: skip


def test_a_known_person_gets_a_withdrawal_recorded_with_the_actor():
    maria = subject_for("maria@example.se")
    staff = UserFactory(is_staff=True)
    result = suppression_add(
        identifiers=["maria@example.se"], channel="email", reason="complaint", source="t", actor=Actor.staff(staff)
    )
    assert (result.added, result.withdrawals) == (1, 3)
    events = ConsentEvent.objects.filter(subject=maria)
    assert {(e.purpose_id, e.channel, e.decision, e.actor_type, e.actor_id) for e in events} == {
        (purpose, "email", "withdrawn", "staff", str(staff.pk))
        for purpose in ("marketing_own", "marketing_third_party", "research")
    }
    assert SuppressionEntry.objects.get().created_by == f"staff:{staff.pk}"


def test_bulk_events_interleave_with_single_ones_in_one_chain():
    people = [subject_for(f"p{n}@example.com") for n in range(5)]
    for person in people:
        record(person, "primary_use", source="registration")
    written = consent_record_many(
        subject_ids=[p.pk for p in people], choices=[("marketing_own", "email"), ("research", None)],
        decision="withdrawn", source="import", actor=Actor.system("t"),
    )  # fmt: skip
    assert written == 10
    record(people[0], "marketing_own", "granted", channel="email")
    verification = ledger_verified()
    assert (verification.intact, verification.drift, verification.events_checked) == (True, None, 16)
    [decision] = consent_decisions(purpose="marketing_own", channel="email", identifiers=["p1@example.com"])
    assert (decision.allowed, decision.reason) == (False, Reason.WITHDRAWN)


def test_bulk_events_refuse_more_people_than_a_transaction_may_lock():
    with pytest.raises(ValueError, match="At most"):
        consent_record_many(
            subject_ids=list(range(BULK_LOCK_LIMIT + 1)), choices=[("research", None)], decision="withdrawn",
            source="import", actor=Actor.system(),
        )  # fmt: skip


def test_more_known_people_than_one_batch(settings, monkeypatch):
    import consent.suppression.services as services

    monkeypatch.setattr(services, "BULK_LOCK_LIMIT", 3)
    addresses = [f"k{n}@example.com" for n in range(8)]
    for address in addresses:
        subject_for(address)
    result = suppression_add(identifiers=[*addresses, "x@example.com"], purpose="marketing_own", reason="import",
                             source="t", actor=Actor.system())  # fmt: skip
    assert (result.added, result.withdrawals) == (9, 8)
    assert ledger_verified().intact


def test_a_representative_takes_a_person_off_marketing_with_a_note():
    maria = subject_for("maria@example.se")
    rep = UserFactory(is_staff=True)
    with pytest.raises(ValidationError):
        subject_take_off_marketing(subject=maria, channel=None, note="  ", user=rep)
    subject_take_off_marketing(subject=maria, channel="phone", note="Asked by phone", user=rep)
    entry = SuppressionEntry.objects.get()
    assert (entry.reason, entry.channel, entry.note, entry.created_by) == (
        "representative",
        "phone",
        "Asked by phone",
        f"staff:{rep.pk}",
    )
    assert set(ConsentEvent.objects.filter(subject=maria).values_list("source", "actor_id", "channel")) == {
        ("representative", str(rep.pk), "phone")
    }
    [decision] = consent_decisions(purpose="marketing_own", channel="phone", identifiers=[str(maria.pk)])
    assert decision.reason == Reason.SUPPRESSED


def test_a_person_without_an_address_is_taken_off_by_ledger_withdrawals():
    from consent.accounts.services import subject_get_or_create

    person = subject_get_or_create(external_id="crm-1")
    subject_take_off_marketing(subject=person, channel=None, note="Letter", user=UserFactory(is_staff=True))
    assert not SuppressionEntry.objects.exists()
    assert ConsentEvent.objects.filter(subject=person, decision="withdrawn").count() == 3


# ---------------------------------------------------------------------------- API
def test_api_adds_entries_and_is_idempotent(api_key_client):
    client = api_key_client("suppression:write")
    maria = subject_for("maria@example.se")
    body = {
        "identifiers": ["maria@example.se", "+46701234567", "x@example.com"],
        "channel": "email",
        "reason": "bounce",
    }
    body["channel"] = None
    response = client.post("/api/v1/suppressions/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"added": 3, "already_present": 0, "withdrawals": 3}
    assert ConsentEvent.objects.filter(subject=maria, source="api", actor_type="api_key").count() == 3
    again = client.post("/api/v1/suppressions/", body, format="json")
    assert again.json() == {"added": 0, "already_present": 3, "withdrawals": 0}


def test_api_names_the_bad_identifier(api_key_client):
    client = api_key_client("suppression:write")
    response = client.post("/api/v1/suppressions/", {"identifiers": ["ok@example.com", "nope"]}, format="json")
    assert error_field(response) == "identifiers"


def test_api_needs_the_write_scope(api_key_client):
    response = api_key_client("suppression:read").post(
        "/api/v1/suppressions/", {"identifiers": ["a@example.com"]}, format="json"
    )
    assert response.status_code == 403


def test_a_choice_already_withdrawn_is_not_withdrawn_again():
    maria = subject_for("maria@example.se")
    record(maria, "marketing_own", "withdrawn")
    record(maria, "research", "withdrawn", channel="email")
    result = suppression_add(identifiers=["maria@example.se"], reason="import", source="t", actor=Actor.system())
    assert result.withdrawals == 2  # marketing_third_party and research as a whole; marketing_own stood
    assert ledger_verified(subject=maria).intact


def test_a_bad_identifier_and_an_unknown_reason_are_refused_in_words():
    with pytest.raises(ValidationError) as refused:
        suppression_add(identifiers=["room 101"], reason="import", source="t", actor=Actor.system())
    assert refused.value.message_dict == {
        "identifiers": [
            "Item 0 ('room 101'): Expected an email address, a phone number in international format or a SHA-256 hash."
        ]
    }
    with pytest.raises(ValidationError) as refused:
        suppression_add(identifiers=["a@example.com"], reason="spam", source="t", actor=Actor.system())
    assert refused.value.message_dict["reason"][0].startswith("Must be one of: unsubscribe_link, ")


def test_a_long_source_and_actor_are_cut_to_what_the_entry_keeps():
    suppression_add(identifiers=["a@example.com"], reason="import", source="s" * 250, actor=Actor.system("n" * 120))
    entry = SuppressionEntry.objects.get()
    assert (entry.source, entry.created_by) == ("s" * 200, ("system:" + "n" * 120)[:100])


@pytest.mark.parametrize(("known", "steps"), [(8, [0, 3 / 8, 6 / 8, 1.0]), (0, [1])])
def test_the_merge_reports_its_progress_batch_by_batch(monkeypatch, known, steps):
    from django.db import connection

    import consent.suppression.services as services

    monkeypatch.setattr(services, "BULK_LOCK_LIMIT", 3)
    addresses = [f"k{n}@example.com" for n in range(known)]
    for address in addresses:
        subject_for(address)
    reported = []
    with connection.cursor() as cursor:
        services.staging_create(cursor)
        for address in [*addresses, "stranger@example.com"]:
            cursor.execute("INSERT INTO suppression_staging (digest) VALUES (%s)", [email_digest(address)])
    result = services.staging_merge(
        purpose="marketing_own", channel=None, reason="import", source="t", actor=Actor.system(),
        ledger_source=ConsentEvent.Source.IMPORT, progress=reported.append,
    )  # fmt: skip
    assert reported == steps
    assert (result.valid, result.added, result.withdrawals) == (known + 1, known + 1, known)


def test_when_every_known_people_writer_fails_the_error_is_raised_not_waited_on(monkeypatch):
    # Both writers fail on their first batch while more are queued: the import must stop
    # with the error (and be re-run, idempotently), never hang on a queue nobody reads.
    def merge_batch(batch):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        with services.KnownWriters(merge_batch, iter([[("s", b"d")]] * 6), 2) as writers:
            list(writers.results())
