"""The record path's rules as a caller meets them: the messages a refused event reads, who and
when the returned event says, idempotency keys (their scope, their limit, the race of two
retries), and that an erased person takes no new events. Written to pin what mutation
testing (`make mutation`) found unpinned."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from consent.ledger import services
from consent.ledger.chain import Evidence, event_hash, ledger_verify
from consent.ledger.models import ConsentEvent, ConsentEvidence, ConsentState, CurrentChoices, Purpose
from consent.ledger.services import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    Actor,
    IdempotencyConflict,
    consent_record,
    ledger_checkpoint_take,
)
from consent.policies.models import PolicyDocument
from consent.policies.services import policy_version_create, policy_version_publish
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def _refusal(**kwargs) -> dict:
    kwargs = {"subject": subject_for("maria@example.se"), "source": "api", "actor": Actor.system(), **kwargs}
    with pytest.raises(ValidationError) as refused:
        consent_record(**kwargs)
    assert not ConsentEvent.objects.exists()
    return refused.value.message_dict


def _erase(subject) -> None:
    subject.erased_at = timezone.now()
    subject.save(update_fields=["erased_at"])


def _version(label: str, effective: datetime.datetime):
    document, _created = PolicyDocument.objects.get_or_create(
        slug="privacy-policy", defaults={"kind": PolicyDocument.Kind.PRIVACY_POLICY}
    )
    return policy_version_create(
        document=document,
        label=label,
        effective_at=effective,
        title={"en": f"Privacy policy {label}"},
        body={"en": "What we do with your data."},
        summary_of_changes={"en": "A change."},
    )


# --- what a refused event says ------------------------------------------------------------


def test_an_unknown_decision_names_the_decisions_there_are():
    assert _refusal(purpose="research", decision="maybe") == {"decision": ["Must be one of: granted, withdrawn."]}


def test_an_unknown_source_names_the_sources_there_are():
    assert _refusal(purpose="research", decision="granted", source="fax") == {
        "source": [
            "Must be one of: registration, portal, representative, unsubscribe_link, import, api, gpc, "
            "policy_update, erasure."
        ]
    }


def test_a_purpose_that_cannot_be_withdrawn_says_so():
    assert _refusal(purpose="primary_use", decision="withdrawn") == {
        "decision": ["primary_use cannot be withdrawn; it ends when the account is closed."]
    }


def test_a_channel_the_purpose_does_not_use_is_refused():
    assert _refusal(purpose="research", decision="granted", channel="postal") == {
        "channel": ["The purpose research can use only these channels: email, phone."]
    }


def test_a_purpose_that_contacts_no_one_takes_no_channel():
    assert _refusal(purpose="cookies_analytics", decision="granted", channel="email") == {
        "channel": ["The purpose cookies_analytics contacts no one, so it takes no channel."]
    }


def test_a_withdrawable_purpose_is_withdrawn_and_primary_use_granted():
    subject = subject_for("maria@example.se")
    assert record(subject, "primary_use", source="registration").decision == "granted"
    assert record(subject, "research", "withdrawn").decision == "withdrawn"


def test_a_draft_or_retired_policy_version_cannot_be_cited():
    first = _version("1.0", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert _refusal(purpose="primary_use", decision="granted", policy_version=first) == {
        "policy_version": ["No published policy version with this id."]
    }
    first = policy_version_publish(version=first)
    second = policy_version_publish(version=_version("2.0", datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)))
    first.refresh_from_db()
    assert _refusal(purpose="primary_use", decision="granted", policy_version=first) == {
        "policy_version": ["Version 1.0 has been replaced; cite the version in force."]
    }
    event = record(subject_for("maria@example.se"), "primary_use", source="registration", policy_version=second)
    stored = ConsentEvent.objects.get(pk=event.pk)
    assert event.policy_version_id == stored.policy_version_id == second.pk
    ledger_checkpoint_take()
    assert ledger_verify().problems == []  # the version cited is part of what the chain proves
    assert event.hash == stored.hash == _recomputed(stored)  # the version cited is part of what is hashed


# --- what the returned event says -----------------------------------------------------------


def test_the_returned_event_is_the_stored_one_with_its_actor_and_time():
    subject = subject_for("maria@example.se")
    purpose = Purpose.objects.get(code="marketing_own")
    evidence = Evidence(ip_address="192.0.2.7", user_agent="Safari", language="fr", text_hash="b" * 64)
    with time_machine.travel("2026-04-02T08:30:15.123456Z", tick=False):
        event = consent_record(
            subject=subject,
            purpose=purpose,  # a Purpose works as well as its code
            channel="phone",
            decision="withdrawn",
            source="representative",
            actor=Actor("staff", "42"),
            evidence=evidence,
        )
    stored = ConsentEvent.objects.get()
    occurred = datetime.datetime(2026, 4, 2, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    assert event.created is True
    assert (event.pk, event.actor_type, event.actor_id, event.occurred_at) == (stored.pk, "staff", "42", occurred)
    assert (stored.actor_type, stored.actor_id, stored.occurred_at) == ("staff", "42", occurred)
    assert (stored.purpose_id, stored.channel, stored.decision, stored.source) == (
        "marketing_own", "phone", "withdrawn", "representative",
    )  # fmt: skip
    assert stored.subject_id == subject.pk and event.subject == subject
    assert event.evidence_digest == stored.evidence_digest == evidence.digest()
    assert event.prev_hash == stored.prev_hash == ConsentEvent.GENESIS_HASH
    assert event.idempotency_key is None and stored.idempotency_key is None
    assert event.hash == stored.hash == _recomputed(stored)
    state = ConsentState.objects.get(subject=subject)
    assert (state.decision, state.event_id, state.updated_at) == ("withdrawn", event.pk, occurred)
    assert CurrentChoices.objects.get(subject=subject).choices == {"marketing_own/phone": ["withdrawn", event.pk]}
    # The instance is a saved row, as if loaded: Django updates it rather than inserting it again.
    assert event._state.adding is False and event._state.db == "default"


def _recomputed(event: ConsentEvent) -> str:
    return event_hash(
        subject_id=event.subject_id, purpose_id=event.purpose_id, channel=event.channel, decision=event.decision,
        source=event.source, actor_type=event.actor_type, actor_id=event.actor_id,
        policy_version_id=event.policy_version_id, occurred_at=event.occurred_at,
        evidence_digest=event.evidence_digest, prev_hash=event.prev_hash,
    )  # fmt: skip


def test_without_evidence_the_event_records_empty_evidence():
    event = record(subject_for("maria@example.se"), "research", "granted", channel="email")
    assert event.evidence_digest == Evidence().digest()
    stored = ConsentEvidence.objects.get(event=event)
    assert (stored.ip_address, stored.user_agent, stored.language, stored.text_hash) == (None, "", "", "")


def test_an_empty_channel_means_the_whole_purpose():
    event = record(subject_for("maria@example.se"), "research", "withdrawn", channel="")
    assert event.channel is None and ConsentEvent.objects.get().channel is None
    assert CurrentChoices.objects.get().choices == {"research": ["withdrawn", event.pk]}


def test_each_event_links_to_the_one_before_it():
    subject = subject_for("maria@example.se")
    first = record(subject, "research", "granted", channel="email")
    second = record(subject, "research", "withdrawn", channel="email")
    other = record(subject_for("jean@example.fr"), "research", "granted", channel="email")
    assert second.prev_hash == first.hash and second.hash == _recomputed(second)
    assert other.prev_hash == ConsentEvent.GENESIS_HASH


# --- an erased person -----------------------------------------------------------------------


def test_an_erased_person_takes_no_new_events():
    subject = subject_for("maria@example.se")
    record(subject, "research", "granted", channel="email")
    _erase(subject)
    with pytest.raises(ValidationError) as refused:
        record(subject, "research", "withdrawn", channel="email")
    assert refused.value.message_dict == {
        "subject": ["This person's data has been erased; no new consent can be recorded."]
    }
    assert ConsentEvent.objects.filter(subject=subject).count() == 1


def test_the_erasure_itself_is_recorded_for_an_erased_person():
    subject = subject_for("maria@example.se")
    first = record(subject, "primary_use", source="registration")
    _erase(subject)
    event = record(subject, "primary_use", "withdrawn", source="erasure")
    assert (event.decision, event.source, event.prev_hash) == ("withdrawn", "erasure", first.hash)


# --- idempotency keys -----------------------------------------------------------------------


def test_an_idempotency_key_is_scoped_to_its_caller():
    subject = subject_for("maria@example.se")
    kwargs = {"subject": subject, "purpose": "research", "decision": "granted", "source": "api", "channel": "email"}
    mine = consent_record(**kwargs, actor=Actor("api_key", "AbC123"), idempotency_key="  order-7  ")
    theirs = consent_record(**kwargs, actor=Actor("api_key", "XyZ789"), idempotency_key="order-7")
    retry = consent_record(**kwargs, actor=Actor("api_key", "AbC123"), idempotency_key="order-7")
    assert mine.idempotency_key == "api_key:AbC123:order-7"
    assert ConsentEvent.objects.get(pk=mine.pk).idempotency_key == "api_key:AbC123:order-7"
    assert theirs.pk != mine.pk and theirs.idempotency_key == "api_key:XyZ789:order-7"
    assert (retry.pk, retry.created) == (mine.pk, False)


def test_a_keyed_request_is_recorded_and_replayed_beside_events_recorded_without_a_key():
    # Only the key's own event answers a retry: not any event that carries no key.
    record(subject_for("anna@example.se"), "research", "withdrawn", channel="email")
    subject = subject_for("maria@example.se")
    first = record(subject, "research", "granted", channel="email", idempotency_key="order-8")
    retry = record(subject, "research", "granted", channel="email", idempotency_key="order-8")
    assert first.created is True and first.subject_id == subject.pk
    assert (retry.pk, retry.created) == (first.pk, False)


@pytest.mark.parametrize("key", [None, "", "   "])
def test_without_an_idempotency_key_the_same_request_records_twice(key):
    subject = subject_for("maria@example.se")
    first = record(subject, "research", "granted", channel="email", idempotency_key=key)
    second = record(subject, "research", "granted", channel="email", idempotency_key=key)
    assert first.pk != second.pk and (first.idempotency_key, second.created) == (None, True)


def test_an_idempotency_key_may_be_100_characters_and_no_more():
    subject = subject_for("maria@example.se")
    longest = "k" * IDEMPOTENCY_KEY_MAX_LENGTH
    assert record(subject, "research", channel="email", idempotency_key=longest).created is True
    with pytest.raises(ValidationError) as refused:
        record(subject, "research", channel="email", idempotency_key=longest + "k")
    assert refused.value.message_dict == {"Idempotency-Key": ["At most 100 characters."]}


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "other"},
        {"purpose": "marketing_own"},
        {"channel": "phone"},
        {"decision": "withdrawn"},
        {"source": "import"},
        {"policy_version": "published"},
        {"evidence": Evidence(ip_address="192.0.2.99")},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_retry_that_differs_in_anything_is_a_conflict(change):
    version = policy_version_publish(version=_version("1.0", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)))
    first = {
        "subject": subject_for("maria@example.se"),
        "purpose": "research",
        "channel": "email",
        "decision": "granted",
        "source": "api",
        "actor": Actor("api_key", "AbC123"),
        "evidence": Evidence(ip_address="192.0.2.1"),
        "policy_version": None,
        "idempotency_key": "order-7",
    }
    consent_record(**first)
    again = {**first, **change}
    if "subject" in change:
        again["subject"] = subject_for("jean@example.fr")
    if "policy_version" in change:
        again["policy_version"] = version
    with pytest.raises(IdempotencyConflict, match="^This Idempotency-Key was already used for a different request.$"):
        consent_record(**again)
    assert ConsentEvent.objects.count() == 1
    assert consent_record(**first).created is False


def test_a_retry_citing_the_same_policy_version_and_evidence_is_a_replay():
    version = policy_version_publish(version=_version("1.0", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)))
    subject = subject_for("maria@example.se")
    kwargs = {
        "subject": subject,
        "purpose": "primary_use",
        "decision": "granted",
        "source": "registration",
        "actor": Actor.subject(),
        "policy_version": version,
        "evidence": Evidence(ip_address="192.0.2.1", language="sv"),
        "idempotency_key": "signup",
    }
    first = consent_record(**kwargs)
    again = consent_record(**kwargs)
    assert (again.pk, again.created, again.policy_version_id) == (first.pk, False, version.pk)


def _race(first_lookup_sees: ConsentEvent | None):
    """Patch the replay lookup so its first call (before the insert) sees `first_lookup_sees`,
    as when a concurrent retry commits between that lookup and this request's insert."""
    real = services._replayed
    calls = []

    def replayed(key, request):
        calls.append(key)
        return first_lookup_sees if len(calls) == 1 else real(key, request)

    return mock.patch.object(services, "_replayed", side_effect=replayed), calls


