import datetime
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from consent.accounts.models import Subject
from consent.ledger.chain import Evidence, ledger_verify
from consent.ledger.models import ConsentEvent, ConsentEvidence, ConsentState, CurrentChoices, EvidenceErasure
from consent.ledger.services import (
    Actor,
    IdempotencyConflict,
    consent_evidence_erase,
    consent_record,
    consent_state_rebuild,
    ledger_checkpoint_take,
    subject_lock,
)
from consent.policies.models import PolicyDocument
from consent.policies.services import policy_version_create, policy_version_publish
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def test_an_event_its_evidence_and_the_state_are_written_together():
    subject = subject_for("maria@example.se")
    evidence = Evidence(ip_address="192.0.2.10", user_agent="Firefox", language="sv", text_hash="a" * 64)
    event = consent_record(
        subject=subject,
        purpose="marketing_own",
        channel="email",
        decision="withdrawn",
        source="portal",
        actor=Actor.subject(),
        evidence=evidence,
    )
    assert ConsentEvent.objects.filter(subject=subject).count() == 1
    assert (event.purpose_id, event.channel, event.decision, event.source, event.actor_type) == (
        "marketing_own", "email", "withdrawn", "portal", "subject",
    )  # fmt: skip
    stored = ConsentEvidence.objects.get(event=event)
    assert (stored.ip_address, stored.user_agent, stored.language, stored.text_hash) == (
        "192.0.2.10",
        "Firefox",
        "sv",
        "a" * 64,
    )
    assert event.evidence_digest == evidence.digest()
    state = ConsentState.objects.get(subject=subject)
    assert (state.purpose_id, state.channel, state.decision, state.event_id) == (
        "marketing_own",
        "email",
        "withdrawn",
        event.pk,
    )


def test_the_state_follows_the_latest_event():
    subject = subject_for("maria@example.se")
    record(subject, "research", "withdrawn", channel="email")
    last = record(subject, "research", "granted", channel="email")
    state = ConsentState.objects.get(subject=subject, purpose="research", channel="email")
    assert (state.decision, state.event_id) == ("granted", last.pk)


def _choices_from_state(subject) -> dict:
    return {
        ConsentState.choice_key(state.purpose_id, state.channel): [state.decision, state.event_id]
        for state in ConsentState.objects.filter(subject=subject)
    }


def _current_choices(subject) -> dict:
    return CurrentChoices.objects.get(subject=subject).choices


def test_current_choices_carry_a_copy_of_the_states():
    subject = subject_for("maria@example.se")
    record(subject, "primary_use", source="registration")
    record(subject, "marketing_own", "withdrawn", channel="email")
    record(subject, "marketing_own", "withdrawn")
    last = record(subject, "marketing_own", "granted", channel="email")
    assert _current_choices(subject) == _choices_from_state(subject)
    assert _current_choices(subject)["marketing_own/email"] == ["granted", last.pk]


def test_rebuilding_the_state_changes_nothing_the_ledger_wrote_and_repairs_what_it_did_not():
    maria, olle = subject_for("maria@example.se"), subject_for("olle@example.se")
    record(maria, "research", "withdrawn", channel="email")
    record(olle, "marketing_own", "granted", channel="postal")
    assert consent_state_rebuild() == (0, 0)
    ConsentState.objects.filter(subject=maria).delete()
    CurrentChoices.objects.filter(subject=olle).update(choices={})
    assert consent_state_rebuild() == (1, 1)  # maria's copy was right all along
    for subject in (maria, olle):
        assert _current_choices(subject) == _choices_from_state(subject) != {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": "no_such_purpose", "decision": "granted"}, "purpose"),
        ({"purpose": "cookies_analytics", "decision": "granted", "channel": "email"}, "channel"),
        ({"purpose": "research", "decision": "granted", "channel": "postal"}, "channel"),
        ({"purpose": "primary_use", "decision": "withdrawn"}, "decision"),
        ({"purpose": "research", "decision": "maybe"}, "decision"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(kwargs, field):
    subject = subject_for("maria@example.se")
    with pytest.raises(ValidationError) as excinfo:
        consent_record(subject=subject, source="api", actor=Actor.system(), **kwargs)
    assert field in excinfo.value.message_dict
    assert not ConsentEvent.objects.exists()


def test_primary_use_can_be_withdrawn_by_erasure():
    subject = subject_for("maria@example.se")
    record(subject, "primary_use", source="registration")
    event = record(subject, "primary_use", "withdrawn", source="erasure")
    assert event.decision == "withdrawn"


def test_an_idempotent_retry_returns_the_first_event():
    subject = subject_for("maria@example.se")
    first = record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    again = record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    assert (first.created, again.created) == (True, False)
    assert again.pk == first.pk
    assert ConsentEvent.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused():
    subject = subject_for("maria@example.se")
    record(subject, "research", "withdrawn", channel="email", idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict):
        record(subject, "research", "granted", channel="email", idempotency_key="k-1")


def test_event_times_and_hashes_are_recorded_by_the_server():
    subject = subject_for("maria@example.se")
    with time_machine.travel("2026-03-01T10:00:00Z", tick=False):
        event = record(subject, "research", "withdrawn", channel="email")
    assert event.occurred_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert len(event.hash) == 64 and event.prev_hash == ConsentEvent.GENESIS_HASH


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    subject = subject_for("busy@example.com")
    record(subject, "primary_use", source="registration")
    errors: list[Exception] = []
    barrier = threading.Barrier(10)

    def writer(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                decision = "granted" if (worker + i) % 2 else "withdrawn"
                record(subject, "marketing_own", decision, channel="email")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    events = list(ConsentEvent.objects.filter(subject=subject, purpose="marketing_own").order_by("id"))
    assert len(events) == 50
    ledger_checkpoint_take()
    result = ledger_verify(subject=subject)
    assert result.problems == [] and result.events_checked == 51
    state = ConsentState.objects.get(subject=subject, purpose="marketing_own", channel="email")
    assert (state.event_id, state.decision) == (events[-1].pk, events[-1].decision)
    assert _current_choices(subject) == _choices_from_state(subject)


def test_an_event_cannot_cite_a_draft_policy_version():
    document = PolicyDocument.objects.create(slug="privacy-policy", kind=PolicyDocument.Kind.PRIVACY_POLICY)
    draft = policy_version_create(
        document=document,
        label="9.0",
        effective_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        title={"en": "Draft"},
        body={"en": "Not shown to anyone yet."},
        summary_of_changes={"en": "First version."},
    )
    subject = subject_for("maria@example.se")
    with pytest.raises(ValidationError) as refused:
        record(subject, "primary_use", source="registration", policy_version=draft)
    assert "policy_version" in refused.value.message_dict
    assert not ConsentEvent.objects.filter(subject=subject).exists()
    published = policy_version_publish(version=draft)
    assert record(subject, "primary_use", source="registration", policy_version=published).policy_version == published


def test_evidence_is_erased_only_for_a_person_already_erased():
    person = subject_for("leaving@example.com")
    event = record(person, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.1"))
    other = record(subject_for("staying@example.com"), "primary_use", source="registration")

    with pytest.raises(ValidationError) as refused:
        consent_evidence_erase(subject=person)
    assert "has not been erased" in str(refused.value.message_dict["subject"])
    assert ConsentEvidence.objects.filter(event=event).exists() and not EvidenceErasure.objects.exists()

    Subject.objects.filter(pk=person.pk).update(erased_at=timezone.now())
    assert consent_evidence_erase(subject=person) == 1
    assert not ConsentEvidence.objects.filter(event=event).exists()
    assert ConsentEvidence.objects.filter(event=other).exists()
    erasure = EvidenceErasure.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user")
        role = cursor.fetchone()[0]
    assert (erasure.subject_id, erasure.evidence_rows, erasure.erased_by) == (person.pk, 1, role)
    # The event and its chain stay.
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_that_waited_for_an_erasure_records_nothing():
    """The head and the erasure are read after the person's lock is granted, so a consent
    that arrives while the person is being erased is refused once the erasure commits."""
    person = subject_for("erasing@example.com")
    record(person, "primary_use", source="registration")
    locked, outcome = threading.Event(), {}

    def eraser() -> None:
        try:
            with transaction.atomic():
                subject_lock(person.pk)
                locked.set()
                time.sleep(0.5)  # the writer below is waiting on the lock by now
                Subject.objects.filter(pk=person.pk).update(erased_at=timezone.now())
        finally:
            connection.close()

    def writer() -> None:
        locked.wait(timeout=10)
        try:
            record(person, "marketing_own", "granted", channel="email")
            outcome["error"] = None
        except ValidationError as exc:
            outcome["error"] = exc.message_dict
        finally:
            connection.close()

    threads = [threading.Thread(target=eraser), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["error"] == {"subject": ["This person's data has been erased; no new consent can be recorded."]}
    assert not ConsentEvent.objects.filter(subject=person, purpose="marketing_own").exists()