def test_the_loser_of_an_idempotency_race_answers_with_the_winners_event():
    subject = subject_for("maria@example.se")
    winner = record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    patch, calls = _race(None)
    with patch:
        loser = record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    assert len(calls) == 2  # the insert hit the unique key, and the lookup ran again
    assert (loser.pk, loser.created) == (winner.pk, False)
    assert ConsentEvent.objects.count() == 1


def test_the_loser_of_an_idempotency_race_with_another_request_gets_a_conflict():
    subject = subject_for("maria@example.se")
    record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    patch, _calls = _race(None)
    with patch, pytest.raises(IdempotencyConflict):
        record(subject, "research", "granted", channel="email", idempotency_key="k-1")
    assert ConsentEvent.objects.count() == 1


def test_an_integrity_error_that_no_replay_explains_is_raised():
    subject = subject_for("maria@example.se")
    failing = mock.patch.object(services, "_append", side_effect=IntegrityError("duplicate key"))
    with failing, pytest.raises(IntegrityError):
        record(subject, "research", channel="email", idempotency_key="k-1")
    assert not ConsentEvent.objects.exists()
    # Without a key there is nothing to replay, not even an event of the very same request.
    earlier = record(subject, "research", channel="email")
    with failing, pytest.raises(IntegrityError):
        record(subject, "research", channel="email")
    assert list(ConsentEvent.objects.all()) == [earlier]
